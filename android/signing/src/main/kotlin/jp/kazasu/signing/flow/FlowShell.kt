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
 * blocks while the card works) and released afterwards, whether or not the flow wanted it. Which tap does what,
 * when the password is asked and whether a sending may be repeated is the core's to decide.
 */
class FlowShell(
    private val ui: Executor,
    private val cards: Executor,
    private val render: (FlowState) -> Unit,
) : FlowObserver {
    @Volatile private var closed = false

    override fun onState(state: FlowState) = ui.execute { if (!closed) render(state) }

    /** Hands [link] to [flow] off the calling thread; [release] runs when the flow is done with it. */
    fun cardPresent(flow: SigningFlow, link: CardTransport, release: () -> Unit) {
        try {
            cards.execute {
                try {
                    if (!closed) flow.cardPresent(link)
                } finally {
                    release()
                }
            }
        } catch (e: RejectedExecutionException) {
            release() // the screen is gone
        }
    }

    /** The screen is gone: nothing more is rendered, no card is handed over, and the flow forgets a typed password. */
    fun close(flow: SigningFlow) {
        closed = true
        flow.cancel()
    }
}
