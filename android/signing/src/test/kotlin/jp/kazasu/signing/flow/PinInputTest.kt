package jp.kazasu.signing.flow

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class PinInputTest {
    @Test
    fun `the typed characters reach the core as utf-8, full-width ones included, and every copy is cleared`() {
        val typed = "abc１２３".toCharArray()
        var seen: ByteArray? = null
        var handed: ByteArray? = null
        PinInput.handOver(typed) { seen = it.copyOf(); handed = it }
        assertArrayEquals("abc１２３".toByteArray(Charsets.UTF_8), seen)
        assertTrue(typed.all { it == '\u0000' }, "the CharArray from the field is cleared")
        assertTrue(handed!!.all { it == 0.toByte() }, "the bytes handed over are cleared after the call")
    }

    @Test
    fun `the copies are cleared even when the receiver throws`() {
        val typed = "SECRET12".toCharArray()
        var handed: ByteArray? = null
        assertThrows(IllegalStateException::class.java) {
            PinInput.handOver(typed) { handed = it; throw IllegalStateException("refused") }
        }
        assertTrue(typed.all { it == '\u0000' })
        assertTrue(handed!!.all { it == 0.toByte() })
    }

    @Test
    fun `an unpaired surrogate becomes a character the core refuses, not an exception`() {
        var seen: ByteArray? = null
        PinInput.handOver(charArrayOf('A', '\uD800', 'B')) { seen = it.copyOf() }
        assertArrayEquals("A?B".toByteArray(), seen)
    }
}
