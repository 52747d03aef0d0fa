package jp.kazasu.app

import java.io.File
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.PostFault
import jp.kazasu.ffi.describeState
import org.json.JSONObject
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.ParameterizedRobolectricTestRunner
import org.robolectric.ParameterizedRobolectricTestRunner.Parameters

/**
 * Every signing scenario of tests/scenarios/signing-flow.json (its log-in rows: LoginScenarioTest) through SignActivity, in Japanese and in English: the
 * buttons pressed and the password typed on the screen, taps delivered by the framework's NFC path to the
 * software card, and after every step the screen checked against the flow's state (its words in the language,
 * exactly its buttons, the password field only where it belongs, FLAG_SECURE, reader mode with the app's
 * flags). The table's expectations are checked as jvm-tests' ScenarioTest checks them.
 *
 * Shell facts the table does not know: a step whose button the screen does not show is not taken (the table's
 * next expectation then shows the flow agrees nothing happened); a tap ends with the card lifted, so a link the
 * shell kept for later (Android reports a tag once) fails as a lifted card, reaching no card.
 */
@RunWith(ParameterizedRobolectricTestRunner::class)
class SignScenarioTest(private val name: String, private val language: String) {
    private var h: SignHarness? = null

    @After
    fun close() {
        h?.close()
    }

    @Test
    fun `the scenario holds through SignActivity, each screen in its language`() {
        val s = scenario(name)
        val spec = s.getJSONObject("card")
        val h = SignHarness(language, s.getString("subject"), spec.optString("link") == "short", spec.getInt("tries")).also { this.h = it }
        h.open()
        assertEquals("the link reached the flow unparsed", h.link, h.app.links.single())
        h.checkScreen()
        val steps = s.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val step = steps.getJSONObject(i)
            val at = "$name ($language): step $i $step"
            val w = h.words
            when (val what = step.getString("do")) {
                "accept" -> h.clickIfShown(w["state_review_accept"])
                "pin" -> h.typePin(step.getString("text"))
                "tap" -> assertEquals("$at: card used", step.optBoolean("used", true), h.tap())
                "confirm_last_try" -> h.clickIfShown(w["state_confirm_last_try_confirm"])
                "decline_last_try" -> h.clickIfShown(w["state_confirm_last_try_decline"])
                "file" -> h.clickIfShown(w["state_confirm_filing_file"])
                "resend" -> h.clickIfShown(w["state_submit_failed_resend"])
                // Every button that calls the flow's cancel: the way out, or the filing review's 申請しない.
                "cancel" -> h.clickIfShown(w["cancel"], w["state_submit_failed_discard"], w["state_confirm_filing_cancel"])
                "lose_link_before" -> h.card.loseLinkBefore(ins(step))
                "lose_answer_of" -> h.card.loseAnswerOf(ins(step))
                "lose_answer_of_pin" -> h.card.loseAnswerOfPinPresentation()
                "rp_fail_next_post" -> h.rp.failNextPost(
                    when (val mode = step.getString("mode")) {
                        "no_answer" -> PostFault.NO_ANSWER
                        "answer_lost" -> PostFault.ANSWER_LOST
                        "status_503" -> PostFault.STATUS503
                        else -> error("$at: unknown post fault $mode")
                    },
                )
                "advance_clock" -> h.clock.advance(step.getLong("secs"))
                "expect" -> check(at, h.flow.state(), step, setOf("do"))
                else -> error("$at: unknown step $what")
            }
            h.settle()
            h.checkScreen()
            // Reader mode stays on while the signing screen is in front (a card laid early is kept by the shell).
            h.assertReaderMode(true)
        }
        val want = s.getJSONObject("expect")
        check("$name: end", h.flow.state(), want, COUNTERS)
        val got = mapOf(
            "presentations" to h.card.pinPresentations().toLong(),
            "signatures" to h.card.signatures().toLong(),
            "tries_left" to h.card.signPinTries().toLong(),
            "apdus" to h.card.exchanges().toLong(),
            "rp_accepted" to h.rp.accepted().toLong(),
        )
        for ((key, value) in got) if (want.has(key)) assertEquals("$name: $key", want.getLong(key), value)
        // Leaving the screen turns reader mode off.
        h.controller.pause()
        h.assertReaderMode(false)
    }

    private fun check(at: String, state: FlowState, want: JSONObject, also: Set<String>) {
        val unknown = want.keySet() - STATE_KEYS - also
        check(unknown.isEmpty()) { "$at: unknown expectation $unknown" }
        val got = describeState(state)
        assertEquals("$at: state $state", want.getString("state"), got.name)
        if (want.has("notice")) assertEquals("$at: notice", want.optString("notice", null), got.notice)
        if (want.has("known_tries")) assertEquals("$at: known tries", if (want.isNull("known_tries")) null else want.getLong("known_tries"), got.knownTries?.toLong())
        if (want.has("can_resend")) assertEquals("$at: can_resend", want.getBoolean("can_resend"), got.canResend)
        if (want.has("way_out")) assertEquals("$at: way out", want.getString("way_out"), got.wayOut)
        if (want.has("last_try")) assertEquals("$at: last try", want.getBoolean("last_try"), got.lastTry)
        if (want.has("reader_done")) assertEquals("$at: reader done", want.getBoolean("reader_done"), got.readerDone)
    }

    private fun ins(step: JSONObject): UByte = step.getString("ins").toInt(16).toUByte()

    companion object {
        private val STATE_KEYS = setOf("state", "notice", "known_tries", "can_resend", "way_out", "last_try", "reader_done")
        private val COUNTERS = setOf("presentations", "signatures", "tries_left", "apdus", "rp_accepted")

        private val table: JSONObject by lazy {
            val path = System.getProperty("kazasu.scenarios") ?: error("-Dkazasu.scenarios is not set (robolectric/pom.xml)")
            JSONObject(File(path).readText(Charsets.UTF_8))
        }

        fun scenario(name: String): JSONObject {
            val all = table.getJSONArray("scenarios")
            return (0 until all.length()).map { all.getJSONObject(it) }.single { it.getString("name") == name }
        }

        /** Every signing scenario of the table, in Japanese and English. */
        @JvmStatic
        @Parameters(name = "{0} [{1}]")
        fun parameters(): List<Array<Any>> {
            val names = names(login = false)
            assertTrue("the table has ${names.size} signing scenarios", names.size >= 20)
            return names.flatMap { n -> listOf(arrayOf<Any>(n, "ja"), arrayOf<Any>(n, "en")) }
        }

        /** The names of the table's signing scenarios, or of its log-in rows (subject "login": LoginScenarioTest's). */
        fun names(login: Boolean): List<String> {
            // Read with the JDK here: the parameters are made outside Robolectric's sandbox.
            val text = File(System.getProperty("kazasu.scenarios")).readText(Charsets.UTF_8)
            // Each scenario object begins with its name.
            val name = Regex("\"name\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
            val subject = Regex("\"subject\":\\s*\"login\"")
            val names = text.split(Regex("(?=\"name\":)")).drop(1)
                .filter { subject.containsMatchIn(it) == login }
                .map { name.find(it)!!.groupValues[1] }
            assertNull(names.groupBy { it }.values.firstOrNull { it.size > 1 })
            return names
        }
    }
}
