package jp.kazasu.signing.flow

import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignStep
import jp.kazasu.ffi.SignedDocument

/**
 * The signing flow as the screens see it: states, the events that move between them, and what to tell the
 * person after an error. No Android and no card I/O here, so it is unit-tested on the JVM.
 *
 * Order (two taps, so that the remaining tries are known before the PIN is typed):
 *  Review → HoldCard(READ_TRIES) → EnterPin(remaining) → [ConfirmLastTry] → HoldCard(SIGN) → Working → Done
 * with Blocked, Failed and Cancelled as the other ends.
 */
sealed interface SignState {
    /** The request is shown: who asks, what is signed. */
    data class Review(val request: SignRequest) : SignState

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

    /** Signed. */
    data class Done(val result: SignedDocument) : SignState

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
    data class Unsupported(val reason: String) : Notice
    data class Internal(val detail: String) : Notice
}

/** Things that happen: the person's actions and the card's answers. */
sealed interface SignEvent {
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
 *  - the PIN is asked only after the counter was read in this flow;
 *  - with one try left, signing needs [SignEvent.LastTryConfirmed] after the PIN was typed;
 *  - after any failure once the PIN was taken, the PIN must be typed again (the machine never re-presents it).
 */
class SignFlow(val request: SignRequest) {
    var state: SignState = SignState.Review(request)
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
            if (s is SignState.Done || s is SignState.Working) return s
            pinHeld = false
            return SignState.Cancelled
        }
        return when (s) {
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
                    SignState.Done(e.result)
                }
                is SignEvent.Error -> afterError(e, pinWasTyped = pinHeld)
                else -> s
            }
            is SignState.Done, SignState.Blocked, is SignState.Failed, SignState.Cancelled -> s
        }
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
