package jp.kazasu.app

import android.content.Context
import android.content.Intent
import android.graphics.Typeface
import android.os.Bundle
import java.text.DateFormat
import java.util.Date
import jp.kazasu.ffi.LoginDisplay
import jp.kazasu.ffi.LoginFlow
import jp.kazasu.ffi.LoginState
import jp.kazasu.ffi.loginWayOutOf
import jp.kazasu.signing.flow.LoginShell
import jp.kazasu.signing.nfc.IsoDepTransport

/**
 * The log-in screen for one `/login` link ([EXTRA_LINK]: a deep link, an app link or a scanned QR text,
 * unparsed): it renders the states of the core's [LoginFlow] — which site asks (its origin first and largest),
 * that no personal data is sent, where the log-in was started with the relay warning, the 4-digit
 * authentication password, the tap — and forwards the person's buttons to it. As on the signing screen, cards
 * go to the flow on the card thread ([LoginShell]); fetching and sending run on the flow's own thread.
 */
class LoginActivity : CardActivity() {
    private lateinit var flow: LoginFlow
    private lateinit var shell: LoginShell

    /** The challenge as last shown, to keep its origin above the later screens. */
    private var challenge: LoginDisplay? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val link = intent?.getStringExtra(EXTRA_LINK) ?: return finish()
        shell = LoginShell(mainExecutor, cards, ::render)
        flow = (application as KazasuApplication).loginFor(link, shell)
        flow.start()
    }

    override fun onCard(card: IsoDepTransport) = shell.cardPresent(flow, card) { card.close() }

    override fun onDestroy() {
        // The flow forgets a typed password and drops an unsent answer.
        if (::shell.isInitialized) shell.close(flow)
        super.onDestroy()
    }

    private fun render(state: LoginState) {
        screen.clear()
        challenge?.takeIf { state !is LoginState.ReviewLogin && state !is LoginState.LoggedIn }?.let {
            screen.text(it.origin).apply { setTypeface(typeface, Typeface.BOLD) }
        }
        when (state) {
            LoginState.Fetching -> screen.text(getString(R.string.login_fetching))
            is LoginState.ReviewLogin -> renderReview(state)
            is LoginState.EnterPin -> {
                state.notice?.let { screen.warning(Messages.ofLogin(this, it)) }
                screen.text(getString(R.string.login_enter_pin))
                // Tries already known in this flow are shown before anything is typed.
                state.knownTries?.let { screen.text(getString(R.string.state_enter_pin_tries_left, it.toString())) }
                if (state.lastTry) screen.warning(getString(R.string.login_enter_pin_last_try_hint))
                pinField(getString(R.string.login_enter_pin_placeholder), digits = true, flow::enterPin)
            }
            LoginState.ConfirmLastTry -> {
                screen.title(getString(R.string.login_confirm_last_try))
                screen.warning(getString(R.string.login_confirm_last_try_body))
                screen.button(getString(R.string.state_confirm_last_try_confirm)) { flow.confirmLastTry() }
                screen.button(getString(R.string.state_confirm_last_try_decline)) { flow.declineLastTry() }
            }
            is LoginState.HoldCard -> {
                state.notice?.let { screen.warning(Messages.ofLogin(this, it)) }
                if (nfcUsable()) screen.text(getString(R.string.login_hold_card_android))
            }
            is LoginState.Working -> screen.text(Messages.ofLogin(this, state.step))
            is LoginState.Submitting -> screen.text(getString(R.string.login_submitting))
            is LoginState.SubmitFailed -> {
                screen.title(getString(R.string.login_submit_failed))
                screen.warning(Messages.ofLogin(this, state.notice))
                if (state.canResend) screen.button(getString(R.string.state_submit_failed_resend)) { flow.resend() }
            }
            is LoginState.LoggedIn -> {
                screen.title(state.origin)
                relyingParty(state.relyingParty)
                screen.title(getString(R.string.login_logged_in))
                setResult(RESULT_OK)
            }
            LoginState.ProbablyReceived -> screen.text(getString(R.string.login_probably_received))
            LoginState.Blocked -> {
                screen.title(getString(R.string.login_blocked))
                screen.text(getString(R.string.login_blocked_body))
            }
            is LoginState.Failed -> {
                screen.title(getString(R.string.login_failed))
                screen.warning(Messages.ofLogin(this, state.notice))
            }
            LoginState.Cancelled -> screen.text(getString(R.string.login_cancelled))
        }
        footer(loginWayOutOf(state), getString(R.string.login_submit_failed_discard), flow::cancel)
    }

    /**
     * Everything the person must see before the password: the site (its origin, first and largest, then the name
     * it gives itself), that a log-in sends no personal data, where and when it was started with the warning
     * against a log-in someone else started, and until when it is valid.
     */
    private fun renderReview(state: LoginState.ReviewLogin) {
        val c = state.challenge
        challenge = c
        screen.text(getString(R.string.login_review_origin))
        screen.title(c.origin)
        if (!c.originIsHttps) screen.warning(getString(R.string.state_review_request_dev_origin))
        relyingParty(c.relyingParty)
        screen.text(getString(R.string.login_nothing_personal)).apply { setTypeface(typeface, Typeface.BOLD) }
        screen.text(Messages.ofLogin(this, state.context)).apply { setTypeface(typeface, Typeface.BOLD) }
        screen.warning(getString(R.string.login_relay_warning))
        val expires = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(c.expiresAt * 1000))
        screen.text(getString(R.string.state_review_request_expires, expires))
        if (nfcUsable()) screen.button(getString(R.string.login_review_accept)) { flow.accept() }
    }

    private fun relyingParty(name: String) =
        screen.text(getString(R.string.state_review_request_field, getString(R.string.login_review_relying_party), name))

    companion object {
        fun intent(context: Context, link: String): Intent = Intent(context, LoginActivity::class.java).putExtra(EXTRA_LINK, link)
    }
}
