package jp.kazasu.signing.flow

import java.util.concurrent.Executor
import java.util.concurrent.RejectedExecutionException
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.FlowObserver
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.LoginFlow
import jp.kazasu.ffi.LoginObserver
import jp.kazasu.ffi.LoginState
import jp.kazasu.ffi.SigningFlow

/**
 * The threads around one of the core's flows (screens of type [S]), and nothing else: every state the flow
 * reports is posted, in order, to [ui] and rendered there; every card the NFC stack finds is handed to the flow
 * on [cards] (the flow blocks while the card works) and released once the flow used it. Android reports a tag
 * once per arrival, so a card the flow did not want yet (laid on the phone before the "hold the card" screen) is
 * kept and offered again at the next state. Which tap does what, when the password is asked and whether a
 * sending may be repeated is the core's to decide. [FlowShell] serves a signing, [LoginShell] a log-in.
 */
open class CardShell<S>(
    private val ui: Executor,
    private val cards: Executor,
    private val render: (S) -> Unit,
) {
    @Volatile private var closed = false
    private var use: ((CardTransport) -> Boolean)? = null
    private var unused: Pair<CardTransport, () -> Unit>? = null

    /** A state from the flow's observer: rendered on [ui]; a card kept for later is offered again. */
    protected fun show(state: S) {
        ui.execute { if (!closed) render(state) }
        val again = synchronized(this) { unused.also { unused = null } } ?: return
        val u = use ?: return again.second()
        cardPresent(u, again.first, again.second)
    }

    /** Hands [link] to the flow's card_present ([use]) off the calling thread; [release] runs when the flow used it, or is kept for later. */
    fun cardPresent(use: (CardTransport) -> Boolean, link: CardTransport, release: () -> Unit) {
        try {
            cards.execute {
                var used = true
                try {
                    if (!closed) used = use(link)
                } finally {
                    if (used || closed) release() else keep(use, link, release)
                }
            }
        } catch (e: RejectedExecutionException) {
            release() // the screen is gone
        }
    }

    private fun keep(use: (CardTransport) -> Boolean, link: CardTransport, release: () -> Unit) {
        val previous = synchronized(this) {
            this.use = use
            unused.also { unused = link to release }
        }
        previous?.second?.invoke()
    }

    /** The screen is gone: nothing more is rendered, no card is handed over, and the flow ([cancel]) forgets a typed password. */
    fun close(cancel: () -> Unit) {
        closed = true
        synchronized(this) { unused.also { unused = null } }?.second?.invoke()
        cancel()
    }
}

/** The shell of a [SigningFlow]: its observer, rendering [FlowState]s. */
class FlowShell(ui: Executor, cards: Executor, render: (FlowState) -> Unit) : CardShell<FlowState>(ui, cards, render), FlowObserver {
    override fun onState(state: FlowState) = show(state)

    fun cardPresent(flow: SigningFlow, link: CardTransport, release: () -> Unit) = cardPresent(flow::cardPresent, link, release)

    fun close(flow: SigningFlow) = close(flow::cancel)
}

/** The shell of a [LoginFlow]: its observer, rendering [LoginState]s. */
class LoginShell(ui: Executor, cards: Executor, render: (LoginState) -> Unit) : CardShell<LoginState>(ui, cards, render), LoginObserver {
    override fun onState(state: LoginState) = show(state)

    fun cardPresent(flow: LoginFlow, link: CardTransport, release: () -> Unit) = cardPresent(flow::cardPresent, link, release)

    fun close(flow: LoginFlow) = close(flow::cancel)
}
