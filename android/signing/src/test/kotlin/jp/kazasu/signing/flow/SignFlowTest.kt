package jp.kazasu.signing.flow

import jp.kazasu.ffi.Gender
import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.ffi.Identity
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.RefusalCode
import jp.kazasu.ffi.RequestDisplay
import jp.kazasu.ffi.RequestField
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SignedDocument
import jp.kazasu.ffi.SubmissionReceipt
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SignFlowTest {
    private val shown = RequestDisplay(
        origin = "https://city.example.jp",
        originIsHttps = true,
        relyingParty = "札幌市",
        title = "転入届",
        requestId = "req_0123456789",
        issuedAt = 1_800_000_000,
        expiresAt = 1_800_000_600,
        issuedAtUtc = "2027-01-15T08:00:00Z",
        expiresAtUtc = "2027-01-15T08:10:00Z",
        fields = listOf(RequestField("氏名", "山田 太郎")),
        signedText = "KAZASU-SIGN-REQUEST/1\n…",
    )
    private val id = Identity("山田 太郎", "札幌市", "19850401", "1985-04-01", "1", Gender.MALE, null, null)
    private val signed = SignedDocument(byteArrayOf(1), byteArrayOf(2), HashAlgorithm.SHA256, id)
    private val receipt = SubmissionReceipt("req_0123456789", "山田 太郎", "札幌市", "1985-04-01")

    /** A flow whose request was fetched and is shown. */
    private fun reviewed(): SignFlow = SignFlow().apply { on(SignEvent.Fetched(shown)) }

    private fun flowAtPin(tries: Int): SignFlow = reviewed().apply {
        on(SignEvent.Accept)
        on(SignEvent.CardTouched)
        on(SignEvent.TriesRead(tries))
    }

    private fun signingTap(flow: SignFlow) {
        assertEquals(CardPurpose.SIGN, flow.pendingCardPurpose)
        flow.on(SignEvent.CardTouched)
    }

    @Test
    fun `the whole flow fetches, shows, reads the counter, asks the pin, signs, submits and ends done`() {
        val flow = SignFlow()
        assertEquals(SignState.Fetching, flow.state)
        for (e in listOf(SignEvent.Accept, SignEvent.CardTouched, SignEvent.PinEntered, SignEvent.TriesRead(5))) {
            assertEquals(SignState.Fetching, flow.on(e), "nothing happens before the request is shown")
        }
        assertNull(flow.pendingCardPurpose)
        assertEquals(SignState.Review(shown), flow.on(SignEvent.Fetched(shown)))
        assertEquals(shown, flow.request)
        assertNull(flow.pendingCardPurpose, "no tap wanted while the request is being read")
        assertEquals(SignState.HoldCard(CardPurpose.READ_TRIES), flow.on(SignEvent.Accept))
        assertEquals(SignState.Working(null), flow.on(SignEvent.CardTouched))
        assertEquals(SignState.EnterPin(5), flow.on(SignEvent.TriesRead(5)))
        assertEquals(SignState.HoldCard(CardPurpose.SIGN), flow.on(SignEvent.PinEntered))
        assertTrue(flow.pinHeld)
        signingTap(flow)
        assertEquals(SignState.Working(SignStep.SIGNING), flow.on(SignEvent.Progress(SignStep.SIGNING)))
        assertEquals(SignState.Submitting(signed), flow.on(SignEvent.Signed(signed)))
        assertFalse(flow.pinHeld)
        assertEquals(SignState.Submitting(signed), flow.on(SignEvent.Cancel), "a sent signature is not cancelled")
        assertEquals(SignState.Done(signed, receipt), flow.on(SignEvent.Submitted(receipt)))
    }

    @Test
    fun `a refused fetch ends the flow with its notice and nothing is asked`() {
        for ((failure, notice) in listOf(
            HandoffFailure.DisplayMismatch() to Notice.DisplayMismatch,
            HandoffFailure.OriginMismatch("https://evil.example", "https://city.example.jp") to
                Notice.OriginMismatch("https://evil.example", "https://city.example.jp"),
            HandoffFailure.Expired("2027-01-15T08:10:00Z") to Notice.Expired,
            HandoffFailure.Network("UnknownHostException") to Notice.Network,
            HandoffFailure.Refused(404u, RefusalCode.NOT_FOUND, "no such request") to
                Notice.Refused(RefusalCode.NOT_FOUND, "no such request"),
            HandoffFailure.Replayed() to Notice.Replayed,
        )) {
            val flow = SignFlow()
            assertEquals(SignState.Failed(notice), flow.on(SignEvent.HandoffError(failure)))
            assertEquals(SignState.Failed(notice), flow.on(SignEvent.Fetched(shown)), "a failed flow stays failed")
            assertNull(flow.pendingCardPurpose)
        }
    }

    @Test
    fun `an expiry found before the pin ends the flow and drops a held pin`() {
        val expired = SignEvent.HandoffError(HandoffFailure.Expired("2027-01-15T08:10:00Z"))
        assertEquals(SignState.Failed(Notice.Expired), reviewed().on(expired))
        val atPin = flowAtPin(5)
        assertEquals(SignState.Failed(Notice.Expired), atPin.on(expired))
        val holding = flowAtPin(5).apply { on(SignEvent.PinEntered) }
        assertTrue(holding.pinHeld)
        assertEquals(SignState.Failed(Notice.Expired), holding.on(expired))
        assertFalse(holding.pinHeld)
        assertNull(holding.pendingCardPurpose, "no card work after expiry")
    }

    @Test
    fun `a card error wrapped in a hand-off failure is handled as the card error`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        val s = flow.on(SignEvent.HandoffError(HandoffFailure.Card(KazasuException.WrongPin(4u))))
        assertEquals(SignState.EnterPin(4, Notice.WrongPin(4)), s)
    }

    @Test
    fun `a failed submission keeps the signature and may be sent again only when that can help`() {
        val flow = flowAtPin(5)
        flow.on(SignEvent.PinEntered)
        signingTap(flow)
        flow.on(SignEvent.Signed(signed))
        val failed = flow.on(SignEvent.HandoffError(HandoffFailure.Network("reset")))
        assertEquals(SignState.SubmitFailed(signed, Notice.Network, canRetry = true), failed)
        assertNull(flow.pendingCardPurpose, "sending again never needs the card")
        assertEquals(SignState.Submitting(signed), flow.on(SignEvent.RetrySubmit))
        val refused = flow.on(
            SignEvent.HandoffError(HandoffFailure.Refused(422u, RefusalCode.BAD_SIGNATURE, "bad signature")),
        )
        assertEquals(
            SignState.SubmitFailed(signed, Notice.Refused(RefusalCode.BAD_SIGNATURE, "bad signature"), canRetry = false),
            refused,
        )
        assertEquals(refused, flow.on(SignEvent.RetrySubmit))
        assertEquals(SignState.Cancelled, flow.on(SignEvent.Cancel))
    }

    @Test
    fun `the pin is never asked before the counter was read`() {
        val flow = reviewed()
        // Events that could skip ahead are ignored before the counter is known.
        for (e in listOf(SignEvent.PinEntered, SignEvent.LastTryConfirmed, SignEvent.TriesRead(5))) {
            assertEquals(SignState.Review(shown), flow.on(e))
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
        val flow = reviewed()
        flow.on(SignEvent.Accept)
        flow.on(SignEvent.CardTouched)
        assertEquals(
            SignState.HoldCard(CardPurpose.READ_TRIES, Notice.CardLost),
            flow.on(SignEvent.Error(KazasuException.CardLost(), pinStillUsable = false)),
        )
    }

    @Test
    fun `a card that is not a my number card is reported and another tap is awaited`() {
        val flow = reviewed()
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
