package jp.kazasu.signing

import java.io.IOException
import java.util.concurrent.Executor
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

    private fun tap(shell: Shell = Shell(card)) {
        var released = false
        controller.onCardPresent(shell) { released = true }
        assertTrue(released, "the link is released after the work")
    }

    @Test
    fun `two taps take the flow from the request to a signature, and the pin buffers end cleared`() {
        controller.accept()
        tap()
        assertEquals(SignState.EnterPin(5), controller.state)
        val (field, input) = typePin(softwareCardSignPin().lowercase())
        controller.submitPin(input)
        assertTrue(field.all { it == '\u0000' }, "the CharArray from the field is cleared")
        assertEquals(0, input.length)
        assertEquals(SignState.HoldCard(CardPurpose.SIGN), controller.state)
        tap()
        val done = controller.state as SignState.Done
        assertEquals(256, done.result.signature.size)
        val working = rendered.filterIsInstance<SignState.Working>().mapNotNull { it.step }
        assertEquals(listOf(SignStep.CONNECTING, SignStep.VERIFYING_PIN, SignStep.READING_CERTIFICATE, SignStep.SIGNING), working)
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a wrong pin comes back as the pin screen with the tries left`() {
        controller.accept()
        tap()
        controller.submitPin(typePin("WRONG1").second)
        tap()
        assertEquals(SignState.EnterPin(4, Notice.WrongPin(4)), controller.state)
    }

    @Test
    fun `a card moved away before the pin was sent is tapped again with the same pin`() {
        controller.accept()
        tap()
        controller.submitPin(typePin(softwareCardSignPin()).second)
        tap(Shell(card, failOn = 1) { IOException("Tag was lost.") })
        assertEquals(SignState.HoldCard(CardPurpose.SIGN, Notice.CardLost), controller.state)
        tap()
        assertTrue(controller.state is SignState.Done)
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a card moved away during verify starts again from the counter and needs the pin again`() {
        controller.accept()
        tap()
        controller.submitPin(typePin(softwareCardSignPin()).second)
        tap(Shell(card, failOn = 6))
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES, Notice.VerifyOutcomeUnknown), controller.state)
        tap()
        assertEquals(SignState.EnterPin(5), controller.state)
    }

    @Test
    fun `the last try is confirmed on screen before the card gets the pin`() {
        card.setSignPinTries(1u)
        controller.accept()
        tap()
        assertEquals(SignState.EnterPin(1), controller.state)
        controller.submitPin(typePin(softwareCardSignPin()).second)
        assertEquals(SignState.ConfirmLastTry, controller.state)
        tap() // a tap now does nothing
        assertEquals(0u, card.pinPresentations())
        controller.confirmLastTry()
        tap()
        assertTrue(controller.state is SignState.Done)
    }

    @Test
    fun `a malformed pin stays on the pin screen and nothing reaches the card`() {
        controller.accept()
        tap()
        val exchanges = card.exchanges()
        controller.submitPin(typePin("ABC12").second)
        assertEquals(SignState.EnterPin(5, Notice.InvalidPin), controller.state)
        assertEquals(exchanges, card.exchanges())
    }

    @Test
    fun `a locked card shows the reset explanation`() {
        card.setSignPinTries(0u)
        controller.accept()
        tap()
        assertEquals(SignState.Blocked, controller.state)
    }
}
