package jp.kazasu.ffi

import java.io.ByteArrayInputStream
import java.io.IOException
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The real signing flow through the generated bindings, the host cdylib and the software card. */
class CardSessionTest {
    private val document = "転入届\n氏名: 山田 太郎\n転入日: 2026-11-27".toByteArray()
    private val cards = mutableListOf<AutoCloseable>()

    private fun card(shortOnly: Boolean = false): SoftwareCard =
        (if (shortOnly) SoftwareCard.shortOnly() else SoftwareCard()).also { cards += it }

    private fun pin(text: String): SignPin = SignPin(text.toByteArray())

    @AfterEach
    fun close() = cards.forEach { it.close() }

    private fun x509(der: ByteArray): X509Certificate =
        CertificateFactory.getInstance("X.509").generateCertificate(ByteArrayInputStream(der)) as X509Certificate

    @Test
    fun `a correct pin signs and java security verifies the signature with the returned certificate`() {
        for ((hash, jca) in listOf(
            HashAlgorithm.SHA256 to "SHA256withRSA",
            HashAlgorithm.SHA384 to "SHA384withRSA",
            HashAlgorithm.SHA512 to "SHA512withRSA",
        )) {
            val card = card()
            val session = CardSession(Shell(card))
            assertEquals(5u, session.remainingSignPinTries())
            val signed = session.sign(pin(softwareCardSignPin()), false, hash, document, null)
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
    fun `the certificate chains to the test sign CA and the identity is read from it`() {
        val card = card()
        val signed = CardSession(Shell(card)).sign(pin(softwareCardSignPin()), false, HashAlgorithm.SHA256, document, null)
        val cert = x509(signed.certificate)
        cert.verify(x509(softwareCardSignCaCertificate()).publicKey)
        val id = signed.identity
        assertNotNull(id.name)
        assertNotNull(id.address)
        assertNotNull(id.dateOfBirth)
        assertTrue(id.gender in setOf("1", "2", "3", "9"), "gender code ${id.gender}")
        assertTrue(id.genderCode != Gender.UNKNOWN)
        assertEquals(id, identityOfCertificate(signed.certificate))
    }

    @Test
    fun `a short-only card and link give the same result`() {
        val card = card(shortOnly = true)
        val shell = Shell(card)
        val signed = CardSession(shell).sign(pin(softwareCardSignPin()), false, HashAlgorithm.SHA256, document, null)
        assertEquals(256, signed.signature.size)
        assertTrue(shell.handed.all { it.size <= 5 + 255 + 1 }, "only short APDUs were sent")
    }

    @Test
    fun `a wrong pin reports the remaining tries and the same pin object is never presented again`() {
        val card = card()
        val session = CardSession(Shell(card))
        val wrong = pin("WRONG1")
        val e = assertThrows(KazasuException.WrongPin::class.java) {
            session.sign(wrong, false, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(4u, e.remaining)
        assertEquals(4u, session.remainingSignPinTries())
        assertTrue(wrong.isUsed())
        assertThrows(KazasuException.PinAlreadyUsed::class.java) {
            session.sign(wrong, false, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `five wrong pins lock the card and a locked card is never given a pin`() {
        val card = card()
        val session = CardSession(Shell(card))
        for (left in 4 downTo 1) {
            val e = assertThrows(KazasuException.WrongPin::class.java) {
                session.sign(pin("WRONG1"), false, HashAlgorithm.SHA256, document, null)
            }
            assertEquals(left.toUInt(), e.remaining)
        }
        assertThrows(KazasuException.Blocked::class.java) {
            session.sign(pin("WRONG1"), true, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(0u, session.remainingSignPinTries())
        assertThrows(KazasuException.Blocked::class.java) {
            session.sign(pin(softwareCardSignPin()), true, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(5u, card.pinPresentations())
        assertEquals(0u, card.signatures())
    }

    @Test
    fun `with one try left the pin is presented only after confirmation`() {
        val card = card()
        card.setSignPinTries(1u)
        val session = CardSession(Shell(card))
        assertThrows(KazasuException.NeedsLastTryConfirmation::class.java) {
            session.sign(pin(softwareCardSignPin()), false, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(0u, card.pinPresentations())
        assertEquals(1u, card.signPinTries())
        val signed = session.sign(pin(softwareCardSignPin()), true, HashAlgorithm.SHA256, document, null)
        assertEquals(256, signed.signature.size)
        assertEquals(5u, card.signPinTries(), "a correct PIN resets the counter")
    }

    @Test
    fun `an IOException from the kotlin transport mid-flow is card lost and spends no try`() {
        // Exchanges: 1 SELECT AP, 2 SELECT PIN EF, 3 counter (PIN still held), 4 VERIFY (the PIN is taken only
        // now), 5 SELECT cert EF, 6 READ BINARY, 7 SELECT key EF, 8 SIGN.
        for (failOn in listOf(1, 2, 3, 5, 6, 7, 8)) {
            val card = card()
            val p = pin(softwareCardSignPin())
            assertThrows(KazasuException.CardLost::class.java) {
                CardSession(Shell(card, failOn)).sign(p, false, HashAlgorithm.SHA256, document, null)
            }
            assertEquals(5u, card.signPinTries(), "failure at exchange $failOn")
            assertEquals(0u, card.signatures())
            assertTrue(card.pinPresentations() <= 1u)
            // Before VERIFY the PIN never left: it may be used on the next tap; after VERIFY it is gone.
            assertEquals(failOn <= 3, !p.isUsed(), "failure at exchange $failOn")
        }
    }

    @Test
    fun `any other exception from the transport is a typed error, not a crash`() {
        val card = card()
        assertThrows(KazasuException.CardLost::class.java) {
            CardSession(Shell(card, 1) { IllegalStateException("bug in the shell") }).remainingSignPinTries()
        }
        assertThrows(KazasuException.CardLost::class.java) {
            CardSession(Shell(card, 1) { TransportException.CardLost() }).remainingSignPinTries()
        }
        assertEquals(5u, CardSession(Shell(card)).remainingSignPinTries())
    }

    @Test
    fun `a link lost while the card checks the pin is outcome unknown and the pin is gone`() {
        val card = card()
        val p = pin("WRONG1")
        assertThrows(KazasuException.VerifyOutcomeUnknown::class.java) {
            CardSession(Shell(card, 4)).sign(p, false, HashAlgorithm.SHA256, document, null)
        }
        assertTrue(p.isUsed())
        // The card processed a wrong PIN and its answer was lost: the next session learns it from the counter.
        card.loseAnswerOfPinPresentation()
        assertThrows(KazasuException.VerifyOutcomeUnknown::class.java) {
            CardSession(Shell(card)).sign(pin("WRONG1"), false, HashAlgorithm.SHA256, document, null)
        }
        assertEquals(4u, CardSession(Shell(card)).remainingSignPinTries())
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `the pin bytes handed to the ffi can be cleared at once and the command carrying it is cleared`() {
        val card = card()
        val bytes = softwareCardSignPin().toByteArray()
        val p = SignPin(bytes)
        bytes.fill(0)
        val shell = Shell(card)
        CardSession(shell).sign(p, false, HashAlgorithm.SHA256, document, null)
        // The Rust side kept its own (zeroizing) copy, so clearing ours right away is safe.
        assertTrue(shell.handed.all { cmd -> cmd.all { it == 0.toByte() } })
    }

    @Test
    fun `a pin outside the format is refused before any card work`() {
        for (bad in listOf("ABC12", "ABCDEFGHIJ12345678", "ABC 123", "パスワード12")) {
            val e = assertThrows(KazasuException.InvalidPin::class.java) { SignPin(bad.toByteArray()) }
            assertFalse(e.reason.contains(bad), e.reason)
        }
        assertFalse(SignPin("abc123".toByteArray()).isUsed(), "lower case is upper-cased, not refused")
    }

    @Test
    fun `progress is reported in order`() {
        val steps = mutableListOf<SignStep>()
        val progress = object : SignProgress {
            override fun onStep(step: SignStep) {
                steps += step
            }
        }
        CardSession(Shell(card())).sign(pin(softwareCardSignPin()), false, HashAlgorithm.SHA256, document, progress)
        assertEquals(
            listOf(SignStep.CONNECTING, SignStep.VERIFYING_PIN, SignStep.READING_CERTIFICATE, SignStep.SIGNING),
            steps,
        )
    }

    @Test
    fun `a progress listener or link query that throws does not break signing`() {
        val card = card()
        val throwing = object : SignProgress {
            override fun onStep(step: SignStep): Unit = throw IllegalStateException("UI gone")
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
        val signed = CardSession(recording).sign(pin(softwareCardSignPin()), false, HashAlgorithm.SHA256, document, throwing)
        assertEquals(256, signed.signature.size)
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
    }

    @Test
    fun `the qr decoder finds nothing in a blank frame and refuses a frame larger than its buffer`() {
        assertNull(decodeLuma(64u, 48u, 80u, ByteArray(80 * 47 + 64) { -1 }))
        val e = assertThrows(KazasuException.Internal::class.java) { decodeLuma(64u, 48u, 80u, ByteArray(100)) }
        assertTrue(e.detail.contains("buffer"), e.detail)
    }

    @Test
    fun `the software card's answer to a sign pin query matches a direct read`() {
        val card = card()
        card.setSignPinTries(3u)
        assertEquals(3u, CardSession(Shell(card)).remainingSignPinTries())
        assertArrayEquals(byteArrayOf(0x6A, 0x82.toByte()), card.transceive(byteArrayOf(0, 0xA4.toByte(), 4, 0x0C, 2, 1, 2)))
    }
}
