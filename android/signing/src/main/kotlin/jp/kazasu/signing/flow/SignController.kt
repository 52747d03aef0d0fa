package jp.kazasu.signing.flow

import java.util.concurrent.Executor
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.HttpTransport
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignPin
import jp.kazasu.ffi.SignedDocument
import jp.kazasu.ffi.SigningRequest

/**
 * Drives a [SignFlow] for a screen: fetches the request behind [requestUrl] through the core (over [http]),
 * holds the SignPin between the PIN entry and the signing tap, runs card work and HTTP on [io] and applies every
 * event on [ui] (the main thread in the app, a direct executor in tests). [clock] is the phone's time in seconds
 * since the epoch; the request's expiry is checked when the person accepts it, right before the PIN is asked,
 * and by the core before the PIN reaches the card.
 *
 * Call every method except [onCardPresent] from the UI thread. [onCardPresent] may be called from any thread
 * (Android delivers tags on a binder thread).
 */
class SignController(
    val requestUrl: String,
    private val http: HttpTransport,
    private val clock: () -> Long,
    private val io: Executor,
    private val ui: Executor,
    private val render: (SignState) -> Unit,
) {
    val flow = SignFlow()
    private var request: SigningRequest? = null
    private var pin: SignPin? = null
    private var busy = false
    private var started = false
    private var submitting = false
    private var disposed = false
    private var parked: Pair<CardTransport, () -> Unit>? = null

    val state: SignState get() = flow.state

    /** Fetches and checks the request (once); the flow then shows it or says why it was refused. */
    fun start() {
        if (started) return
        started = true
        render(flow.state)
        io.execute {
            var fetched: SigningRequest? = null
            val event = try {
                val r = SigningRequest.fetch(http, requestUrl, clock())
                fetched = r
                SignEvent.Fetched(r.display())
            } catch (e: HandoffFailure) {
                SignEvent.HandoffError(e)
            }
            ui.execute {
                if (disposed) return@execute
                request = fetched
                apply(event)
            }
        }
    }

    /** The person accepted what is shown: refused here if the request expired meanwhile. */
    fun accept() {
        val expired = expiry()
        if (expired != null) apply(SignEvent.HandoffError(expired)) else apply(SignEvent.Accept)
    }

    /** Sends the same signature again after a failed submission (never signs again). */
    fun retrySubmit() = apply(SignEvent.RetrySubmit)

    fun cancel() = apply(SignEvent.Cancel)

    /** Builds the SignPin from [input] and clears [input] (and the byte copy) whatever happens. */
    fun submitPin(input: PinInput) {
        if (flow.state !is SignState.EnterPin) {
            input.clear()
            return
        }
        val built = try {
            input.consume { bytes -> SignPin(bytes) }
        } catch (e: KazasuException) {
            apply(SignEvent.Error(e, pinStillUsable = false))
            return
        }
        dropPin()
        pin = built
        apply(SignEvent.PinEntered)
    }

    fun confirmLastTry() = apply(SignEvent.LastTryConfirmed)

    fun declineLastTry() = apply(SignEvent.LastTryDeclined)

    /**
     * A card is in the field. If the flow waits for one, runs the pending card work on [io]. Android reports a
     * tag once per arrival, so a card left on the phone after the counter read (while the person types the PIN)
     * is kept ("parked") and used for the signing step without a new tap; any other link is [release]d when
     * its work is done or at once.
     */
    fun onCardPresent(transport: CardTransport, release: () -> Unit = {}) {
        ui.execute {
            if (busy) {
                io.execute(release)
                return@execute
            }
            park(transport, release)
            runPendingWork()
        }
    }

    /**
     * Forget everything sensitive (screen closed) and let go of a parked card. The fetched request is left to
     * the garbage collector (JNA's cleaner frees it): work still queued on [io] may be using it.
     */
    fun dispose() {
        disposed = true
        dropPin()
        unpark()
    }

    /** The request's expiry failure at [clock], or null while it is valid. */
    private fun expiry(): HandoffFailure? {
        val r = request ?: return null
        return try {
            r.checkNotExpired(clock())
            null
        } catch (e: HandoffFailure) {
            e
        }
    }

    private fun runPendingWork() {
        if (disposed) return
        val purpose = flow.pendingCardPurpose ?: return
        val signing = request ?: return
        val (transport, release) = parked ?: return
        parked = null
        busy = true
        val pinNow = pin
        val confirmed = flow.lastTryConfirmed
        apply(SignEvent.CardTouched)
        io.execute {
            val event = CardWork.perform(purpose, transport, signing, pinNow, confirmed, clock()) { step ->
                ui.execute { apply(SignEvent.Progress(step)) }
            }
            ui.execute {
                busy = false
                // Right before the PIN is asked: an expired request ends here, and the card is let go.
                val expired = if (event is SignEvent.TriesRead && event.remaining > 0) expiry() else null
                // A card that just answered the counter stays for the signing step; a failed or finished link goes.
                val keep = expired == null && event is SignEvent.TriesRead && event.remaining > 0
                if (keep) park(transport, release) else io.execute(release)
                apply(if (expired != null) SignEvent.HandoffError(expired) else event)
            }
        }
    }

    private fun runSubmit(signed: SignedDocument) {
        // After dispose the screen is gone (and the app's io pool may run late tasks inline on the main thread).
        if (disposed) return
        val signing = request ?: return
        submitting = true
        io.execute {
            val event = try {
                SignEvent.Submitted(signing.submit(http, signed))
            } catch (e: HandoffFailure) {
                SignEvent.HandoffError(e)
            }
            ui.execute {
                submitting = false
                apply(event)
            }
        }
    }

    private fun park(transport: CardTransport, release: () -> Unit) {
        unpark()
        parked = transport to release
    }

    private fun unpark() {
        parked?.let { (_, release) -> io.execute(release) }
        parked = null
    }

    private fun apply(event: SignEvent) {
        val s = flow.on(event)
        if (!flow.pinHeld) dropPin()
        render(s)
        when {
            flow.pendingCardPurpose != null && parked != null && !busy -> runPendingWork()
            s is SignState.Submitting -> {
                unpark()
                if (!submitting) runSubmit(s.signed)
            }
            s is SignState.Done || s is SignState.Blocked || s is SignState.Failed || s is SignState.Cancelled ||
                s is SignState.SubmitFailed -> unpark()
        }
    }

    /**
     * Zeroizes the held PIN at once (`discard`). The handle itself is not closed: card work already queued on
     * [io] may still hold it, and a closed handle would throw there instead of the typed `PinAlreadyUsed`
     * (which is what a discarded PIN gives: it never reaches the card). JNA's cleaner frees it later.
     */
    private fun dropPin() {
        pin?.discard()
        pin = null
    }
}
