package jp.kazasu.signing.flow

import jp.kazasu.ffi.CardSession
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignPin
import jp.kazasu.ffi.SignProgress
import jp.kazasu.ffi.SignStep

/**
 * One tap's card work, off the UI thread: read the counter, or sign. Everything card-related is the core's
 * (through the FFI); this only turns the outcome into a [SignEvent].
 */
object CardWork {
    fun perform(
        purpose: CardPurpose,
        transport: CardTransport,
        request: SignRequest,
        pin: SignPin?,
        confirmedLastTry: Boolean,
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
                    SignEvent.Signed(session.sign(pin, confirmedLastTry, request.algorithm, request.document, progress))
                }
            }
        } catch (e: KazasuException) {
            return SignEvent.Error(e, pinStillUsable = pin != null && !pin.isUsed())
        } finally {
            session.close()
        }
    }
}
