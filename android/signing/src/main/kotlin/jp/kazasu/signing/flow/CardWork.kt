package jp.kazasu.signing.flow

import jp.kazasu.ffi.CardSession
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignPin
import jp.kazasu.ffi.SignProgress
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SigningRequest

/**
 * One tap's card work, off the UI thread: read the counter, or sign the fetched request. Everything
 * card-related is the core's (through the FFI); this only turns the outcome into a [SignEvent].
 */
object CardWork {
    /**
     * [now] is the phone's clock (seconds since the epoch): `signRequest` refuses an expired request before the
     * PIN is taken or the card touched. The bytes signed are the request's own document, never the shell's.
     */
    fun perform(
        purpose: CardPurpose,
        transport: CardTransport,
        request: SigningRequest,
        pin: SignPin?,
        confirmedLastTry: Boolean,
        now: Long,
        onStep: (SignStep) -> Unit,
    ): SignEvent {
        val session = CardSession(transport)
        try {
            return when (purpose) {
                CardPurpose.READ_TRIES -> SignEvent.TriesRead(session.remainingSignPinTries().toInt())
                CardPurpose.SIGN -> {
                    if (pin == null) return SignEvent.Error(KazasuException.PinAlreadyUsed(), false)
                    val progress = object : SignProgress {
                        override fun onStep(step: SignStep) = onStep(step)
                    }
                    SignEvent.Signed(session.signRequest(pin, confirmedLastTry, request, now, progress))
                }
            }
        } catch (e: KazasuException) {
            return SignEvent.Error(e, pinStillUsable = pin != null && !pin.isUsed())
        } catch (e: HandoffFailure) {
            if (e is HandoffFailure.Card) return SignEvent.Error(e.error, pinStillUsable = pin != null && !pin.isUsed())
            return SignEvent.HandoffError(e)
        } finally {
            session.close()
        }
    }
}
