package jp.kazasu.signing.nfc

import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import android.util.Log
import java.io.IOException
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.TransportException

/**
 * The card link for the core: [IsoDep] moving APDU bytes, nothing else (no APDU parsing here).
 *
 * Blocking; call only off the main thread. The timeout is raised to [SIGN_TIMEOUT_MS] because the card takes
 * seconds to compute a signature. Extended length is announced only when the controller says it supports it.
 */
class IsoDepTransport private constructor(private val isoDep: IsoDep) : CardTransport {

    override fun transceive(command: ByteArray): ByteArray {
        try {
            return isoDep.transceive(command)
        } catch (e: TagLostException) {
            Log.i(TAG, "tag lost (command of ${command.size} bytes)")
            throw TransportException.CardLost()
        } catch (e: SecurityException) {
            // "Tag is out of date": a new tag was discovered, this handle is stale.
            throw TransportException.CardLost()
        } catch (e: IOException) {
            // Timeouts and other link failures; the message never carries APDU data.
            Log.i(TAG, "transceive failed: ${e.javaClass.simpleName}")
            throw TransportException.Io(e.javaClass.simpleName)
        } finally {
            // The command may be VERIFY with the PIN: do not keep it.
            command.fill(0)
        }
    }

    override fun supportsExtendedLength(): Boolean = isoDep.isExtendedLengthApduSupported

    override fun maxTransceiveLength(): UInt = isoDep.maxTransceiveLength.coerceAtLeast(0).toUInt()

    fun close() {
        try {
            isoDep.close()
        } catch (e: IOException) {
            Log.i(TAG, "close failed: ${e.javaClass.simpleName}")
        }
    }

    companion object {
        private const val TAG = "KazasuNfc"

        /** At least 5 s: COMPUTE DIGITAL SIGNATURE takes seconds on some cards. */
        const val SIGN_TIMEOUT_MS = 10_000

        /** Connects to [tag] as ISO-DEP, or returns null if it is not an ISO-DEP tag or cannot be reached. */
        fun connect(tag: Tag): IsoDepTransport? {
            val isoDep = IsoDep.get(tag) ?: return null
            return try {
                isoDep.connect()
                isoDep.timeout = SIGN_TIMEOUT_MS
                IsoDepTransport(isoDep)
            } catch (e: IOException) {
                Log.i(TAG, "connect failed: ${e.javaClass.simpleName}")
                null
            } catch (e: SecurityException) {
                null
            }
        }
    }
}
