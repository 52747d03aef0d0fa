package jp.kazasu.app

import android.content.res.Configuration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.WayOut
import jp.kazasu.ffi.describeState
import jp.kazasu.ffi.wayOutOf
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner

/**
 * SignActivity's lifecycle, as the design says (android/README.md): a rotation changes nothing (configChanges:
 * the flow and the card link live on); closing the screen — back, or the system destroying it — cancels: a
 * typed password is forgotten, an unsent signature dropped, nothing sent; a screen the system recreates starts
 * the link afresh. Backgrounding while the card works turns reader mode off and lets the card finish.
 */
@RunWith(RobolectricTestRunner::class)
class LifecycleTest {
    private val harnesses = mutableListOf<SignHarness>()

    @After
    fun close() {
        harnesses.forEach { it.close() }
    }

    private fun at(stop: Stop): SignHarness = SignHarness("ja", tries = stop.tries).also { harnesses += it; stop.reach(it) }

    @Test
    fun `a rotation on every screen keeps the screen, its flow and a typed password`() {
        for (stop in Stop.values()) {
            val h = at(stop)
            val before = h.activity
            val state = h.flow.state()
            if (stop == Stop.PIN) Screens.fields(h.activity).single().setText("ABC")
            val landscape = Configuration(h.activity.resources.configuration).apply { orientation = Configuration.ORIENTATION_LANDSCAPE }
            h.controller.configurationChange(landscape)
            h.settle()
            assertSame("$stop: the same activity (configChanges)", before, h.activity)
            assertEquals("$stop: one flow", 1, h.app.flows.size)
            assertEquals("$stop: state kept", describeState(state), describeState(h.flow.state()))
            h.checkScreen()
            if (stop == Stop.PIN) assertEquals("ABC", Screens.fields(h.activity).single().text.toString())
            h.assertReaderMode(true)
            h.close()
        }
    }

    @Test
    fun `a screen the system recreates cancels its flow, sends nothing, and starts the link afresh`() {
        for (stop in Stop.values()) {
            val h = at(stop)
            val old = h.flow
            val ended = wayOutOf(old.state()) == WayOut.CLOSE
            val endedState = describeState(old.state())
            val posts = h.rp.posts()
            if (stop == Stop.PIN) Screens.fields(h.activity).single().setText("ABC123")
            h.controller.recreate()
            h.settle()
            // The old flow: cancelled (a typed password forgotten, a signature dropped), or left as it ended.
            assertEquals("$stop: the old flow", if (ended) endedState else describeState(FlowState.Cancelled), describeState(old.state()))
            assertEquals("$stop: nothing more sent", posts, h.rp.posts())
            // The new screen: the same link, a new flow from its start — except for a request whose signature
            // was sent (filed, or a sending without an answer): the core remembers it and refuses it again;
            // an expired request stays expired.
            assertEquals("$stop: the link opened again, as it was", listOf(h.link, h.link), h.app.links)
            val now = describeState(h.flow.state())
            if (stop == Stop.DONE || stop == Stop.SUBMIT_FAILED) {
                assertEquals("$stop: refused as sent before", "Failed/AlreadySigned", "${now.name}/${now.notice}")
            } else if (stop == Stop.FAILED) {
                assertEquals("$stop: still expired", "Failed/Expired", "${now.name}/${now.notice}")
            } else {
                assertEquals("$stop: the new flow starts over", "ReviewRequest", now.name)
            }
            h.checkScreen()
            assertTrue("$stop: no password typed in the new screen", Screens.fields(h.activity).isEmpty())
            h.close()
        }
    }

    @Test
    fun `back on every screen leaves it, and the flow ends as the screen's way out says`() {
        for (stop in Stop.values()) {
            val h = at(stop)
            val state = h.flow.state()
            val posts = h.rp.posts()
            val presentations = h.card.pinPresentations()
            @Suppress("DEPRECATION")
            h.activity.onBackPressed()
            assertTrue("$stop: back closes the screen", h.activity.isFinishing)
            h.controller.pause().stop().destroy()
            val want = when (wayOutOf(state)) {
                WayOut.CLOSE -> describeState(state) // ended already: back only closes
                // Cancel / Discard, and the screens whose own buttons are the way out (the last-try
                // confirmation, the filing review): back is their "no" — declined, or the signature dropped.
                WayOut.CANCEL, WayOut.DISCARD, WayOut.NONE -> describeState(FlowState.Cancelled)
            }
            assertEquals("$stop: the flow after back", want, describeState(h.flow.state()))
            assertEquals("$stop: nothing sent by back", posts, h.rp.posts())
            assertEquals("$stop: no password presented by back", presentations, h.card.pinPresentations())
            h.close()
        }
    }

    @Test
    fun `backgrounding during a tap turns reader mode off, the card finishes, and the result shows on return`() {
        val h = at(Stop.HOLD_CARD)
        h.assertReaderMode(true)
        val release = CountDownLatch(1)
        val holding = CountDownLatch(1)
        CardField.hold = release
        CardField.holding = holding
        val tag = CardField.tap(h.adapter)
        assertTrue("the card is at work", holding.await(20, TimeUnit.SECONDS))
        h.controller.pause().stop()
        h.assertReaderMode(false)
        release.countDown()
        h.settle()
        CardField.lift(tag)
        assertTrue("the link was released", CardField.wasClosed(tag))
        assertEquals(1u, h.card.signatures())
        assertTrue(h.flow.state() is FlowState.ConfirmFiling)
        h.assertNothingSent()
        h.controller.start().resume()
        h.settle()
        h.assertReaderMode(true)
        h.checkScreen()
    }
}
