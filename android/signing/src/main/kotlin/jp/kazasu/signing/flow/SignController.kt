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
     * A card is in the field. If the flow waits for one, runs the pending card work on [io], then [release]s
     * the link; otherwise releases it at once.
     */
    fun onCardPresent(transport: CardTransport, release: () -> Unit = {}) {
        ui.execute {
            val purpose = flow.pendingCardPurpose
            if (purpose == null || busy) {
                release()
                return@execute
            }
            busy = true
            val pinNow = pin
            val confirmed = flow.lastTryConfirmed
            apply(SignEvent.CardTouched)
            io.execute {
                val event = try {
                    CardWork.perform(purpose, transport, request, pinNow, confirmed) { step ->
                        ui.execute { apply(SignEvent.Progress(step)) }
                    }
                } finally {
                    release()
                }
                ui.execute {
                    busy = false
                    apply(event)
                }
            }
        }
    }

    /** Forget everything sensitive (screen closed). */
    fun dispose() {
        dropPin()
    }

    private fun apply(event: SignEvent) {
        val s = flow.on(event)
        if (!flow.pinHeld) dropPin()
        render(s)
    }

    private fun dropPin() {
        pin?.let {
            it.discard()
            it.close()
        }
        pin = null
    }
}
