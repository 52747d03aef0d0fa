package jp.kazasu.ffi

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * A log-in through the Kotlin bindings of `LoginFlow`, as the Android shell drives it: a Kotlin HttpTransport
 * serving the fake relying party's bytes, the core fetching and checking the challenge, the software card's
 * authentication key answering it in one tap, the relying party verifying with the core's verify_login and
 * logging in the browser session the challenge was issued to.
 */
class LoginTest {
    private val rp = FakeRelyingParty("https://city.example.jp")
    private val http = RpHttp(rp)
    private val card = SoftwareCard()
    private val clock = TestClock(rp.now())
    private val flows = mutableListOf<LoginFlow>()

    @AfterEach
    fun close() {
        flows.forEach { it.close() }
        clock.close()
        rp.close()
        card.close()
    }

    private class Seen : LoginObserver {
        val states = java.util.Collections.synchronizedList(mutableListOf<LoginState>())

        override fun onState(state: LoginState) {
            states += state
        }
    }

    /** Logs in to the challenge at [url] with the software card, as a person does; returns the session's account. */
    private fun logIn(url: String): String? {
        val seen = Seen()
        val flow = LoginFlow.forLink(rp.loginLink(url), http, seen, clock.clock()).also { flows += it }
        flow.start()
        assertTrue(flow.waitIdle(10_000u), "the fetch ended")
        val review = flow.state() as? LoginState.ReviewLogin ?: throw AssertionError("not the review: ${flow.state()}")
        assertEquals("https://city.example.jp", review.challenge.origin)
        assertNull(rp.sessionAccount(url), "no session before the card answered")
        flow.accept()
        flow.enterPin(softwareCardAuthPin().toByteArray())
        assertTrue(flow.cardPresent(Shell(card)))
        assertTrue(flow.waitIdle(10_000u), "the sending ended")
        assertEquals(LoginState.LoggedIn("https://city.example.jp", review.challenge.relyingParty), flow.state())
        assertEquals(flow.state(), seen.states.last(), "the observer saw the end")
        return rp.sessionAccount(url)
    }

    @Test
    fun `a log-in through the Kotlin bindings gives the session that asked an account, the same card the same one`() {
        val first = rp.createLoginChallenge(300)
        val second = rp.createLoginChallenge(300)
        val account = logIn(first)
        assertNotNull(account)
        assertEquals(account, logIn(second), "another browser session, the same card: the same account")
        assertEquals(2u, rp.accepted())
        assertEquals(listOf("GET", "POST", "GET", "POST"), http.calls.map { it.substringBefore(' ') })
        assertNull(rp.sessionAccount(rp.createLoginChallenge(300)), "a session that did not log in has no account")
    }

    @Test
    fun `a log-in link never starts a signing, nor a signing link a log-in`() {
        val login = rp.loginLink(rp.createLoginChallenge(300))
        val sign = rp.deepLink(rp.createRequest(600))
        assertTrue(isLoginLink(login))
        assertFalse(isLoginLink(sign))
        val flow = LoginFlow.forLink(sign, http, Seen(), clock.clock()).also { flows += it }
        flow.start()
        assertTrue(flow.waitIdle(10_000u))
        assertEquals(LoginState.Failed(Notice.InvalidLink), flow.state())
        assertTrue(http.calls.isEmpty(), "nothing fetched")
    }
}
