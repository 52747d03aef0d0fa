package jp.kazasu.signing.flow

import jp.kazasu.ffi.HashAlgorithm

/**
 * What the person is asked to sign. [document] is the exact byte string shown on screen (UTF-8 text) and the
 * exact byte string signed: the core hashes these bytes, nothing else (what you see is what you sign).
 */
class SignRequest(
    /** Who asks (the city or service), shown at the top. */
    val requester: String,
    /** A short title of the form. */
    val title: String,
    document: ByteArray,
    val algorithm: HashAlgorithm = HashAlgorithm.SHA256,
) {
    private val bytes: ByteArray = document.copyOf()

    /** A copy of the bytes to sign. */
    val document: ByteArray get() = bytes.copyOf()

    /** The text shown to the person, decoded from the very bytes that are signed. */
    val documentText: String get() = bytes.toString(Charsets.UTF_8)
}
