package jp.kazasu.signing

import java.io.IOException
import java.util.concurrent.Executor
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.RpHttp
import jp.kazasu.ffi.Shell
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.softwareCardSignPin
import jp.kazasu.signing.flow.CardPurpose
import jp.kazasu.signing.flow.Notice
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.flow.SignController
import jp.kazasu.signing.flow.SignState
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The screen's controller over the real FFI, the fake relying party (served by a Kotlin HttpTransport) and the
 * software card, with direct executors for both threads.
 */
class SignControllerTest {
    private val direct = Executor { it.run() }
    private val card = SoftwareCard()
    private val rp = FakeRelyingParty("https://city.example.jp")
    private val http = RpHttp(rp)
    private val url = rp.createRequest(600)
    private var now = rp.now()
    private val rendered = mutableListOf<SignState>()
    private val controller = SignController(
        url,
        http,
        clock = { now },
        io = direct,
        ui = direct,
        render = { rendered += it },
    ).also { it.start() }

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
        rp.close()
    }

    /** What the PIN screen does with an EditText's content: copy to a CharArray, hand to PinInput. */
    private fun typePin(text: String): Pair<CharArray, PinInput> {
        val field = text.toCharArray()
        val input = PinInput()
        input.setFrom(field)
        return field to input
    }

    @Test
    fun `the request is fetched and shown before anything else`() {
        assertEquals(SignState.Fetching, rendered.first())
        val review = controller.state as SignState.Review
        assertEquals("https://city.example.jp", review.request.origin)
        assertEquals(3, review.request.fields.size)
        assertEquals(listOf("GET $url"), http.calls.toList())
        Arrival().present()
        assertTrue(controller.state is SignState.Review, "a card does nothing before the person accepts")
        assertEquals(0u, card.exchanges())
    }

    @Test
    fun `a card left on the phone is read, then signs once the pin is typed, the signature is submitted and the pin buffers end cleared`() {
        controller.accept()
        val arrival = Arrival().present()
        assertEquals(SignState.EnterPin(5), controller.state)
        assertEquals(0, arrival.released, "kept for the signing step")
        val (field, input) = typePin(softwareCardSignPin().lowercase())
        controller.submitPin(input)
        assertTrue(field.all { it == '\u0000' }, "the CharArray from the field is cleared")
        assertEquals(0, input.length)
        val done = controller.state as SignState.Done
        assertEquals(256, done.signed.signature.size)
        assertEquals(done.signed.identity.name, done.receipt.name)
        assertEquals(1u, rp.accepted())
        assertEquals(listOf("GET $url", "POST $url/submit"), http.calls.toList())
        assertTrue(rendered.any { it is SignState.Submitting })
        assertEquals(1, arrival.released)
        val steps = rendered.filterIsInstance<SignState.Working>().mapNotNull { it.step }
        assertEquals(listOf(SignStep.CONNECTING, SignStep.VERIFYING_PIN, SignStep.READING_CERTIFICATE, SignStep.SIGNING), steps)
        assertEquals(1u, card.pinPresentations())
    }

    @Test
    fun `a request that expired while it was shown is refused when accepted and no card is used`() {
        now += 600
        controller.accept()
        assertEquals(SignState.Failed(Notice.Expired), controller.state)
        Arrival().present()
        assertEquals(0u, card.exchanges())
    }

    @Test
    fun `a request that expired by the time the counter was read never gets to the pin screen`() {
        controller.accept()
        now += 600
        val arrival = Arrival().present()
        assertEquals(SignState.Failed(Notice.Expired), controller.state)
        assertTrue(rendered.none { it is SignState.EnterPin }, "the PIN was never asked")
        assertEquals(1, arrival.released)
        assertEquals(0u, card.pinPresentations())
    }

    @Test
    fun `a request that expired after the pin was typed is refused before the pin reaches the card`() {
        controller.accept()
        Arrival().present().removed = true // taken away while the PIN is typed
        controller.submitPin(typePin("WRONG9").second) // would cost a try if it reached the card
        assertEquals(SignState.HoldCard(CardPurpose.SIGN, Notice.CardLost), controller.state)
        now += 600
        val exchanges = card.exchanges()
        Arrival().present()
        assertEquals(SignState.Failed(Notice.Expired), controller.state)
        assertEquals(exchanges, card.exchanges(), "the card was not touched")
        assertEquals(0u, card.pinPresentations())
        assertEquals(5u, card.signPinTries())
    }

    @Test
    fun `closing the screen before queued signing work ran keeps the pin from the card and sends nothing`() {
        val queue = ArrayDeque<Runnable>()
        val runQueued = { while (queue.isNotEmpty()) queue.removeFirst().run() }
        val own = RpHttp(rp)
        val c = SignController(url, own, { now }, { queue.addLast(it) }, direct) {}
        c.start()
        runQueued()
        c.accept()
        c.onCardPresent(Shell(card))
        runQueued()
        assertEquals(SignState.EnterPin(5), c.state)
        c.submitPin(typePin(softwareCardSignPin()).second) // the signing work is queued
        c.dispose() // the screen closes before it ran
        runQueued()
        assertEquals(listOf("GET $url"), own.calls.toList(), "nothing was posted")
        assertEquals(0u, card.pinPresentations(), "the discarded PIN never reached the card")
        assertEquals(0u, card.signatures())
    }

    @Test
    fun `an IOException while fetching ends with a network notice`() {
        val failing = RpHttp(rp).apply { failGet = RpHttp.ioFailure() }
        val c = SignController(url, failing, { now }, direct, direct) {}
        c.start()
        assertEquals(SignState.Failed(Notice.Network), c.state)
        c.dispose()
    }

    @Test
    fun `an IOException while submitting keeps the signature and sending again needs no card and no pin`() {
        http.failPost = RpHttp.ioFailure()
        controller.accept()
        Arrival().present()
        controller.submitPin(typePin(softwareCardSignPin()).second)
        val failed = controller.state as SignState.SubmitFailed
        assertEquals(Notice.Network, failed.notice)
        assertTrue(failed.canRetry)
        http.failPost = null
        controller.retrySubmit()
        assertTrue(controller.state is SignState.Done)
        assertEquals(1u, card.signatures())
        assertEquals(1u, card.pinPresentations())
        assertEquals(1u, rp.accepted())
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
        Arrival(failOn = 4).present() // lost at VERIFY (exchange 4: SELECT AP, SELECT EF, counter, VERIFY)
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
