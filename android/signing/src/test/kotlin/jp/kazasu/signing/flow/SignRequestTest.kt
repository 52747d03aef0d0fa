package jp.kazasu.signing.flow

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class SignRequestTest {
    @Test
    fun `the text shown is decoded from the very bytes that are signed, which the caller cannot change later`() {
        val bytes = "住所: 札幌市中央区北1条西2丁目".toByteArray()
        val r = SignRequest("札幌市", "住民票の写し", bytes)
        bytes[0] = 0
        assertEquals("住所: 札幌市中央区北1条西2丁目", r.documentText)
        val copy = r.document
        copy[0] = 0
        assertArrayEquals("住所: 札幌市中央区北1条西2丁目".toByteArray(), r.document)
    }
}
