package jp.kazasu.signing.flow

import java.util.concurrent.Executor
import java.util.concurrent.RejectedExecutionException
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.FlowObserver
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.SigningFlow

/**
 * The threads around the core's [SigningFlow], and nothing else: every state the flow reports is posted, in
 * order, to [ui] and rendered there; every card the NFC stack finds is handed to the flow on [cards] (the flow
 * blocks while the card works) and released once the flow used it. Android reports a tag once per arrival, so a
 * card the flow did not want yet (laid on the phone before the "hold the card" screen) is kept and offered again
 * at the next state. Which tap does what, when the password is asked and whether a sending may be repeated is
 * the core's to decide.
 */
class FlowShell(
    private val ui: Executor,
    private val cards: Executor,
    private val render: (FlowState) -> Unit,
) : FlowObserver {
    @Volatile private var closed = false
    private var flow: SigningFlow? = null
    private var unused: Pair<CardTransport, () -> Unit>? = null

    override fun onState(state: FlowState) {
        ui.execute { if (!closed) render(state) }
        val again = synchronized(this) { unused.also { unused = null } } ?: return
        val f = flow ?: return again.second()
        cardPresent(f, again.first, again.second)
    }

    /** Hands [link] to [flow] off the calling thread; [release] runs when the flow used it, or is kept for later. */
    fun cardPresent(flow: SigningFlow, link: CardTransport, release: () -> Unit) {
        try {
            cards.execute {
                var used = true
                try {
                    if (!closed) used = flow.cardPresent(link)
                } finally {
                    if (used || closed) release() else keep(flow, link, release)
                }
            }
        } catch (e: RejectedExecutionException) {
            release() // the screen is gone
        }
    }

    private fun keep(flow: SigningFlow, link: CardTransport, release: () -> Unit) {
        val previous = synchronized(this) {
            this.flow = flow
            unused.also { unused = link to release }
        }
        previous?.second?.invoke()
    }

    /** The screen is gone: nothing more is rendered, no card is handed over, and the flow forgets a typed password. */
    fun close(flow: SigningFlow) {
        closed = true
        synchronized(this) { unused.also { unused = null } }?.second?.invoke()
        flow.cancel()
    }
}
