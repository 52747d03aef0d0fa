package jp.kazasu.signing.flow

import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.RefusalCode
import jp.kazasu.ffi.RequestDisplay
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SignedDocument
import jp.kazasu.ffi.SubmissionReceipt

/**
 * The hand-off signing flow as the screens see it: states, the events that move between them, and what to tell
 * the person after an error. No Android, no HTTP and no card I/O here, so it is unit-tested on the JVM.
 *
 * Order (two taps, so that the remaining tries are known before the PIN is typed):
 *  Fetching → Review → HoldCard(READ_TRIES) → EnterPin(remaining) → [ConfirmLastTry] → HoldCard(SIGN) → Working
 *  → Submitting → Done
 * with Blocked, Failed, SubmitFailed and Cancelled as the other ends. The request is fetched and checked by the
 * core; the shell only shows what the core returns ([RequestDisplay]) and never holds bytes to sign.
 */
sealed interface SignState {
    /** The request behind the link is being fetched and checked. */
    data object Fetching : SignState

    /** The request is shown: the origin (prominently), who asks, the title, every field, the expiry. */
    data class Review(val request: RequestDisplay) : SignState

    /** Waiting for the card. [purpose] says what the next tap does; [notice] explains a previous failure. */
    data class HoldCard(val purpose: CardPurpose, val notice: Notice? = null) : SignState

    /** PIN entry, with the tries left shown before typing. [lastTry] means: the next wrong PIN locks the card. */
    data class EnterPin(val remaining: Int, val notice: Notice? = null) : SignState {
        val lastTry: Boolean get() = remaining == 1
    }

    /** One try left: an explicit warning that must be confirmed before the PIN may be presented. */
    data object ConfirmLastTry : SignState

    /** The card is being used; [step] is the core's progress. */
    data class Working(val step: SignStep?) : SignState

    /** Signed; the signature is being sent to the relying party. */
    data class Submitting(val signed: SignedDocument) : SignState

    /** Signed and accepted: [receipt] holds what the relying party transcribed from the certificate. */
    data class Done(val signed: SignedDocument, val receipt: SubmissionReceipt) : SignState

    /**
     * Signed, but sending failed. [canRetry]: sending the same signature again may help (no answer, or a server
     * error); it never signs again and never needs the PIN.
     */
    data class SubmitFailed(val signed: SignedDocument, val notice: Notice, val canRetry: Boolean) : SignState

    /** The signature PIN is locked: explain how to reset it. */
    data object Blocked : SignState

    /** A failure the flow cannot recover from by itself. */
    data class Failed(val notice: Notice) : SignState

    data object Cancelled : SignState
}

enum class CardPurpose {
    /** Read the retry counter (no try is spent). */
    READ_TRIES,

    /** Present the PIN once, read the certificate, sign. */
    SIGN,
}

/** What to tell the person. The shell maps each to a localised string. */
sealed interface Notice {
    data class WrongPin(val remaining: Int) : Notice
    data object CardLost : Notice
    /** The link dropped while the card checked the PIN: whether the try counted is unknown; the counter is re-read. */
    data object VerifyOutcomeUnknown : Notice
    data object NotJpkiCard : Notice
    data object InvalidPin : Notice
    /** The counter dropped to one between the taps: warn and confirm, then type the PIN again. */
    data object LastTryNeedsConfirmation : Notice
    data object PinAlreadyUsed : Notice
    /** The signature PIN is locked (the flow shows [SignState.Blocked]; this is for other places). */
    data object Blocked : Notice
    data class Unsupported(val reason: String) : Notice
    data class Internal(val detail: String) : Notice

    // The hand-off (fetching, checking, submitting the request).
    /** The QR code or link is not a Kazasu signing request. */
    data object InvalidLink : Notice
    /** The relying party's request breaks the protocol; [reason] is for logs. */
    data class InvalidRequest(val reason: String) : Notice
    /** The request names another site than the one it came from: possibly an impersonation. */
    data class OriginMismatch(val expected: String, val found: String) : Notice
    /** What the request would show differs from what would be signed. */
    data object DisplayMismatch : Notice
    /** The request has expired: start again on the relying party's page. */
    data object Expired : Notice
    /** The request is dated in the future: the phone's clock (or the site's) is wrong. */
    data object NotYetValid : Notice
    /** This request was already signed. */
    data object Replayed : Notice
    /** No answer from the relying party. */
    data object Network : Notice
    data class HttpStatus(val status: Int) : Notice
    /** The relying party refused; [message] is its own (cleaned, bounded) words. */
    data class Refused(val code: RefusalCode, val message: String) : Notice

    companion object {
        /** The one mapping from the core's hand-off failures to notices (a card failure maps as in the flow). */
        fun of(failure: HandoffFailure): Notice = when (failure) {
            is HandoffFailure.InvalidLink -> InvalidLink
            is HandoffFailure.InvalidRequest -> InvalidRequest(failure.reason)
            is HandoffFailure.OriginMismatch -> OriginMismatch(failure.expected, failure.found)
            is HandoffFailure.DisplayMismatch -> DisplayMismatch
            is HandoffFailure.Expired -> Expired
            is HandoffFailure.NotYetValid -> NotYetValid
            is HandoffFailure.Replayed -> Replayed
            is HandoffFailure.Network -> Network
            is HandoffFailure.HttpStatus -> HttpStatus(failure.status.toInt())
            is HandoffFailure.Refused -> Refused(failure.code, failure.rpMessage)
            is HandoffFailure.Card -> of(failure.error)
            is HandoffFailure.Internal -> Internal(failure.detail)
        }

        /** Words for a card error outside the PIN flow (the flow itself maps card errors in [SignFlow]). */
        fun of(error: KazasuException): Notice = when (error) {
            is KazasuException.WrongPin -> WrongPin(error.remaining.toInt())
            is KazasuException.Blocked -> Blocked
            is KazasuException.NeedsLastTryConfirmation -> LastTryNeedsConfirmation
            is KazasuException.VerifyOutcomeUnknown -> VerifyOutcomeUnknown
            is KazasuException.CardLost -> CardLost
            is KazasuException.NotJpkiCard -> NotJpkiCard
            is KazasuException.Unsupported -> Unsupported(error.reason)
            is KazasuException.InvalidPin -> InvalidPin
            is KazasuException.PinAlreadyUsed -> PinAlreadyUsed
            is KazasuException.Internal -> Internal(error.detail)
        }
    }
}

/** Things that happen: the person's actions and the card's answers. */
sealed interface SignEvent {
    /** The core fetched and checked the request; this is what it shows. */
    data class Fetched(val request: RequestDisplay) : SignEvent
    /** A hand-off failure (fetch, expiry before the PIN, submission). Card failures come as [Error]. */
    data class HandoffError(val failure: HandoffFailure) : SignEvent
    /** The relying party accepted the signature. */
    data class Submitted(val receipt: SubmissionReceipt) : SignEvent
    /** Send the same signature again after [SignState.SubmitFailed] with canRetry. */
    data object RetrySubmit : SignEvent
    data object Accept : SignEvent
    data object Cancel : SignEvent
    data class TriesRead(val remaining: Int) : SignEvent
    /** A PIN was typed and accepted as a SignPin (format checked by the core). */
    data object PinEntered : SignEvent
    data object LastTryConfirmed : SignEvent
    data object LastTryDeclined : SignEvent
    data object CardTouched : SignEvent
    data class Progress(val step: SignStep) : SignEvent
    data class Signed(val result: SignedDocument) : SignEvent
    /** A failure; [pinStillUsable] is true when the PIN was not taken (the link dropped before VERIFY). */
    data class Error(val error: KazasuException, val pinStillUsable: Boolean) : SignEvent
}

/**
 * The state machine. Not thread-safe: drive it from the UI thread only.
 *
 * Invariants that protect the person:
 *  - nothing is asked before the core fetched and checked the request and it was shown ([SignState.Review]);
 *  - an expired request ends the flow ([Notice.Expired]) whatever the state before the signature;
 *  - the PIN is asked only after the counter was read in this flow;
 *  - with one try left, signing needs [SignEvent.LastTryConfirmed] after the PIN was typed;
 *  - after any failure once the PIN was taken, the PIN must be typed again (the machine never re-presents it).
 */
class SignFlow {
    var state: SignState = SignState.Fetching
        private set

    /** The request as shown, once fetched. */
    var request: RequestDisplay? = null
        private set

    /** Tries left as last read from the card (null before the first read). */
    var remaining: Int? = null
        private set

    /** Whether the person confirmed the last try for the PIN now held; reset whenever a new PIN is needed. */
    var lastTryConfirmed: Boolean = false
        private set

    /** Whether a typed PIN is held by the shell, waiting for the signing tap. */
    var pinHeld: Boolean = false
        private set

    fun on(event: SignEvent): SignState {
        state = next(state, event)
        return state
    }

    private fun next(s: SignState, e: SignEvent): SignState {
        if (e is SignEvent.Cancel) {
            if (s is SignState.Done || s is SignState.Working || s is SignState.Submitting) return s
            pinHeld = false
            return SignState.Cancelled
        }
        if (e is SignEvent.HandoffError && isBeforeSignature(s)) {
            val failure = e.failure
            // A card error wrapped by sign_request is the card flow's own outcome.
            if (failure is HandoffFailure.Card) return next(s, SignEvent.Error(failure.error, pinStillUsable = false))
            pinHeld = false
            lastTryConfirmed = false
            return SignState.Failed(Notice.of(failure))
        }
        return when (s) {
            SignState.Fetching -> when (e) {
                is SignEvent.Fetched -> {
                    request = e.request
                    SignState.Review(e.request)
                }
                else -> s
            }
            is SignState.Review -> when (e) {
                SignEvent.Accept -> SignState.HoldCard(CardPurpose.READ_TRIES)
                else -> s
            }
            is SignState.HoldCard -> when (e) {
                SignEvent.CardTouched -> SignState.Working(null)
                else -> s
            }
            is SignState.EnterPin -> when (e) {
                SignEvent.PinEntered -> {
                    pinHeld = true
                    if (s.lastTry && !lastTryConfirmed) SignState.ConfirmLastTry else SignState.HoldCard(CardPurpose.SIGN)
                }
                is SignEvent.Error -> afterError(e, pinWasTyped = false)
                else -> s
            }
            SignState.ConfirmLastTry -> when (e) {
                SignEvent.LastTryConfirmed -> {
                    lastTryConfirmed = true
                    SignState.HoldCard(CardPurpose.SIGN)
                }
                SignEvent.LastTryDeclined -> {
                    pinHeld = false
                    SignState.Cancelled
                }
                else -> s
            }
            is SignState.Working -> when (e) {
                is SignEvent.Progress -> SignState.Working(e.step)
                is SignEvent.TriesRead -> afterTries(e.remaining, null)
                is SignEvent.Signed -> {
                    pinHeld = false
                    SignState.Submitting(e.result)
                }
                is SignEvent.Error -> afterError(e, pinWasTyped = pinHeld)
                else -> s
            }
            is SignState.Submitting -> when (e) {
                is SignEvent.Submitted -> SignState.Done(s.signed, e.receipt)
                is SignEvent.HandoffError -> SignState.SubmitFailed(s.signed, Notice.of(e.failure), canRetry(e.failure))
                else -> s
            }
            is SignState.SubmitFailed -> when (e) {
                SignEvent.RetrySubmit -> if (s.canRetry) SignState.Submitting(s.signed) else s
                else -> s
            }
            is SignState.Done, SignState.Blocked, is SignState.Failed, SignState.Cancelled -> s
        }
    }

    /** States in which nothing was signed yet (a hand-off failure there ends the flow). */
    private fun isBeforeSignature(s: SignState): Boolean = when (s) {
        SignState.Fetching, is SignState.Review, is SignState.HoldCard, is SignState.EnterPin,
        SignState.ConfirmLastTry, is SignState.Working -> true
        else -> false
    }

    /** Whether sending the same signature again can help: no answer, or the server failed. */
    private fun canRetry(f: HandoffFailure): Boolean = when (f) {
        is HandoffFailure.Network -> true
        is HandoffFailure.HttpStatus -> f.status.toInt() >= 500
        is HandoffFailure.Refused -> f.code == RefusalCode.INTERNAL
        else -> false
    }

    /** Which card action the current state expects from the next tap (null: no tap wanted now). */
    val pendingCardPurpose: CardPurpose?
        get() = (state as? SignState.HoldCard)?.purpose

    private fun afterTries(n: Int, notice: Notice?): SignState {
        remaining = n
        lastTryConfirmed = false
        pinHeld = false
        return if (n <= 0) SignState.Blocked else SignState.EnterPin(n, notice)
    }

    private fun needNewPin(notice: Notice): SignState {
        pinHeld = false
        lastTryConfirmed = false
        return SignState.HoldCard(CardPurpose.READ_TRIES, notice)
    }

    private fun afterError(e: SignEvent.Error, pinWasTyped: Boolean): SignState {
        val err = e.error
        return when (err) {
            is KazasuException.WrongPin -> afterTries(err.remaining.toInt(), Notice.WrongPin(err.remaining.toInt()))
            is KazasuException.Blocked -> {
                remaining = 0
                pinHeld = false
                SignState.Blocked
            }
            is KazasuException.NeedsLastTryConfirmation -> afterTries(1, Notice.LastTryNeedsConfirmation)
            // Never retried: the next attempt re-reads the counter and the person types the PIN again.
            is KazasuException.VerifyOutcomeUnknown -> needNewPin(Notice.VerifyOutcomeUnknown)
            is KazasuException.CardLost, is KazasuException.NotJpkiCard -> {
                val notice = if (err is KazasuException.CardLost) Notice.CardLost else Notice.NotJpkiCard
                when {
                    // The PIN never left the phone: hold the card again with the same PIN.
                    pinWasTyped && e.pinStillUsable -> SignState.HoldCard(CardPurpose.SIGN, notice)
                    pinWasTyped -> needNewPin(notice)
                    else -> SignState.HoldCard(CardPurpose.READ_TRIES, notice)
                }
            }
            is KazasuException.InvalidPin -> SignState.EnterPin(remaining ?: 0, Notice.InvalidPin).also { pinHeld = false }
            is KazasuException.PinAlreadyUsed -> needNewPin(Notice.PinAlreadyUsed)
            is KazasuException.Unsupported -> SignState.Failed(Notice.Unsupported(err.reason)).also { pinHeld = false }
            is KazasuException.Internal -> SignState.Failed(Notice.Internal(err.detail)).also { pinHeld = false }
        }
    }
}
