package jp.kazasu.signing.flow

import java.util.concurrent.Executor
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.KazasuException
import jp.kazasu.ffi.SignPin

/**
 * Drives a [SignFlow] for a screen: holds the SignPin between the PIN entry and the signing tap, runs card work
 * on [io] and applies every event on [ui] (the main thread in the app, a direct executor in tests).
 *
 * Call every method except [onCardPresent] from the UI thread. [onCardPresent] may be called from any thread
 * (Android delivers tags on a binder thread).
 */
class SignController(
    val request: SignRequest,
    private val io: Executor,
    private val ui: Executor,
    private val render: (SignState) -> Unit,
) {
    val flow = SignFlow(request)
    private var pin: SignPin? = null
    private var busy = false
    private var parked: Pair<CardTransport, () -> Unit>? = null

    val state: SignState get() = flow.state

    fun accept() = apply(SignEvent.Accept)

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

    /** Forget everything sensitive (screen closed) and let go of a parked card. */
    fun dispose() {
        dropPin()
        unpark()
    }

    private fun runPendingWork() {
        val purpose = flow.pendingCardPurpose ?: return
        val (transport, release) = parked ?: return
        parked = null
        busy = true
        val pinNow = pin
        val confirmed = flow.lastTryConfirmed
        apply(SignEvent.CardTouched)
        io.execute {
            val event = CardWork.perform(purpose, transport, request, pinNow, confirmed) { step ->
                ui.execute { apply(SignEvent.Progress(step)) }
            }
            ui.execute {
                busy = false
                // A card that just answered the counter stays for the signing step; a failed or finished link goes.
                val keep = event is SignEvent.TriesRead && event.remaining > 0
                if (keep) park(transport, release) else io.execute(release)
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
            s is SignState.Done || s is SignState.Blocked || s is SignState.Failed || s is SignState.Cancelled -> unpark()
        }
    }

    private fun dropPin() {
        pin?.let {
            it.discard()
            it.close()
        }
        pin = null
    }
}
