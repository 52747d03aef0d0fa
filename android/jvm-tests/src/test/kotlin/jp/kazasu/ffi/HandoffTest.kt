package jp.kazasu.ffi

import java.io.ByteArrayInputStream
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The hand-off through the generated bindings, as the Android shell drives it: a Kotlin HttpTransport serving
 * the fake relying party's bytes, the core fetching and checking, the software card signing, the relying party
 * verifying with the core's verify_submission.
 */
class HandoffTest {
    private val rp = FakeRelyingParty("https://city.example.jp")
    private val http = RpHttp(rp)
    private val card = SoftwareCard()
    private val now = rp.now()

    @AfterEach
    fun close() {
        rp.close()
        card.close()
    }

    private fun pin(text: String = softwareCardSignPin()) = SignPin(text.toByteArray())

    private fun x509(der: ByteArray): X509Certificate =
        CertificateFactory.getInstance("X.509").generateCertificate(ByteArrayInputStream(der)) as X509Certificate

    @Test
    fun `a deep link is fetched, shown, signed with the card, submitted and verified by the relying party`() {
        val url = rp.createRequest(600)
        assertEquals(url, requestUrlOfLink(rp.deepLink(url)))
        assertEquals(url, requestUrlOfLink(url), "the QR text is the URL itself")

        val request = SigningRequest.fetch(http, requestUrlOfLink(rp.deepLink(url)), now)
        val shown = request.display()
        assertEquals("https://city.example.jp", shown.origin)
        assertTrue(shown.originIsHttps)
        assertEquals("伊勢市（テスト）", shown.relyingParty)
        assertEquals("住民票の写しの交付申請", shown.title)
        assertEquals(listOf("交付を受ける通数", "使用目的", "備考"), shown.fields.map { it.label })
        assertEquals(listOf("2", "年金の手続き", ""), shown.fields.map { it.value })
        assertEquals(now + 600, shown.expiresAt)
        request.checkNotExpired(now + 5)

        val signed = CardSession(Shell(card)).signRequest(pin(), false, request, now + 10, null)
        assertEquals(1u, card.pinPresentations())
        // java.security, independently of the core: the signature is over exactly the text that was shown.
        val verifier = Signature.getInstance("SHA256withRSA")
        verifier.initVerify(x509(signed.certificate).publicKey)
        verifier.update(shown.signedText.toByteArray(Charsets.UTF_8))
        assertTrue(verifier.verify(signed.signature))

        val receipt = request.submit(http, signed)
        assertEquals(shown.requestId, receipt.requestId)
        assertNotNull(receipt.name)
        assertEquals(signed.identity.name, receipt.name)
        assertEquals(signed.identity.address, receipt.address)
        assertEquals(signed.identity.dateOfBirthIso, receipt.dateOfBirth)
        assertEquals(1u, rp.accepted())
        assertEquals(listOf("GET $url", "POST $url/submit"), http.calls.toList())

        // Signed once: this phone refuses the same request at the next fetch.
        assertThrows(HandoffFailure.Replayed::class.java) { SigningRequest.fetch(http, url, now + 20) }
    }

    @Test
    fun `an expired request is refused before the pin and never reaches the card`() {
        val request = SigningRequest.fetch(http, rp.createRequest(60), now)
        assertThrows(HandoffFailure.Expired::class.java) { request.checkNotExpired(now + 60) }
        val shell = Shell(card)
        val p = pin()
        val e = assertThrows(HandoffFailure.Expired::class.java) {
            CardSession(shell).signRequest(p, true, request, now + 61, null)
        }
        assertTrue(e.expiresAt.endsWith("Z"))
        assertEquals(0, shell.exchanges, "the card was never touched")
        assertEquals(0u, card.pinPresentations())
        assertFalse(p.isUsed(), "the PIN was not taken")
    }

    @Test
    fun `an IOException thrown by the Kotlin transport becomes a typed network failure`() {
        val url = rp.createRequest(600)
        http.failGet = RpHttp.ioFailure()
        val e = assertThrows(HandoffFailure.Network::class.java) { SigningRequest.fetch(http, url, now) }
        assertTrue(e.reason.contains("Connection reset"), e.reason)
        http.failGet = null

        val request = SigningRequest.fetch(http, url, now)
        val signed = CardSession(Shell(card)).signRequest(pin(), false, request, now, null)
        http.failPost = { RuntimeException("bug in the shell") }
        assertThrows(HandoffFailure.Network::class.java) { request.submit(http, signed) }
        http.failPost = null
        // The same signature may be sent again: no PIN, no new signature.
        request.submit(http, signed)
        assertEquals(1u, card.signatures())
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `hostile requests are refused at fetch and the card is never used`() {
        val url = rp.createRequest(600)
        // The display says 20 copies, the signed document 2.
        http.rewriteGet = { body -> body.replace("\"value\":\"2\"", "\"value\":\"20\"") }
        assertThrows(HandoffFailure.DisplayMismatch::class.java) { SigningRequest.fetch(http, url, now) }
        http.rewriteGet = null
        // A site that serves a copy of the city's request.
        http.hostAlias = "https://evil.example" to "https://city.example.jp"
        val e = assertThrows(HandoffFailure.OriginMismatch::class.java) {
            SigningRequest.fetch(http, url.replace("https://city.example.jp", "https://evil.example"), now)
        }
        assertEquals("https://evil.example", e.expected)
        assertEquals("https://city.example.jp", e.found)
        // Links the core refuses.
        for (bad in listOf("http://city.example.jp/r/x", "kazasu://sign?r=javascript%3Aalert(1)", "WIFI:S:x;;", "")) {
            assertThrows(HandoffFailure.InvalidLink::class.java) { requestUrlOfLink(bad) }
        }
        assertEquals(0u, card.exchanges())
        assertEquals(0u, rp.posts())
    }
}
