package jp.kazasu.ffi

import java.io.ByteArrayInputStream
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Signing bytes through the Kotlin bindings of `SigningFlow`, the host cdylib and the software card, with a
 * Kotlin transport as the tag: what java.security says of the signature and the certificate, and what a
 * Kotlin transport can throw. The PIN rules of the scenario table are replayed by [ScenarioTest].
 */
class SigningFlowTest {
    private val document = "転入届\n氏名: 山田 太郎\n転入日: 2026-11-27".toByteArray()
    private val closing = mutableListOf<AutoCloseable>()

    private fun card(shortOnly: Boolean = false): SoftwareCard =
        (if (shortOnly) SoftwareCard.shortOnly() else SoftwareCard()).also { closing += it }

    private fun flow(pin: String = softwareCardSignPin(), hash: HashAlgorithm = HashAlgorithm.SHA256, observer: FlowObserver = Seen()) =
        waitingForCard(document, pin.toByteArray(), hash, observer).also { closing += it }

    @AfterEach
    fun close() = closing.forEach { it.close() }

    private fun x509(der: ByteArray): X509Certificate =
        CertificateFactory.getInstance("X.509").generateCertificate(ByteArrayInputStream(der)) as X509Certificate

    @Test
    fun `one tap signs and java security verifies the signature with the returned certificate`() {
        for ((hash, jca) in listOf(
            HashAlgorithm.SHA256 to "SHA256withRSA",
            HashAlgorithm.SHA384 to "SHA384withRSA",
            HashAlgorithm.SHA512 to "SHA512withRSA",
        )) {
            val card = card()
            val flow = flow(hash = hash)
            assertTrue(flow.cardPresent(Shell(card)))
            val signed = flow.signed()
            val cert = x509(signed.certificate)
            val verifier = Signature.getInstance(jca)
            verifier.initVerify(cert.publicKey)
            verifier.update(document)
            assertTrue(verifier.verify(signed.signature), "$jca signature verifies")
            // And not over other bytes: the signature is over exactly what was shown.
            verifier.initVerify(cert.publicKey)
            verifier.update(document + 0x20)
            assertFalse(verifier.verify(signed.signature))
            assertEquals(hash, signed.algorithm)
            assertEquals(1u, card.pinPresentations())
            assertEquals(5u, card.signPinTries())
        }
    }

    @Test
    fun `the bytes review says that whoever receives the signature reads the certificate's personal data`() {
        val flow = SigningFlow.forBytes("転入届.txt", document, HashAlgorithm.SHA256, Seen(), null).also { closing += it }
        flow.start()
        val review = flow.state() as? FlowState.ReviewBytes ?: throw AssertionError("not in review: ${flow.state()}")
        assertEquals(document.size.toULong(), review.bytes.size)
        assertEquals(
            Disclosure(
                listOf(PersonalItem.NAME, PersonalItem.ADDRESS, PersonalItem.DATE_OF_BIRTH, PersonalItem.GENDER),
                Recipient.WhoeverReceivesTheSignature,
            ),
            review.disclosure,
        )
    }

    @Test
    fun `the certificate chains to the test sign CA and the identity is read from it`() {
        val flow = flow()
        assertTrue(flow.cardPresent(Shell(card())))
        val signed = flow.signed()
        val cert = x509(signed.certificate)
        cert.verify(x509(softwareCardSignCaCertificate()).publicKey)
        val id = signed.identity
        assertNotNull(id.name)
        assertNotNull(id.address)
        assertNotNull(id.dateOfBirth)
        assertEquals("1985-04-01", id.dateOfBirthIso)
        assertTrue(id.gender in setOf("1", "2", "3", "9"), "gender code ${id.gender}")
        assertTrue(id.genderCode != Gender.UNKNOWN)
    }

    @Test
    fun `a short-only card and link give the same result`() {
        val shell = Shell(card(shortOnly = true))
        val flow = flow()
        assertTrue(flow.cardPresent(shell))
        assertEquals(256, flow.signed().signature.size)
        assertEquals(15, shell.exchanges)
        assertTrue(shell.handed.all { it.size <= 5 + 255 + 1 }, "only short APDUs were sent")
    }

    @Test
    fun `a wrong pin shows the tries left and a tap without typing again presents nothing`() {
        val card = card()
        val flow = flow(pin = "WRONG1")
        assertTrue(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.EnterPin(4u, false, Notice.WrongPin(4u)), flow.state())
        // The flow wants the password and knows the tries: a card now is not used at all.
        val exchanges = card.exchanges()
        assertFalse(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.EnterPin(4u, false, Notice.WrongPin(4u)), flow.state())
        assertEquals(exchanges, card.exchanges())
        assertEquals(1u, card.pinPresentations())
        assertEquals(4u, card.signPinTries())
    }

    @Test
    fun `five wrong pins lock the card and a locked card is never given a pin`() {
        val card = card()
        val flow = flow(pin = "WRONG1")
        for (left in 4 downTo 1) {
            assertTrue(flow.cardPresent(Shell(card)))
            assertEquals(FlowState.EnterPin(left.toUInt(), left == 1, Notice.WrongPin(left.toUByte())), flow.state())
            flow.enterPin("WRONG1".toByteArray())
        }
        // One try left: the password is presented only after the person confirmed.
        assertEquals(FlowState.ConfirmLastTry, flow.state())
        flow.confirmLastTry()
        assertTrue(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.Blocked, flow.state())
        assertEquals(0u, card.signPinTries())
        // A new flow with the right password: the counter says locked, nothing is presented.
        val again = flow()
        assertTrue(again.cardPresent(Shell(card)))
        assertEquals(FlowState.Blocked, again.state())
        assertEquals(5u, card.pinPresentations())
        assertEquals(0u, card.signatures())
    }

    @Test
    fun `an IOException from the kotlin transport is a lost card and spends no try`() {
        // Exchanges: 1 SELECT AP, 2 SELECT PIN EF, 3 counter (PIN still held), 4 VERIFY, 5 SELECT cert EF,
        // 6 READ BINARY, 7 SELECT key EF, 8 SIGN.
        for (failOn in 1..8) {
            val card = card()
            val flow = flow()
            assertTrue(flow.cardPresent(Shell(card, failOn)))
            val expected = when (failOn) {
                in 1..3 -> FlowState.HoldCard(Notice.CardLost) // the PIN never left: the next tap uses it
                4 -> FlowState.EnterPin(null, false, Notice.VerifyOutcomeUnknown) // gone, and typed again
                else -> FlowState.EnterPin(5u, false, Notice.CardLostAfterPin)
            }
            assertEquals(expected, flow.state(), "failure at exchange $failOn")
            assertEquals(5u, card.signPinTries(), "failure at exchange $failOn")
            assertEquals(0u, card.signatures())
            assertTrue(card.pinPresentations() <= 1u)
            if (failOn > 3) flow.enterPin(softwareCardSignPin().toByteArray())
            assertTrue(flow.cardPresent(Shell(card)))
            assertEquals(256, flow.signed().signature.size, "the next tap signs after failure at exchange $failOn")
        }
    }

    @Test
    fun `any other exception from the transport is a typed notice, not a crash`() {
        val card = card()
        val flow = flow()
        assertTrue(flow.cardPresent(Shell(card, 1) { IllegalStateException("bug in the shell") }))
        assertEquals(FlowState.HoldCard(Notice.CardLost), flow.state())
        assertTrue(flow.cardPresent(Shell(card, 1) { TransportException.CardLost() }))
        assertEquals(FlowState.HoldCard(Notice.CardLost), flow.state())
        assertTrue(flow.cardPresent(Shell(card)))
        flow.signed()
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a link lost while the card checks a wrong pin is outcome unknown and the counter says what happened`() {
        val card = card()
        card.loseAnswerOfPinPresentation()
        val flow = flow(pin = "WRONG1")
        assertTrue(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.EnterPin(null, false, Notice.VerifyOutcomeUnknown), flow.state())
        // The card did count it; the next tap learns that from the counter before the password is typed again.
        assertTrue(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.EnterPin(4u, false, null), flow.state())
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `the pin bytes handed to the ffi can be cleared at once and the command carrying it is cleared`() {
        val bytes = softwareCardSignPin().toByteArray()
        val flow = SigningFlow.forBytes("転入届.txt", document, HashAlgorithm.SHA256, Seen(), null).also { closing += it }
        flow.start()
        flow.accept()
        flow.enterPin(bytes)
        bytes.fill(0)
        val shell = Shell(card())
        assertTrue(flow.cardPresent(shell))
        // The Rust side kept its own (zeroizing) copy, so clearing ours right away is safe.
        flow.signed()
        assertTrue(shell.handed.all { cmd -> cmd.all { it == 0.toByte() } })
    }

    @Test
    fun `a pin outside the format is refused before any card work and never echoed`() {
        val card = card()
        for ((bad, rule) in listOf(
            "ABC12" to PinRule.LENGTH,
            "ABCDEFGHIJ12345678" to PinRule.LENGTH,
            "ABC 123" to PinRule.ALPHABET,
            "パスワード12" to PinRule.ALPHABET,
        )) {
            val seen = Seen()
            val flow = flow(pin = bad, observer = seen)
            assertEquals(FlowState.EnterPin(null, false, Notice.InvalidPin(rule)), flow.state(), bad)
            assertTrue(flow.cardPresent(Shell(card)))
            assertEquals(FlowState.EnterPin(5u, false, null), flow.state(), "a tap only read the counter")
            assertFalse(seen.states.toString().contains(bad), "no state carries the typed text")
        }
        assertEquals(0u, card.pinPresentations())
        // Lower case is upper-cased, not refused.
        val lower = flow(pin = softwareCardSignPin().lowercase())
        assertEquals(FlowState.HoldCard(null), lower.state())
    }

    @Test
    fun `progress is reported in order`() {
        val seen = Seen()
        val flow = flow(observer = seen)
        assertTrue(flow.cardPresent(Shell(card())))
        assertEquals(
            listOf(SignStep.CONNECTING, SignStep.VERIFYING_PIN, SignStep.READING_CERTIFICATE, SignStep.SIGNING),
            seen.states.filterIsInstance<FlowState.Working>().map { it.step }.distinct(),
        )
    }

    @Test
    fun `an observer, a clock or a link query that throws does not break signing`() {
        val card = card()
        val throwing = object : FlowObserver {
            override fun onState(state: FlowState): Unit = throw IllegalStateException("UI gone")
        }
        val brokenClock = object : FlowClock {
            override fun now(): Long = throw IllegalStateException("no clock")
        }
        val shell = object : CardTransport by Shell(card) {
            override fun supportsExtendedLength(): Boolean = throw SecurityException("Tag is out of date")
        }
        val seen = mutableListOf<ByteArray>()
        val recording = object : CardTransport by shell {
            override fun transceive(command: ByteArray): ByteArray {
                seen += command.copyOf()
                return shell.transceive(command)
            }
        }
        val flow = SigningFlow.forBytes("転入届.txt", document, HashAlgorithm.SHA256, throwing, brokenClock).also { closing += it }
        flow.start()
        flow.accept()
        flow.enterPin(softwareCardSignPin().toByteArray())
        assertTrue(flow.cardPresent(recording))
        assertEquals(256, flow.signed().signature.size)
        assertTrue(seen.all { it.size <= 5 + 255 + 1 }, "a link that cannot say is used with short APDUs")
    }

    @Test
    fun `a qr code in a camera-like frame with row padding is decoded`() {
        val url = "https://city.example/kazasu/r/7Q2X9?n=転入届"
        val qr = qrImageForTests(url, 3u)
        val side = qr.side.toInt()
        // A 640x480 grey frame whose rows are 704 bytes apart (as camera Y planes often are); the code in the middle.
        val width = 640
        val height = 480
        val stride = 704
        val frame = ByteArray(stride * (height - 1) + width) { 0x60 }
        val x0 = (width - side) / 2
        val y0 = (height - side) / 2
        for (y in 0 until side) System.arraycopy(qr.luma, y * side, frame, (y0 + y) * stride + x0, side)
        assertEquals(url, decodeLuma(width.toUInt(), height.toUInt(), stride.toUInt(), frame))
        // The same bytes read with the wrong stride are not a code.
        assertNull(decodeLuma(width.toUInt(), height.toUInt(), width.toUInt(), frame))
        // The scanning screen's scanner hands the text on once, then nothing for the same code in later frames.
        QrScanner().use { scanner ->
            assertNull(scanner.scan(width.toUInt(), height.toUInt(), width.toUInt(), frame))
            assertEquals(url, scanner.scan(width.toUInt(), height.toUInt(), stride.toUInt(), frame))
            assertNull(scanner.scan(width.toUInt(), height.toUInt(), stride.toUInt(), frame))
        }
    }

    @Test
    fun `the qr decoder finds nothing in a blank frame and refuses a frame larger than its buffer`() {
        assertNull(decodeLuma(64u, 48u, 80u, ByteArray(80 * 47 + 64) { -1 }))
        val e = assertThrows(FrameException.BadFrame::class.java) { decodeLuma(64u, 48u, 80u, ByteArray(100)) }
        assertTrue(e.detail.contains("buffer"), e.detail)
    }

    @Test
    fun `the tries a tap reads before the password are the card's`() {
        val card = card()
        card.setSignPinTries(3u)
        val flow = SigningFlow.forBytes("転入届.txt", document, HashAlgorithm.SHA256, Seen(), null).also { closing += it }
        flow.start()
        flow.accept()
        assertTrue(flow.cardPresent(Shell(card)))
        assertEquals(FlowState.EnterPin(3u, false, null), flow.state())
        assertEquals(0u, card.pinPresentations())
        assertEquals(3u, card.signPinTries())
    }
}
