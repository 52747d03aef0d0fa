package jp.kazasu.ffi

import java.io.IOException

/**
 * A Kotlin transport around the exported software card, as the Android shell's IsoDep transport is: bytes in,
 * bytes out. [failOn] makes the n-th exchange (1-based) throw [failure] instead of reaching the card.
 */
class Shell(
    private val card: SoftwareCard,
    private val failOn: Int? = null,
    private val failure: () -> Exception = { IOException("Transceive failed") },
) : CardTransport {
    var exchanges = 0
        private set

    /** Every command this shell was handed, cleared after sending as the real transport does. */
    val handed = mutableListOf<ByteArray>()

    override fun transceive(command: ByteArray): ByteArray {
        exchanges++
        handed += command
        try {
            if (exchanges == failOn) throw failure()
            return card.transceive(command)
        } finally {
            command.fill(0)
        }
    }

    override fun supportsExtendedLength(): Boolean = card.supportsExtendedLength()

    override fun maxTransceiveLength(): UInt = 0u
}
