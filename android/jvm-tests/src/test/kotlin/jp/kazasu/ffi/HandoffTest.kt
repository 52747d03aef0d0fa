package jp.kazasu.ffi

import java.io.ByteArrayInputStream
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The hand-off through the Kotlin bindings of `SigningFlow`, as the Android shell drives it: a Kotlin
 * HttpTransport serving the fake relying party's bytes, the core fetching and checking, the software card
 * signing in one tap, the relying party verifying with the core's verify_submission.
 */
class HandoffTest {
    private val rp = FakeRelyingParty("https://city.example.jp")
    private val http = RpHttp(rp)
    private val card = SoftwareCard()
    private val clock = TestClock(rp.now())
    private val flows = mutableListOf<SigningFlow>()

    @AfterEach
    fun close() {
        flows.forEach { it.close() }
        clock.close()
        rp.close()
        card.close()
    }

    /** A flow for [link] through [http], started and fetched. */
    private fun fetched(link: String, observer: FlowObserver = Seen()): SigningFlow {
        val flow = SigningFlow.forLink(link, http, observer, clock.clock()).also { flows += it }
        flow.start()
        assertTrue(flow.waitIdle(10_000u), "the fetch ended")
        return flow
    }

    /**
     * Accepts, types the password, taps the card: signed and shown once more before 申請する, nothing sent yet
     * (no POST was even attempted).
     */
    private fun signed(flow: SigningFlow, shell: Shell = Shell(card)): FlowState.ConfirmFiling {
        val posts = http.calls.count { it.startsWith("POST") }
        flow.accept()
        flow.enterPin(softwareCardSignPin().toByteArray())
        assertTrue(flow.cardPresent(shell))
        assertTrue(flow.waitIdle(10_000u), "the flow's work ended")
        val review = flow.state() as? FlowState.ConfirmFiling ?: throw AssertionError("not in the filing review: ${flow.state()}")
        assertEquals(posts, http.calls.count { it.startsWith("POST") }, "nothing sent before 申請する")
        return review
    }

    /** Signs as [signed] does, then 申請する; waits for the sending. */
    private fun sign(flow: SigningFlow, shell: Shell = Shell(card)) {
        signed(flow, shell)
        flow.file()
        assertTrue(flow.waitIdle(10_000u), "the sending ended")
    }

    private fun verifies(signed: SignedDocument, text: String): Boolean {
        val verifier = Signature.getInstance("SHA256withRSA")
        verifier.initVerify(x509(signed.certificate).publicKey)
        verifier.update(text.toByteArray(Charsets.UTF_8))
        return verifier.verify(signed.signature)
    }

    private fun x509(der: ByteArray): X509Certificate =
        CertificateFactory.getInstance("X.509").generateCertificate(ByteArrayInputStream(der)) as X509Certificate

    @Test
    fun `a deep link is fetched, shown, signed in one tap, submitted and verified by the relying party`() {
        val url = rp.createRequest(600)
        val flow = fetched(rp.deepLink(url))
        val shown = (flow.state() as FlowState.ReviewRequest).request
        assertEquals("https://city.example.jp", shown.origin)
        assertTrue(shown.originIsHttps)
        assertEquals("伊勢市（テスト）", shown.relyingParty)
        assertEquals("住民票の写しの交付申請", shown.title)
        assertEquals(listOf("交付を受ける通数", "使用目的", "備考"), shown.fields.map { it.label })
        assertEquals(listOf("2", "年金の手続き", ""), shown.fields.map { it.value })
        assertEquals(rp.now() + 600, shown.expiresAt)

        val shell = Shell(card)
        val review = signed(flow, shell)
        assertEquals(8, shell.exchanges, "one tap")
        // The application shown once more before 申請する is the one reviewed before the password.
        assertEquals(shown, review.request)
        assertEquals(0u, rp.posts())
        flow.file()
        assertTrue(flow.waitIdle(10_000u), "the sending ended")
        val done = flow.state() as FlowState.Done
        val signed = done.result
        // What was sent is what the review showed (ByteArrays: compared by content).
        assertArrayEquals(review.result.signature, signed.signature)
        assertArrayEquals(review.result.certificate, signed.certificate)
        assertEquals(review.result.identity, signed.identity)
        assertEquals(1u, card.pinPresentations())
        // java.security, independently of the core: the signature is over exactly the text that was shown.
        assertTrue(verifies(signed, shown.signedText))

        val receipt = done.receipt
        assertEquals(shown.requestId, receipt.requestId)
        assertNotNull(receipt.name)
        assertEquals(signed.identity.name, receipt.name)
        assertEquals(signed.identity.address, receipt.address)
        assertEquals(signed.identity.dateOfBirthIso, receipt.dateOfBirth)
        assertEquals(1u, rp.accepted())
        // The deep link named the request URL, which is what was fetched.
        assertEquals(listOf("GET $url", "POST $url/submit"), http.calls.toList())

        // Signed once: the same request (the QR text is the URL itself) is refused at the next fetch.
        val again = fetched(url)
        assertEquals(FlowState.Failed(Notice.AlreadySigned), again.state())
        assertFalse(again.cardPresent(Shell(card)))
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `the review says where and when the request was created and what signing discloses, and cancelling before 申請する sends nothing`() {
        val url = rp.createRequest(600)
        val flow = fetched(rp.deepLink(url))
        val review = flow.state() as FlowState.ReviewRequest
        // Where and when, as the relying party states it; the age is the flow's, from its clock.
        assertEquals(CreationContext("Windows · Chrome", rp.now(), RequestAge.JustNow), review.context)
        clock.advance(125)
        assertEquals(CreationContext("Windows · Chrome", rp.now(), RequestAge.Minutes(2u)), (flow.state() as FlowState.ReviewRequest).context)
        // The certificate's 基本4情報 go to the origin shown.
        assertEquals(
            Disclosure(
                listOf(PersonalItem.NAME, PersonalItem.ADDRESS, PersonalItem.DATE_OF_BIRTH, PersonalItem.GENDER),
                Recipient.Origin("https://city.example.jp"),
            ),
            review.disclosure,
        )

        val filing = signed(flow)
        assertEquals(review.request, filing.request)
        // What the certificate says about the signer, for the person to check before 申請する.
        val id = filing.result.identity
        assertEquals("かざす\u3000花子", id.name)
        assertNotNull(id.address)
        assertEquals("1985-04-01", id.dateOfBirthIso)
        assertTrue(id.genderCode != Gender.UNKNOWN, "gender ${id.gender}")
        assertTrue(verifies(filing.result, filing.request.signedText))

        flow.cancel()
        assertTrue(flow.waitIdle(10_000u))
        assertEquals(FlowState.Cancelled, flow.state())
        // A 申請する arriving after the cancel (a double tap) sends nothing either.
        flow.file()
        assertTrue(flow.waitIdle(10_000u))
        assertEquals(FlowState.Cancelled, flow.state())
        assertEquals(listOf("GET $url"), http.calls.toList(), "no POST")
        assertEquals(0u, rp.posts())
        assertEquals(1u, card.signatures())
        // Not filed, so not remembered as signed: the same request can be reviewed again.
        assertTrue(fetched(url).state() is FlowState.ReviewRequest)
    }

    @Test
    fun `an expired request is refused before the pin and never reaches the card`() {
        val short = fetched(rp.createRequest(60))
        assertTrue(short.state() is FlowState.ReviewRequest)
        clock.advance(61)
        short.accept()
        assertEquals(FlowState.Failed(Notice.Expired), short.state())
        // Expiring while the password is typed: the tap is refused, the card untouched.
        clock.advance(-61)
        val typed = fetched(rp.createRequest(60))
        typed.accept()
        typed.enterPin(softwareCardSignPin().toByteArray())
        clock.advance(61)
        val shell = Shell(card)
        assertFalse(typed.cardPresent(shell))
        assertEquals(FlowState.Failed(Notice.Expired), typed.state())
        assertEquals(0, shell.exchanges, "the card was never touched")
        assertEquals(0u, card.pinPresentations())
        assertEquals(0u, rp.posts())
    }

    @Test
    fun `an IOException thrown by the Kotlin transport becomes a typed network notice`() {
        val url = rp.createRequest(600)
        http.failGet = RpHttp.ioFailure()
        assertEquals(FlowState.Failed(Notice.Network), fetched(url).state())
        http.failGet = null

        val flow = fetched(url)
        http.failPost = { RuntimeException("bug in the shell") }
        sign(flow)
        assertEquals(FlowState.SubmitFailed(Notice.Network, true), flow.state())
        http.failPost = null
        // The same signature may be sent again: no PIN, no new signature.
        flow.resend()
        assertTrue(flow.waitIdle(10_000u))
        assertTrue(flow.state() is FlowState.Done, "${flow.state()}")
        assertEquals(1u, card.signatures())
        assertEquals(1u, card.pinPresentations())
        assertEquals(1u, rp.accepted())
    }

    @Test
    fun `hostile requests and links end the flow before anything is shown and the card is never used`() {
        val url = rp.createRequest(600)
        // The display says 20 copies, the signed document 2.
        http.rewriteGet = { body -> body.replace("\"value\":\"2\"", "\"value\":\"20\"") }
        assertEquals(FlowState.Failed(Notice.DisplayMismatch), fetched(url).state())
        http.rewriteGet = null
        // A site that serves a copy of the city's request.
        http.hostAlias = "https://evil.example" to "https://city.example.jp"
        assertEquals(
            FlowState.Failed(Notice.OriginMismatch("https://evil.example", "https://city.example.jp")),
            fetched(url.replace("https://city.example.jp", "https://evil.example")).state(),
        )
        http.hostAlias = null
        // Links the core refuses: not even fetched.
        val calls = http.calls.size
        for (bad in listOf("http://city.example.jp/r/x", "kazasu://sign?r=javascript%3Aalert(1)", "WIFI:S:x;;", "")) {
            val flow = fetched(bad)
            assertEquals(FlowState.Failed(Notice.InvalidLink), flow.state(), bad)
            assertFalse(flow.cardPresent(Shell(card)))
        }
        assertEquals(calls, http.calls.size, "no HTTP for a refused link")
        assertEquals(0u, card.exchanges())
        assertEquals(0u, rp.posts())
    }
}
