package jp.kazasu.signing.flow

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class PinInputTest {
    private fun typed(s: String) = PinInput().apply { s.forEach { append(it) } }

    @Test
    fun `lower-case and full-width characters are upper-cased ascii`() {
        var seen: ByteArray? = null
        typed("abc１２３ｘＹ").consume { seen = it.copyOf() }
        assertArrayEquals("ABC123XY".toByteArray(), seen)
    }

    @Test
    fun `characters a signature pin cannot hold are refused`() {
        val p = PinInput()
        for (c in listOf(' ', '-', 'あ', '_', 'é', '\n')) assertFalse(p.append(c), "$c")
        assertEquals(0, p.length)
    }

    @Test
    fun `at most sixteen characters are kept and six are needed`() {
        val p = typed("ABCDE")
        assertFalse(p.isCompleteLength)
        p.append('F')
        assertTrue(p.isCompleteLength)
        repeat(10) { assertTrue(p.append('1')) }
        assertFalse(p.append('2'))
        assertEquals(16, p.length)
    }

    @Test
    fun `consuming clears the buffer and the byte copy even when the consumer fails`() {
        var handed: ByteArray? = null
        val p = typed("SECRET12")
        assertThrows(IllegalStateException::class.java) {
            p.consume { handed = it; throw IllegalStateException("refused") }
        }
        assertTrue(p.isWiped())
        assertTrue(handed?.all { it == 0.toByte() } == true, "the ByteArray handed over is zeroed")

        var second: ByteArray? = null
        val q = typed("ABC123")
        q.consume { second = it; it.size }
        assertTrue(q.isWiped())
        assertTrue(second?.all { it == 0.toByte() } == true)
    }

    @Test
    fun `a char array taken from the text field is cleared after copying`() {
        val fromField = "xyz789".toCharArray()
        val p = PinInput()
        p.setFrom(fromField)
        assertTrue(fromField.all { it == '\u0000' })
        assertEquals(6, p.length)
    }

    @Test
    fun `backspace and clear wipe characters`() {
        val p = typed("ABC1234")
        p.backspace()
        assertEquals(6, p.length)
        p.clear()
        assertTrue(p.isWiped())
    }

    @Test
    fun `the pin never shows in toString`() {
        assertFalse(typed("TOPSECRET").toString().contains("TOPSECRET"))
    }
}
