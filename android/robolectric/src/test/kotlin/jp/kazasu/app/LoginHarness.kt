package jp.kazasu.app

import android.app.Activity
import java.text.DateFormat
import java.util.Date
import jp.kazasu.ffi.LoginFlow
import jp.kazasu.ffi.LoginState
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.PinRule
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.WayOut
import jp.kazasu.ffi.loginWayOutOf
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.robolectric.Robolectric

/**
 * One LoginActivity under test with the real core behind it: a log-in challenge of the fake relying party
 * (valid 300 s) behind a `kazasu://login` link, a test clock at its time, the software card with [tries] left
 * on its authentication password. The steps a person takes are [CardHarness]'s.
 */
class LoginHarness(language: String, shortLink: Boolean = false, tries: Int = 3) :
    CardHarness<LoginActivity>(language, (if (shortLink) SoftwareCard.shortOnly() else SoftwareCard()).also { it.setAuthPinTries(tries.toUByte()) }) {
    val link: String = rp.loginLink(rp.createLoginChallenge(300))
    val flow: LoginFlow get() = app.logins.last()

    init {
        app.makeLogin = { l, observer -> LoginFlow.forLink(l, rp.http(), observer, clock.clock()) }
    }

    /** Opens LoginActivity for the link (created, started, resumed) and waits for the first screen. */
    fun open(): LoginHarness {
        controller = Robolectric.buildActivity(LoginActivity::class.java, LoginActivity.intent(app, link)).setup()
        settle()
        return this
    }

    /** The screen shows [state] as the app's words say it, in [language]: its texts, exactly its buttons, a numeric password field only on EnterPin. */
    fun checkScreen(state: LoginState = flow.state(), a: Activity = activity) {
        val (texts, buttons) = expected(state, a)
        val shown = Screens.texts(a)
        for (t in texts) assertTrue("\"$t\" on the $state screen ($language): $shown", shown.any { it == t || it.contains(t) })
        assertEquals("the buttons of $state ($language)", buttons, Screens.buttonTexts(a))
        val fields = Screens.fields(a)
        assertEquals("a password field only on the password screen", if (state is LoginState.EnterPin) 1 else 0, fields.size)
        fields.forEach {
            assertEquals(
                "a numeric password field",
                android.text.InputType.TYPE_CLASS_NUMBER or android.text.InputType.TYPE_NUMBER_VARIATION_PASSWORD,
                it.inputType,
            )
        }
        assertTrue("FLAG_SECURE on $state", Screens.secure(a))
    }

    private fun expected(state: LoginState, a: Activity): Pair<List<String>, List<String>> {
        val w = words
        val texts = mutableListOf<String>()
        val buttons = mutableListOf<String>()
        when (state) {
            LoginState.Fetching -> texts += w["login_fetching"]
            is LoginState.ReviewLogin -> {
                val c = state.challenge
                texts += listOf(w["login_review_origin"], c.origin, w["login_nothing_personal"], w["login_relay_warning"])
                texts += w.format("state_review_request_field", w["login_review_relying_party"], c.relyingParty)
                // Where the log-in was started; its age is as of the screen's drawing (a clock advanced since redraws nothing).
                val (before, after) = w.format("login_review_context", state.context.createdFrom, "\u0000").split("\u0000")
                assertTrue("the context on ${Screens.texts(a)}", Screens.texts(a).any { it.startsWith(before) && it.endsWith(after) })
                val expires = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(c.expiresAt * 1000))
                texts += w.format("state_review_request_expires", expires)
                buttons += w["login_review_accept"]
            }
            is LoginState.EnterPin -> {
                texts += w["login_enter_pin"]
                state.knownTries?.let { texts += w.format("state_enter_pin_tries_left", it.toString()) }
                if (state.lastTry) texts += w["login_enter_pin_last_try_hint"]
                state.notice?.let { texts += notice(it) }
                buttons += w["state_enter_pin_next"]
            }
            LoginState.ConfirmLastTry -> {
                texts += listOf(w["login_confirm_last_try"], w["login_confirm_last_try_body"])
                buttons += listOf(w["state_confirm_last_try_confirm"], w["state_confirm_last_try_decline"])
            }
            is LoginState.HoldCard -> {
                texts += w["login_hold_card_android"]
                state.notice?.let { texts += notice(it) }
            }
            is LoginState.Working -> Unit // the step's words change while the card works
            is LoginState.Submitting -> texts += w["login_submitting"]
            is LoginState.SubmitFailed -> {
                texts += listOf(w["login_submit_failed"], notice(state.notice))
                if (state.canResend) buttons += w["state_submit_failed_resend"]
            }
            is LoginState.LoggedIn -> texts += listOf(state.origin, w["login_logged_in"])
            LoginState.ProbablyReceived -> texts += w["login_probably_received"]
            LoginState.Blocked -> texts += listOf(w["login_blocked"], w["login_blocked_body"])
            is LoginState.Failed -> texts += listOf(w["login_failed"], notice(state.notice))
            LoginState.Cancelled -> texts += w["login_cancelled"]
        }
        when (loginWayOutOf(state)) {
            WayOut.NONE -> Unit
            WayOut.CANCEL -> buttons += w["cancel"]
            WayOut.DISCARD -> buttons += w["login_submit_failed_discard"]
            WayOut.CLOSE -> buttons += w["close"]
        }
        return texts to buttons
    }

    /** The catalog's words for a notice on the log-in screen (the test knows those the scenarios reach; another one fails). */
    fun notice(n: Notice): String = when (n) {
        is Notice.WrongPin -> words.format("login_notice_wrong_pin", n.remaining.toString())
        Notice.LastTry -> words["login_notice_last_try"]
        Notice.CardLost -> words["notice_card_lost"]
        Notice.VerifyOutcomeUnknown -> words["notice_verify_outcome_unknown"]
        Notice.CardLostAfterPin -> words["login_notice_card_lost_after_pin"]
        is Notice.InvalidPin -> if (n.rule == PinRule.FOUR_DIGITS) words["notice_invalid_pin_four_digits"] else error("a log-in refuses by the 4-digit rule, not $n")
        Notice.Expired -> words["login_notice_expired"]
        Notice.AlreadySigned -> words["login_notice_already_used"]
        Notice.Network -> words["login_notice_network"]
        is Notice.HttpStatus -> words.format("login_notice_http_status", n.status.toString())
        is Notice.Refused -> words.format("login_notice_refused", n.message)
        else -> error("the test knows no words for $n")
    }
}
