package jp.kazasu.app

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import java.util.concurrent.ExecutorService
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.PinRule
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.TestClock
import jp.kazasu.ffi.WayOut
import jp.kazasu.ffi.wayOutOf
import jp.kazasu.signing.nfc.NfcCardReader
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.android.controller.ActivityController
import org.robolectric.shadow.api.Shadow
import org.robolectric.shadows.ShadowNfcAdapter

/**
 * One SignActivity under test with the real core behind it: the fake relying party (its HTTP transport, as
 * jvm-tests use it) and a test clock at its time for a request, or bytes; the software card in [CardField].
 * Steps go through the screen as a person takes them (buttons, the password field, a tap), and [settle] waits
 * until the card thread, the flow's thread and the main looper have nothing left to do.
 */
class SignHarness(val language: String, subject: String = "request", shortLink: Boolean = false, tries: Int = 5) {
    val app = RuntimeEnvironment.getApplication() as TestApp
    val words = Catalog.of(language)
    val card = (if (shortLink) SoftwareCard.shortOnly() else SoftwareCard()).also { it.setSignPinTries(tries.toUByte()) }
    val rp = FakeRelyingParty(ORIGIN)
    val clock = TestClock(rp.now())
    val link: String = rp.deepLink(rp.createRequest(600))
    val adapter: NfcAdapter = run {
        ShadowNfcAdapter.setNfcHardwareExists(true)
        org.robolectric.Shadows.shadowOf(app.packageManager).setSystemFeature(android.content.pm.PackageManager.FEATURE_NFC, true)
        NfcAdapter.getDefaultAdapter(app)
    }
    lateinit var controller: ActivityController<SignActivity>
    val activity: SignActivity get() = controller.get()
    val flow: SigningFlow get() = app.flows.last()

    init {
        RuntimeEnvironment.setQualifiers(language)
        app.closeFlows()
        CardField.reset()
        CardField.card = card
        nfc().setEnabled(true)
        app.make = { l, observer ->
            when (subject) {
                "request" -> SigningFlow.forLink(l, rp.http(), observer, clock.clock())
                "bytes" -> SigningFlow.forBytes("申請書.txt", "住民票の写しの交付申請".toByteArray(), HashAlgorithm.SHA256, observer, clock.clock())
                else -> error("unknown subject $subject")
            }
        }
    }

    fun nfc(): FieldNfcAdapter = Shadow.extract(adapter)

    /** Opens SignActivity for the link (created, started, resumed) and waits for the first screen. */
    fun open(): SignHarness {
        controller = Robolectric.buildActivity(SignActivity::class.java, SignActivity.intent(app, link)).setup()
        settle()
        return this
    }

    /** Until the card thread, the flow's own thread and the main looper are idle (a state can start more work). */
    fun settle(a: Activity = activity) {
        val cards = SignActivity::class.java.getDeclaredField("cards").apply { isAccessible = true }.get(a) as ExecutorService
        repeat(4) {
            if (!cards.isShutdown) cards.submit {}.get(20, TimeUnit.SECONDS)
            synchronized(app.flows) { app.flows.toList() }.forEach { assertTrue("the flow's work ended", it.waitIdle(20_000u)) }
            Screens.idleMain()
        }
    }

    fun click(text: String) {
        val b = Screens.button(activity, text)
        assertNotNull("a button \"$text\" on ${Screens.buttonTexts(activity)}", b)
        assertTrue(b!!.performClick())
        settle()
    }

    /** Types [pin] into the password field and presses 次へ; the field is empty afterwards. */
    fun typePin(pin: String) {
        val fields = Screens.fields(activity)
        assertEquals("one password field", 1, fields.size)
        fields[0].setText(pin)
        click(words["state_enter_pin_next"])
        // The screen after it has no field, or a fresh one; the field typed into holds nothing.
        assertEquals("the typed password is cleared from its field", "", fields[0].text.toString())
    }

    /** A tap: the card comes into the field, the app takes its tag, the person lifts the card. Returns whether the flow used it. */
    fun tap(): Boolean {
        val tag: Tag = CardField.tap(adapter)
        settle()
        CardField.lift(tag)
        return CardField.wasClosed(tag)
    }

    private var closed = false

    fun close() {
        if (closed) return
        closed = true
        if (::controller.isInitialized && !activity.isDestroyed) controller.pause().stop().destroy()
        app.closeFlows()
        clock.close()
        rp.close()
        card.close()
        CardField.reset()
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

    /** Reader mode is on for this screen, with the app's flags and presence-check delay. */
    fun assertReaderMode(on: Boolean) {
        assertEquals("reader mode", on, nfc().isInReaderMode)
        if (on) {
            assertEquals(NfcCardReader.FLAGS, nfc().readerFlags)
            assertEquals(
                NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK,
                nfc().readerFlags,
            )
            assertEquals(NfcCardReader.PRESENCE_CHECK_DELAY_MS, nfc().readerModeExtras?.getInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY))
        }
    }

    fun assertNothingSent() = assertEquals("nothing sent to the relying party", 0u, rp.posts())

    fun assertNotFinishing() = assertFalse(activity.isFinishing)

    companion object {
        const val ORIGIN = "https://city.example.jp"
    }
}

/** Presses the first of [texts] the screen shows; none shown: the person cannot take this step here. */
fun SignHarness.clickIfShown(vararg texts: String) {
    val b = texts.firstOrNull { Screens.button(activity, it) != null } ?: return
    click(b)
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
