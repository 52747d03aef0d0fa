package jp.kazasu.app

import android.os.Build
import jp.kazasu.ffi.LoginState
import jp.kazasu.ffi.PostFault
import jp.kazasu.ffi.describeLoginState
import org.json.JSONObject
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.ParameterizedRobolectricTestRunner
import org.robolectric.ParameterizedRobolectricTestRunner.Parameters

/**
 * The log-in rows of tests/scenarios/signing-flow.json (subject "login") through LoginActivity, with the checks
 * SignScenarioTest makes for signing: buttons pressed and the 4-digit password typed on the screen, taps
 * delivered by the framework's NFC path to the software card, and after every step the screen checked against
 * the flow's state (its words in the language, exactly its buttons, a numeric password field only where it
 * belongs, FLAG_SECURE, reader mode with the app's flags); then the table's expectations and counters.
 *
 * Each row runs once per SDK level, in Japanese on the target level (35) and in English on minSdk (28): every
 * row is seen in both languages, at half the cost of both languages on both levels (the kotlin stage's budget).
 */
@RunWith(ParameterizedRobolectricTestRunner::class)
class LoginScenarioTest(private val name: String) {
    private var h: LoginHarness? = null
    private val language = if (Build.VERSION.SDK_INT >= 35) "ja" else "en"

    @After
    fun close() {
        h?.close()
    }

    @Test
    fun `the log-in scenario holds through LoginActivity, each screen in its language`() {
        val s = SignScenarioTest.scenario(name)
        assertEquals("login", s.getString("subject"))
        val spec = s.getJSONObject("card")
        val h = LoginHarness(language, spec.optString("link") == "short", spec.getInt("tries")).also { this.h = it }
        h.open()
        assertEquals("the link reached the flow unparsed", h.link, h.app.links.single())
        h.checkScreen()
        val steps = s.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val step = steps.getJSONObject(i)
            val at = "$name ($language): step $i $step"
            val w = h.words
            when (val what = step.getString("do")) {
                "accept" -> h.clickIfShown(w["login_review_accept"])
                "pin" -> h.typePin(step.getString("text"))
                "tap" -> assertEquals("$at: card used", step.optBoolean("used", true), h.tap())
                "confirm_last_try" -> h.clickIfShown(w["state_confirm_last_try_confirm"])
                "decline_last_try" -> h.clickIfShown(w["state_confirm_last_try_decline"])
                "resend" -> h.clickIfShown(w["state_submit_failed_resend"])
                "cancel" -> h.clickIfShown(w["cancel"], w["login_submit_failed_discard"])
                "lose_link_before" -> h.card.loseLinkBefore(step.getString("ins").toInt(16).toUByte())
                "lose_answer_of" -> h.card.loseAnswerOf(step.getString("ins").toInt(16).toUByte())
                "lose_answer_of_pin" -> h.card.loseAnswerOfPinPresentation()
                "rp_fail_next_post" -> h.rp.failNextPost(
                    when (val mode = step.getString("mode")) {
                        "no_answer" -> PostFault.NO_ANSWER
                        "answer_lost" -> PostFault.ANSWER_LOST
                        "status_503" -> PostFault.STATUS503
                        else -> error("$at: unknown post fault $mode")
                    },
                )
                "rp_distrust_auth_ca" -> h.rp.distrustAuthCa()
                "advance_clock" -> h.clock.advance(step.getLong("secs"))
                "expect" -> check(at, h.flow.state(), step, setOf("do"))
                else -> error("$at: unknown step $what")
            }
            h.settle()
            h.checkScreen()
            h.assertReaderMode(true)
        }
        val want = s.getJSONObject("expect")
        check("$name: end", h.flow.state(), want, COUNTERS)
        val got = mapOf(
            "presentations" to h.card.pinPresentations().toLong(),
            "signatures" to h.card.signatures().toLong(),
            "tries_left" to h.card.authPinTries().toLong(),
            "apdus" to h.card.exchanges().toLong(),
            "rp_accepted" to h.rp.accepted().toLong(),
        )
        for ((key, value) in got) if (want.has(key)) assertEquals("$name: $key", want.getLong(key), value)
        // A log-in that ended logged in says so to whoever opened the screen.
        if (h.flow.state() is LoginState.LoggedIn) assertEquals(android.app.Activity.RESULT_OK, org.robolectric.Shadows.shadowOf(h.activity).resultCode)
        h.controller.pause()
        h.assertReaderMode(false)
    }

    private fun check(at: String, state: LoginState, want: JSONObject, also: Set<String>) {
        val unknown = want.keySet() - STATE_KEYS - also
        check(unknown.isEmpty()) { "$at: unknown expectation $unknown" }
        val got = describeLoginState(state)
        assertEquals("$at: state $state", want.getString("state"), got.name)
        if (want.has("notice")) assertEquals("$at: notice", want.optString("notice", null), got.notice)
        if (want.has("known_tries")) assertEquals("$at: known tries", if (want.isNull("known_tries")) null else want.getLong("known_tries"), got.knownTries?.toLong())
        if (want.has("can_resend")) assertEquals("$at: can_resend", want.getBoolean("can_resend"), got.canResend)
        if (want.has("way_out")) assertEquals("$at: way out", want.getString("way_out"), got.wayOut)
        if (want.has("last_try")) assertEquals("$at: last try", want.getBoolean("last_try"), got.lastTry)
        if (want.has("reader_done")) assertEquals("$at: reader done", want.getBoolean("reader_done"), got.readerDone)
    }

    companion object {
        private val STATE_KEYS = setOf("state", "notice", "known_tries", "can_resend", "way_out", "last_try", "reader_done")
        private val COUNTERS = setOf("presentations", "signatures", "tries_left", "apdus", "rp_accepted")

        @JvmStatic
        @Parameters(name = "{0}")
        fun parameters(): List<Array<Any>> {
            val names = SignScenarioTest.names(login = true)
            assertTrue("the table has ${names.size} log-in rows", names.size >= 9)
            return names.map { arrayOf<Any>(it) }
        }
    }
}
