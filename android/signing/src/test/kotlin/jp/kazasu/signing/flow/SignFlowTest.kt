package jp.kazasu.signing.flow

import jp.kazasu.ffi.Gender
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.ffi.Identity
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SignedDocument
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SignFlowTest {
    private val request = SignRequest("札幌市", "転入届", "氏名: 山田 太郎".toByteArray(), HashAlgorithm.SHA256)

    private fun flowAtPin(tries: Int): SignFlow = SignFlow(request).apply {
        on(SignEvent.Accept)
        on(SignEvent.CardTouched)
        on(SignEvent.TriesRead(tries))
    }

    private fun signingTap(flow: SignFlow) {
        assertEquals(CardPurpose.SIGN, flow.pendingCardPurpose)
        flow.on(SignEvent.CardTouched)
    }

    @Test
    fun `the whole flow reads the counter, asks the pin, signs and ends done`() {
        val flow = SignFlow(request)
        assertEquals(SignState.Review(request), flow.state)
        assertNull(flow.pendingCardPurpose, "no tap wanted while the request is being read")
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES), flow.on(SignEvent.Accept))
        assertEquals(SignState.Working(null), flow.on(SignEvent.CardTouched))
        assertEquals(SignState.EnterPin(5), flow.on(SignEvent.TriesRead(5)))
        assertEquals(SignState.HoldCard(CardPurpose.SIGN), flow.on(SignEvent.PinEntered))
        assertTrue(flow.pinHeld)
        signingTap(flow)
        assertEquals(SignState.Working(SignStep.SIGNING), flow.on(SignEvent.Progress(SignStep.SIGNING)))
        val id = Identity("山田 太郎", "札幌市", "19850401", "1985-04-01", "1", Gender.MALE, null, null)
        val doc = SignedDocument(byteArrayOf(1), byteArrayOf(2), HashAlgorithm.SHA256, id)
        assertEquals(SignState.Done(doc), flow.on(SignEvent.Signed(doc)))
        assertFalse(flow.pinHeld)
    }

    @Test
    fun `the pin is never asked before the counter was read`() {
        val flow = SignFlow(request)
        // Events that could skip ahead are ignored before the counter is known.
        for (e in listOf(SignEvent.PinEntered, SignEvent.LastTryConfirmed, SignEvent.TriesRead(5))) {
            assertEquals(SignState.Review(request), flow.on(e))
        }
        flow.on(SignEvent.Accept)
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES), flow.on(SignEvent.PinEntered))
        assertNull(flow.remaining)
    }

    @Test
    fun `the tries left are shown on the pin screen`() {
        val s = flowAtPin(3).state as SignState.EnterPin
        assertEquals(3, s.remaining)
        assertFalse(s.lastTry)
    }

    @Test
    fun `with one try left the pin needs an explicit confirmation before the signing tap`() {
        val flow = flowAtPin(1)
        assertTrue((flow.state as SignState.EnterPin).lastTry)
        assertEquals(SignState.ConfirmLastTry, flow.on(SignEvent.PinEntered))
        assertNull(flow.pendingCardPurpose, "no card work before the confirmation")
        assertFalse(flow.lastTryConfirmed)
        assertEquals(SignState.HoldCard(CardPurpose.SIGN), flow.on(SignEvent.LastTryConfirmed))
        assertTrue(flow.lastTryConfirmed)
    }

    @Test
    fun `declining the last try ends the flow and drops the pin`() {
        val flow = flowAtPin(1)
        flow.on(SignEvent.PinEntered)
        assertEquals(SignState.Cancelled, flow.on(SignEvent.LastTryDeclined))
        assertFalse(flow.pinHeld)
        assertFalse(flow.lastTryConfirmed)
    }

    @Test
    fun `a wrong pin shows the tries left and asks for the pin again`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.Error(KazasuException.WrongPin(4u), pinStillUsable = false))
        assertEquals(SignState.EnterPin(4, Notice.WrongPin(4)), s)
        assertFalse(flow.pinHeld, "the used pin is dropped")
        assertEquals(4, flow.remaining)
    }

    @Test
    fun `a wrong pin down to one try makes the next pin need a confirmation`() {
        val flow = flowAtPin(2)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        flow.on(SignEvent.Error(KazasuException.WrongPin(1u), pinStillUsable = false))
        assertEquals(SignState.ConfirmLastTry, flow.on(SignEvent.PinEntered))
    }

    @Test
    fun `a confirmation is for one pin only`() {
        val flow = flowAtPin(1)
        flow.on(SignEvent.PinEntered)
        flow.on(SignEvent.LastTryConfirmed)
        signingTap(flow)
        flow.on(SignEvent.Error(KazasuException.VerifyOutcomeUnknown(), pinStillUsable = false))
        assertFalse(flow.lastTryConfirmed)
        flow.on(SignEvent.CardTouched)
        flow.on(SignEvent.TriesRead(1))
        assertEquals(SignState.ConfirmLastTry, flow.on(SignEvent.PinEntered))
    }

    @Test
    fun `a locked card leads to the reset explanation`() {
        assertEquals(SignState.Blocked, flowAtPin(0).state)
        val flow = flowAtPin(1)
        flow.on(SignEvent.PinEntered)
        flow.on(SignEvent.LastTryConfirmed)
        signingTap(flow)
        assertEquals(SignState.Blocked, flow.on(SignEvent.Error(KazasuException.Blocked(), false)))
        assertEquals(0, flow.remaining)
        assertEquals(SignState.Blocked, flow.on(SignEvent.Accept), "blocked is an end")
    }

    @Test
    fun `a link lost during verify re-reads the counter and never reuses the pin`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.Error(KazasuException.VerifyOutcomeUnknown(), pinStillUsable = false))
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES, Notice.VerifyOutcomeUnknown), s)
        assertFalse(flow.pinHeld)
    }

    @Test
    fun `a card lost before the pin was taken keeps the pin for the next tap`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.Error(KazasuException.CardLost(), pinStillUsable = true))
        assertEquals(SignState.HoldCard(CardPurpose.SIGN, Notice.CardLost), s)
        assertTrue(flow.pinHeld)
    }

    @Test
    fun `a card lost after the pin was presented starts again from the counter`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.Error(KazasuException.CardLost(), pinStillUsable = false))
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES, Notice.CardLost), s)
        assertFalse(flow.pinHeld)
    }

    @Test
    fun `a card lost while reading the counter asks for the card again`() {
        val flow = SignFlow(request)
        flow.on(SignEvent.Accept)
        flow.on(SignEvent.CardTouched)
        assertEquals(
            SignState.HoldCard(CardPurpose.READ_TRIES, Notice.CardLost),
            flow.on(SignEvent.Error(KazasuException.CardLost(), pinStillUsable = false)),
        )
    }

    @Test
    fun `a card that is not a my number card is reported and another tap is awaited`() {
        val flow = SignFlow(request)
        flow.on(SignEvent.Accept)
        flow.on(SignEvent.CardTouched)
        assertEquals(
            SignState.HoldCard(CardPurpose.READ_TRIES, Notice.NotJpkiCard),
            flow.on(SignEvent.Error(KazasuException.NotJpkiCard(), false)),
        )
    }

    @Test
    fun `a counter that dropped to one between the taps asks for confirmation and a new pin`() {
        val flow = flowAtPin(3)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.Error(KazasuException.NeedsLastTryConfirmation(), pinStillUsable = false))
        assertEquals(SignState.EnterPin(1, Notice.LastTryNeedsConfirmation), s)
        assertFalse(flow.pinHeld)
        assertEquals(SignState.ConfirmLastTry, flow.on(SignEvent.PinEntered))
    }

    @Test
    fun `a malformed pin stays on the pin screen with the same tries`() {
        val flow = flowAtPin(4)
        val s = flow.on(SignEvent.Error(KazasuException.InvalidPin("length"), pinStillUsable = false))
        assertEquals(SignState.EnterPin(4, Notice.InvalidPin), s)
    }

    @Test
    fun `unexpected failures end the flow with their notice`() {
        val a = flowAtPin(5).apply { on(SignEvent.PinEntered); on(SignEvent.CardTouched) }
        assertEquals(
            SignState.Failed(Notice.Unsupported("extended length")),
            a.on(SignEvent.Error(KazasuException.Unsupported("extended length"), false)),
        )
        val b = flowAtPin(5).apply { on(SignEvent.PinEntered); on(SignEvent.CardTouched) }
        assertEquals(
            SignState.Failed(Notice.Internal("bad cert")),
            b.on(SignEvent.Error(KazasuException.Internal("bad cert"), false)),
        )
        assertFalse(b.pinHeld)
    }

    @Test
    fun `cancel ends the flow except while the card is in use`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        assertEquals(SignState.Working(null), flow.on(SignEvent.Cancel), "the card work finishes first")
        val other = flowAtPin(5)
        other.on(SignEvent.PinEntered)
        assertEquals(SignState.Cancelled, other.on(SignEvent.Cancel))
        assertFalse(other.pinHeld)
        assertNull(other.pendingCardPurpose)
    }
}
