package jp.kazasu.ffi

import java.io.File
import java.util.Collections
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.opentest4j.AssertionFailedError

/**
 * Replays the signing flow's scenario table (`tests/scenarios/signing-flow.json`, the same table the Rust and
 * Swift tests replay) through the Kotlin bindings of `SigningFlow` (and of `LoginFlow` for its log-in rows): the
 * software card as the tag, the fake relying party as the HTTP transport, a test clock. Each step is driven as `ffi/tests/scenarios.rs` does it,
 * with `waitIdle` after every step; states are compared by `describeState`, then the card's and the relying
 * party's counters. Unknown steps or expectation keys fail, so the table cannot say more than is checked.
 */
class ScenarioTest {
    private val table: JSONObject by lazy {
        val path = System.getProperty("kazasu.scenarios") ?: error("-Dkazasu.scenarios is not set (see jvm-tests/pom.xml)")
        JSONObject(File(path).readText(Charsets.UTF_8))
    }

    private fun scenarios(): List<JSONObject> = table.getJSONArray("scenarios").let { a -> List(a.length()) { a.getJSONObject(it) } }

    @TestFactory
    fun `every scenario of the table holds through the Kotlin bindings`(): List<DynamicTest> {
        val all = scenarios()
        assertTrue(all.size >= 20, "the table has ${all.size} scenarios")
        return all.map { s -> DynamicTest.dynamicTest(s.getString("name")) { replay(s) } }
    }

    @Test
    fun `a wrong expectation in the table fails the replay`() {
        val first = scenarios().first { it.getJSONObject("expect").has("apdus") }
        val expect = first.getJSONObject("expect")
        expect.put("apdus", expect.getInt("apdus") + 1)
        assertThrows(AssertionFailedError::class.java) { replay(first) }
        expect.put("apdus", expect.getInt("apdus") - 1).put("state", "Failed")
        assertThrows(AssertionFailedError::class.java) { replay(first) }
        val unknown = JSONObject(first.toString())
        unknown.getJSONArray("steps").put(JSONObject().put("do", "shake"))
        assertThrows(IllegalStateException::class.java) { replay(unknown) }
    }

    private class Seen : FlowObserver {
        val states: MutableList<FlowState> = Collections.synchronizedList(mutableListOf())

        override fun onState(state: FlowState) {
            states += state
        }
    }

    private class SeenLogin : LoginObserver {
        val states: MutableList<LoginState> = Collections.synchronizedList(mutableListOf())

        override fun onState(state: LoginState) {
            states += state
        }
    }

    /** The flow a row drives: a signing or a log-in, with the same events; states named by `describe…State`. */
    private interface Driven : AutoCloseable {
        fun start()
        fun accept()
        fun enterPin(typed: ByteArray)
        fun cardPresent(link: CardTransport): Boolean
        fun confirmLastTry()
        fun declineLastTry()
        fun file()
        fun resend()
        fun cancel()
        fun waitIdle(): Boolean
        fun summary(): Pair<StateSummary, String>
        /** What the observer saw last, named the same way. */
        fun lastSeen(): StateSummary?
    }

    private class Signing(val flow: SigningFlow, val seen: Seen) : Driven {
        override fun start() = flow.start()
        override fun accept() = flow.accept()
        override fun enterPin(typed: ByteArray) = flow.enterPin(typed)
        override fun cardPresent(link: CardTransport) = flow.cardPresent(link)
        override fun confirmLastTry() = flow.confirmLastTry()
        override fun declineLastTry() = flow.declineLastTry()
        override fun file() = flow.file()
        override fun resend() = flow.resend()
        override fun cancel() = flow.cancel()
        override fun waitIdle() = flow.waitIdle(10_000u)
        override fun summary() = flow.state().let { describeState(it) to it.toString() }
        override fun lastSeen() = seen.states.lastOrNull()?.let { describeState(it) }
        override fun close() = flow.close()
    }

    private class LogIn(val flow: LoginFlow, val seen: SeenLogin) : Driven {
        override fun start() = flow.start()
        override fun accept() = flow.accept()
        override fun enterPin(typed: ByteArray) = flow.enterPin(typed)
        override fun cardPresent(link: CardTransport) = flow.cardPresent(link)
        override fun confirmLastTry() = flow.confirmLastTry()
        override fun declineLastTry() = flow.declineLastTry()
        override fun file() = error("a log-in has no filing step")
        override fun resend() = flow.resend()
        override fun cancel() = flow.cancel()
        override fun waitIdle() = flow.waitIdle(10_000u)
        override fun summary() = flow.state().let { describeLoginState(it) to it.toString() }
        override fun lastSeen() = seen.states.lastOrNull()?.let { describeLoginState(it) }
        override fun close() = flow.close()
    }

    private fun replay(scenario: JSONObject) {
        val name = scenario.getString("name")
        val cardSpec = scenario.getJSONObject("card")
        val card = if (cardSpec.optString("link") == "short") SoftwareCard.shortOnly() else SoftwareCard()
        val login = scenario.getString("subject") == "login"
        val tries = cardSpec.getInt("tries").toUByte()
        if (login) card.setAuthPinTries(tries) else card.setSignPinTries(tries)
        val rp = FakeRelyingParty("https://city.example.jp")
        val clock = TestClock(rp.now())
        val flow: Driven = when (val subject = scenario.getString("subject")) {
            "login" -> SeenLogin().let { LogIn(LoginFlow.forLink(rp.loginLink(rp.createLoginChallenge(300)), rp.http(), it, clock.clock()), it) }
            "request" -> Seen().let { Signing(SigningFlow.forLink(rp.deepLink(rp.createRequest(600)), rp.http(), it, clock.clock()), it) }
            "bytes" -> Seen().let {
                Signing(
                    SigningFlow.forBytes(
                        "申請書.txt",
                        "住民票の写しの交付申請".toByteArray(Charsets.UTF_8),
                        HashAlgorithm.SHA256,
                        it,
                        clock.clock(),
                    ),
                    it,
                )
            }
            else -> error("$name: unknown subject $subject")
        }
        try {
            flow.start()
            assertTrue(flow.waitIdle(), "$name: fetch did not end")
            val steps = scenario.getJSONArray("steps")
            for (i in 0 until steps.length()) {
                val step = steps.getJSONObject(i)
                val at = "$name: step $i $step"
                when (val what = step.getString("do")) {
                    "accept" -> flow.accept()
                    "pin" -> flow.enterPin(step.getString("text").toByteArray(Charsets.UTF_8))
                    "tap" -> assertEquals(step.optBoolean("used", true), flow.cardPresent(card.link()), "$at: card used")
                    "confirm_last_try" -> flow.confirmLastTry()
                    "decline_last_try" -> flow.declineLastTry()
                    "file" -> flow.file()
                    "resend" -> flow.resend()
                    "cancel" -> flow.cancel()
                    "lose_link_before" -> card.loseLinkBefore(ins(step))
                    "lose_answer_of" -> card.loseAnswerOf(ins(step))
                    "lose_answer_of_pin" -> card.loseAnswerOfPinPresentation()
                    "rp_fail_next_post" -> rp.failNextPost(
                        when (val mode = step.getString("mode")) {
                            "no_answer" -> PostFault.NO_ANSWER
                            "answer_lost" -> PostFault.ANSWER_LOST
                            "status_503" -> PostFault.STATUS503
                            else -> error("$at: unknown post fault $mode")
                        },
                    )
                    "rp_distrust_auth_ca" -> rp.distrustAuthCa()
                    "advance_clock" -> clock.advance(step.getLong("secs"))
                    "expect" -> checkState(at, flow.summary(), step, setOf("do"))
                    else -> error("$at: unknown step $what")
                }
                assertTrue(flow.waitIdle(), "$at: network work did not end")
            }
            val want = scenario.getJSONObject("expect")
            checkState("$name: end", flow.summary(), want, COUNTERS)
            // The observer saw every change, in order, and the last one it saw is the state now.
            assertEquals(flow.summary().first, flow.lastSeen(), "$name: observer's last state")
            val got = mapOf(
                "presentations" to card.pinPresentations().toLong(),
                "signatures" to card.signatures().toLong(),
                "tries_left" to (if (login) card.authPinTries() else card.signPinTries()).toLong(),
                "apdus" to card.exchanges().toLong(),
                "rp_accepted" to rp.accepted().toLong(),
            )
            for ((key, value) in got) {
                if (want.has(key)) assertEquals(want.getLong(key), value, "$name: $key")
            }
        } finally {
            flow.close()
            clock.close()
            rp.close()
            card.close()
        }
    }

    /** Compares [state] with the table's `state`, `notice`, `known_tries`, `can_resend`, `way_out`, `last_try`, `reader_done`; other keys must be in [also]. */
    private fun checkState(at: String, summary: Pair<StateSummary, String>, want: JSONObject, also: Set<String>) {
        val unknown = want.keySet() - STATE_KEYS - also
        check(unknown.isEmpty()) { "$at: unknown expectation $unknown" }
        val (got, state) = summary
        assertEquals(want.getString("state"), got.name, "$at: state $state")
        // An explicit null expects none.
        if (want.has("notice")) assertEquals(want.optString("notice", null), got.notice, "$at: notice of $state")
        if (want.has("known_tries")) assertEquals(want.optNumber("known_tries")?.toLong(), got.knownTries?.toLong(), "$at: known tries of $state")
        if (want.has("can_resend")) assertEquals(want.getBoolean("can_resend"), got.canResend, "$at: can_resend of $state")
        if (want.has("way_out")) assertEquals(want.getString("way_out"), got.wayOut, "$at: way out of $state")
        if (want.has("last_try")) assertEquals(want.getBoolean("last_try"), got.lastTry, "$at: last try of $state")
        if (want.has("reader_done")) assertEquals(want.getBoolean("reader_done"), got.readerDone, "$at: reader done at $state")
    }

    private fun ins(step: JSONObject): UByte = step.getString("ins").toInt(16).toUByte()

    private companion object {
        val STATE_KEYS = setOf("state", "notice", "known_tries", "can_resend", "way_out", "last_try", "reader_done")
        val COUNTERS = setOf("presentations", "signatures", "tries_left", "apdus", "rp_accepted")
    }
}
