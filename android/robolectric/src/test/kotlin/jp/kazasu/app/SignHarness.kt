package jp.kazasu.app

import android.app.Activity
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.PinRule
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.WayOut
import jp.kazasu.ffi.wayOutOf
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.robolectric.Robolectric

/**
 * One SignActivity under test with the real core behind it: the fake relying party (its HTTP transport, as
 * jvm-tests use it) and a test clock at its time for a request, or bytes; the software card in [CardField].
 * The steps a person takes are [CardHarness]'s.
 */
class SignHarness(language: String, subject: String = "request", shortLink: Boolean = false, tries: Int = 5) :
    CardHarness<SignActivity>(language, (if (shortLink) SoftwareCard.shortOnly() else SoftwareCard()).also { it.setSignPinTries(tries.toUByte()) }) {
    val link: String = rp.deepLink(rp.createRequest(600))
    val flow: SigningFlow get() = app.flows.last()

    init {
        app.make = { l, observer ->
            when (subject) {
                "request" -> SigningFlow.forLink(l, rp.http(), observer, clock.clock())
                "bytes" -> SigningFlow.forBytes("申請書.txt", "住民票の写しの交付申請".toByteArray(), HashAlgorithm.SHA256, observer, clock.clock())
                else -> error("unknown subject $subject")
            }
        }
    }

    /** Opens SignActivity for the link (created, started, resumed) and waits for the first screen. */
    fun open(): SignHarness {
        controller = Robolectric.buildActivity(SignActivity::class.java, SignActivity.intent(app, link)).setup()
        settle()
        return this
    }

    /** The screen shows [state] as the app's words say it, in [language]: its texts, exactly its buttons, a password field only on EnterPin. */
    fun checkScreen(state: FlowState = flow.state(), a: Activity = activity) {
        val (texts, buttons) = expected(state)
        val shown = Screens.texts(a)
        for (t in texts) assertTrue("\"$t\" on the $state screen ($language): $shown", shown.any { it == t || it.contains(t) })
        assertEquals("the buttons of $state ($language)", buttons, Screens.buttonTexts(a))
        assertEquals("a password field only on the password screen", if (state is FlowState.EnterPin) 1 else 0, Screens.fields(a).size)
        // The signing screen keeps screenshots and the recents thumbnail out on every state, the password's included.
        assertTrue("FLAG_SECURE on $state", Screens.secure(a))
    }

    private fun expected(state: FlowState): Pair<List<String>, List<String>> {
        val w = words
        val texts = mutableListOf<String>()
        val buttons = mutableListOf<String>()
        when (state) {
            FlowState.Fetching -> texts += w["state_fetching"]
            is FlowState.ReviewRequest -> {
                texts += listOf(w["state_review_request_origin"], state.request.origin, w["relay_warning"], state.request.title, w["state_review_request_signed_text"])
                texts += state.request.fields.filter { it.value.isNotEmpty() }.map { w.format("state_review_request_field", it.label, it.value) }
                buttons += w["state_review_accept"]
            }
            is FlowState.ReviewBytes -> {
                texts += listOf(w["state_review_bytes"], state.bytes.label, w.format("state_review_bytes_sha256", state.bytes.sha256Hex))
                buttons += w["state_review_accept"]
            }
            is FlowState.EnterPin -> {
                texts += w["state_enter_pin"]
                state.knownTries?.let { texts += w.format("state_enter_pin_tries_left", it.toString()) }
                if (state.lastTry) texts += w["state_enter_pin_last_try_hint"]
                state.notice?.let { texts += notice(it) }
                buttons += w["state_enter_pin_next"]
            }
            FlowState.ConfirmLastTry -> {
                texts += listOf(w["state_confirm_last_try"], w["state_confirm_last_try_body"])
                buttons += listOf(w["state_confirm_last_try_confirm"], w["state_confirm_last_try_decline"])
            }
            is FlowState.HoldCard -> {
                texts += w["state_hold_card_android"]
                state.notice?.let { texts += notice(it) }
            }
            is FlowState.Working -> Unit // the step's words change while the card works
            is FlowState.ConfirmFiling -> {
                texts += listOf(w["state_confirm_filing"], w["state_confirm_filing_applicant"], state.request.origin)
                state.result.identity.name?.let { texts += w.format("state_review_request_field", w["label_name"], it) }
                buttons += listOf(w["state_confirm_filing_file"], w["state_confirm_filing_cancel"])
            }
            is FlowState.Submitting -> texts += w["state_submitting"]
            is FlowState.SubmitFailed -> {
                texts += listOf(w["state_submit_failed"], notice(state.notice))
                if (state.canResend) buttons += w["state_submit_failed_resend"]
            }
            is FlowState.Signed -> texts += w["state_signed"]
            is FlowState.Done -> {
                texts += w["state_done"]
                state.receipt.name?.let { texts += w.format("state_review_request_field", w["label_name"], it) }
            }
            FlowState.ProbablyReceived -> texts += w["state_probably_received"]
            FlowState.Blocked -> texts += listOf(w["state_blocked"], w["state_blocked_body"])
            is FlowState.Failed -> texts += listOf(w["state_failed"], notice(state.notice))
            FlowState.Cancelled -> texts += w["state_cancelled"]
        }
        when (wayOutOf(state)) {
            WayOut.NONE -> Unit
            WayOut.CANCEL -> buttons += w["cancel"]
            WayOut.DISCARD -> buttons += w["state_submit_failed_discard"]
            WayOut.CLOSE -> buttons += w["close"]
        }
        return texts to buttons
    }

    /** The catalog's words for a notice (the test knows those the scenarios reach; another one fails). */
    fun notice(n: Notice): String = when (n) {
        is Notice.WrongPin -> words.format("notice_wrong_pin", n.remaining.toString())
        Notice.LastTry -> words["notice_last_try"]
        Notice.CardLost -> words["notice_card_lost"]
        Notice.VerifyOutcomeUnknown -> words["notice_verify_outcome_unknown"]
        Notice.CardLostAfterPin -> words["notice_card_lost_after_pin"]
        Notice.TriesUnknown -> words["notice_tries_unknown"]
        is Notice.InvalidPin -> words[if (n.rule == PinRule.LENGTH) "notice_invalid_pin_length" else "notice_invalid_pin_alphabet"]
        Notice.InvalidLink -> words["notice_invalid_link"]
        Notice.Expired -> words["notice_expired"]
        Notice.AlreadySigned -> words["notice_already_signed"]
        Notice.Network -> words["notice_network"]
        is Notice.HttpStatus -> words.format("notice_http_status", n.status.toString())
        else -> error("the test knows no words for $n")
    }
}

/** The screens a walk through one request reaches, each with how to get there from a fresh SignActivity. */
enum class Stop(val tries: Int = 5) {
    REVIEW, PIN, HOLD_CARD, LAST_TRY(tries = 1), FILING, SUBMIT_FAILED, DONE, FAILED;

    /** Opens SignActivity and walks to this screen, checking the state it lands on. */
    fun reach(h: SignHarness) {
        h.open()
        val w = h.words
        val pin = jp.kazasu.ffi.softwareCardSignPin()
        when (this) {
            REVIEW -> Unit
            PIN -> h.click(w["state_review_accept"])
            HOLD_CARD -> { h.click(w["state_review_accept"]); h.typePin(pin) }
            LAST_TRY -> { h.click(w["state_review_accept"]); h.typePin(pin); h.tap() }
            FILING -> { h.click(w["state_review_accept"]); h.typePin(pin); h.tap() }
            SUBMIT_FAILED -> {
                h.rp.failNextPost(jp.kazasu.ffi.PostFault.STATUS503)
                h.click(w["state_review_accept"]); h.typePin(pin); h.tap(); h.click(w["state_confirm_filing_file"])
            }
            DONE -> { h.click(w["state_review_accept"]); h.typePin(pin); h.tap(); h.click(w["state_confirm_filing_file"]) }
            FAILED -> { h.clock.advance(700); h.click(w["state_review_accept"]) }
        }
        val want = mapOf(
            REVIEW to "ReviewRequest", PIN to "EnterPin", HOLD_CARD to "HoldCard", LAST_TRY to "ConfirmLastTry",
            FILING to "ConfirmFiling", SUBMIT_FAILED to "SubmitFailed", DONE to "Done", FAILED to "Failed",
        )
        org.junit.Assert.assertEquals(want[this], jp.kazasu.ffi.describeState(h.flow.state()).name)
        h.checkScreen()
    }
}
