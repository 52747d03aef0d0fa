package jp.kazasu.signing

import java.io.IOException
import java.util.concurrent.Executor
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.ffi.Shell
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.softwareCardSignPin
import jp.kazasu.signing.flow.CardPurpose
import jp.kazasu.signing.flow.Notice
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.flow.SignController
import jp.kazasu.signing.flow.SignRequest
import jp.kazasu.signing.flow.SignState
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The screen's controller over the real FFI and the software card, with direct executors for both threads. */
class SignControllerTest {
    private val direct = Executor { it.run() }
    private val card = SoftwareCard()
    private val rendered = mutableListOf<SignState>()
    private val controller = SignController(
        SignRequest("札幌市", "転入届", "氏名: 山田 太郎".toByteArray(), HashAlgorithm.SHA256),
        io = direct,
        ui = direct,
        render = { rendered += it },
    )

    /** One arrival of the card in the field, as the NFC stack reports it; [remove] takes it away. */
    private inner class Arrival(failOn: Int? = null) : CardTransport {
        private val shell = Shell(card, failOn)
        var removed = false
        var released = 0

        override fun transceive(command: ByteArray): ByteArray {
            if (removed) throw IOException("Tag was lost.")
            return shell.transceive(command)
        }

        override fun supportsExtendedLength() = shell.supportsExtendedLength()

        override fun maxTransceiveLength() = shell.maxTransceiveLength()

        fun present(): Arrival = also { controller.onCardPresent(this) { released++ } }
    }

    @AfterEach
    fun close() {
        controller.dispose()
        card.close()
    }

    /** What the PIN screen does with an EditText's content: copy to a CharArray, hand to PinInput. */
    private fun typePin(text: String): Pair<CharArray, PinInput> {
        val field = text.toCharArray()
        val input = PinInput()
        input.setFrom(field)
        return field to input
    }

    @Test
    fun `a card left on the phone is read, then signs once the pin is typed, and the pin buffers end cleared`() {
        controller.accept()
        val arrival = Arrival().present()
        assertEquals(SignState.EnterPin(5), controller.state)
        assertEquals(0, arrival.released, "kept for the signing step")
        val (field, input) = typePin(softwareCardSignPin().lowercase())
        controller.submitPin(input)
        assertTrue(field.all { it == '\u0000' }, "the CharArray from the field is cleared")
        assertEquals(0, input.length)
        val done = controller.state as SignState.Done
        assertEquals(256, done.result.signature.size)
        assertEquals(1, arrival.released)
        val steps = rendered.filterIsInstance<SignState.Working>().mapNotNull { it.step }
        assertEquals(listOf(SignStep.CONNECTING, SignStep.VERIFYING_PIN, SignStep.READING_CERTIFICATE, SignStep.SIGNING), steps)
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a card taken away while the pin is typed is asked for again and signs with the same pin`() {
        controller.accept()
        val first = Arrival().present()
        first.removed = true
        controller.submitPin(typePin(softwareCardSignPin()).second)
        assertEquals(SignState.HoldCard(CardPurpose.SIGN, Notice.CardLost), controller.state)
        assertEquals(1, first.released)
        Arrival().present()
        assertTrue(controller.state is SignState.Done)
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a wrong pin comes back as the pin screen with the tries left`() {
        controller.accept()
        Arrival().present()
        controller.submitPin(typePin("WRONG1").second)
        assertEquals(SignState.EnterPin(4, Notice.WrongPin(4)), controller.state)
        Arrival().present() // the card must be read afresh: nothing happens until a PIN is typed
        assertEquals(SignState.EnterPin(4, Notice.WrongPin(4)), controller.state)
        controller.submitPin(typePin(softwareCardSignPin()).second)
        assertTrue(controller.state is SignState.Done)
    }

    @Test
    fun `a card moved away during verify starts again from the counter and needs the pin again`() {
        controller.accept()
        val first = Arrival().present()
        first.removed = true
        controller.submitPin(typePin(softwareCardSignPin()).second) // lost at SELECT: PIN kept
        Arrival(failOn = 6).present() // lost at VERIFY
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES, Notice.VerifyOutcomeUnknown), controller.state)
        Arrival().present()
        assertEquals(SignState.EnterPin(5), controller.state)
        // This link failed before the card saw the VERIFY, but the phone cannot know that: nothing was retried.
        assertEquals(0u, card.pinPresentations())
    }

    @Test
    fun `the last try is confirmed on screen before the card gets the pin`() {
        card.setSignPinTries(1u)
        controller.accept()
        Arrival().present()
        assertEquals(SignState.EnterPin(1), controller.state)
        controller.submitPin(typePin(softwareCardSignPin()).second)
        assertEquals(SignState.ConfirmLastTry, controller.state)
        Arrival().present()
        assertEquals(SignState.ConfirmLastTry, controller.state)
        assertEquals(0u, card.pinPresentations())
        controller.confirmLastTry()
        assertTrue(controller.state is SignState.Done)
    }

    @Test
    fun `a malformed pin stays on the pin screen and nothing reaches the card`() {
        controller.accept()
        Arrival().present()
        val exchanges = card.exchanges()
        controller.submitPin(typePin("ABC12").second)
        assertEquals(SignState.EnterPin(5, Notice.InvalidPin), controller.state)
        assertEquals(exchanges, card.exchanges())
    }

    @Test
    fun `a locked card shows the reset explanation and is let go`() {
        card.setSignPinTries(0u)
        controller.accept()
        val arrival = Arrival().present()
        assertEquals(SignState.Blocked, controller.state)
        assertEquals(1, arrival.released)
    }

    @Test
    fun `cancelling lets go of a parked card`() {
        controller.accept()
        val arrival = Arrival().present()
        controller.cancel()
        assertEquals(SignState.Cancelled, controller.state)
        assertEquals(1, arrival.released)
    }
}
