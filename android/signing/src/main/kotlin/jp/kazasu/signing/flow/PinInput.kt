package jp.kazasu.signing.flow

import java.nio.ByteBuffer
import java.nio.CharBuffer
import java.nio.charset.CodingErrorAction

/**
 * The typed signature password on its way from the text field to the core: a CharArray (never a String) turned
 * into UTF-8 bytes in one buffer sized up front (so no partial copy is left behind), handed over, then every
 * copy cleared. The core checks, normalises (upper case, full-width characters) and keeps it zeroized.
 */
object PinInput {
    /** Hands [typed] as UTF-8 to [use] (e.g. `flow::enterPin`), then clears [typed] and the bytes, even if [use] throws. */
    fun <T> handOver(typed: CharArray, use: (ByteArray) -> T): T {
        // At most 3 UTF-8 bytes per UTF-16 unit; an unpaired surrogate becomes '?', which the core refuses.
        val buffer = ByteBuffer.allocate(typed.size * 3)
        val bytes: ByteArray
        try {
            Charsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .encode(CharBuffer.wrap(typed), buffer, true)
            bytes = ByteArray(buffer.position())
            buffer.flip()
            buffer.get(bytes)
        } finally {
            buffer.array().fill(0)
            typed.fill('\u0000')
        }
        try {
            return use(bytes)
        } finally {
            bytes.fill(0)
        }
    }
}
