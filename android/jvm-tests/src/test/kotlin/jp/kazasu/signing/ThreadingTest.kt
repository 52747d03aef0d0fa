package jp.kazasu.signing

import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.HttpReply
import jp.kazasu.ffi.HttpTransport
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.TestClock
import jp.kazasu.ffi.softwareCardSignPin
import jp.kazasu.signing.flow.FlowShell
import jp.kazasu.signing.flow.PinInput
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The shell's threads with the real flow: every state is rendered on the UI thread, in the order the flow
 * reported it; card I/O runs on the card thread, HTTP off the UI thread; every card link is released.
 */
class ThreadingTest {
    @Test
    fun `states render on the ui thread and card and http work stay off it`() {
        val ui = Executors.newSingleThreadExecutor { Thread(it, "ui") }
        val cards = Executors.newSingleThreadExecutor { Thread(it, "card") }
        val card = SoftwareCard()
        val rp = FakeRelyingParty("https://city.example.jp")
        val served = rp.http()
        val threads = Collections.synchronizedMap(mutableMapOf<String, MutableSet<String>>())
        fun on(what: String) = threads.getOrPut(what) { Collections.synchronizedSet(mutableSetOf()) }.add(Thread.currentThread().name)
        val http = object : HttpTransport {
            override fun get(url: String, maxBody: UInt): HttpReply = served.get(url, maxBody).also { on("http") }
            override fun postJson(url: String, body: ByteArray, maxBody: UInt): HttpReply =
                served.postJson(url, body, maxBody).also { on("http") }
        }
        val tag = card.link()
        val link = object : CardTransport by tag {
            override fun transceive(command: ByteArray): ByteArray = tag.transceive(command).also { on("card") }
        }
        val rendered = Collections.synchronizedList(mutableListOf<String>())
        val review = CountDownLatch(1)
        val hold = CountDownLatch(1)
        val filing = CountDownLatch(1)
        val done = CountDownLatch(1)
        val shell = FlowShell(ui, cards) { state ->
            on("render")
            rendered += state.javaClass.simpleName
            when (state) {
                is FlowState.ReviewRequest -> review.countDown()
                is FlowState.HoldCard -> hold.countDown()
                is FlowState.ConfirmFiling -> filing.countDown()
                is FlowState.Done -> done.countDown()
                else -> Unit
            }
        }
        // The relying party's clock: its requests are dated inside the software card certificate's validity.
        val clock = TestClock(rp.now())
        val flow = SigningFlow.forLink(rp.deepLink(rp.createRequest(600)), http, shell, clock.clock())
        val early = CountDownLatch(1)
        val released = CountDownLatch(1)
        try {
            flow.start()
            assertTrue(review.await(10, TimeUnit.SECONDS))
            // A card before the person accepted: handed over, not used, kept (Android reports a tag only once).
            shell.cardPresent(flow, link) { early.countDown() }
            assertFalse(early.await(300, TimeUnit.MILLISECONDS), "a card the flow did not want yet is kept")
            assertEquals(0u, card.exchanges(), "a card before the person accepted is not used")
            // Accepted: the kept card is offered again and reads the tries for the password screen, then goes.
            ui.execute { flow.accept() }
            assertTrue(early.await(5, TimeUnit.SECONDS), "the early link was used once and released")
            assertEquals(3u, card.exchanges(), "the tries were read (SELECT AP, SELECT EF, counter)")
            ui.execute { PinInput.handOver(softwareCardSignPin().toCharArray(), flow::enterPin) }
            assertTrue(hold.await(10, TimeUnit.SECONDS))
            // As Android does: the tag arrives on a binder thread.
            Thread({ shell.cardPresent(flow, link) { released.countDown() } }, "nfc").start()
            assertTrue(filing.await(20, TimeUnit.SECONDS), "signed in one tap, shown again before 申請する")
            assertTrue(released.await(5, TimeUnit.SECONDS), "the signing link was released")
            assertEquals(0u, rp.posts(), "nothing sent before 申請する")
            ui.execute { flow.file() }
            assertTrue(done.await(20, TimeUnit.SECONDS), "submitted after 申請する")
            assertEquals(1u, rp.accepted())
            assertEquals(setOf("ui"), threads["render"])
            assertEquals(setOf("card"), threads["card"])
            assertTrue(threads["http"]!!.none { it == "ui" || it == "card" }, "http on the flow's thread: ${threads["http"]}")
            assertEquals(
                listOf("Fetching", "ReviewRequest", "EnterPin", "Working", "HoldCard", "ConfirmFiling", "Submitting", "Done"),
                rendered.distinct(),
            )
        } finally {
            ui.submit { shell.close(flow) }.get()
            ui.shutdown()
            cards.shutdown()
            cards.awaitTermination(5, TimeUnit.SECONDS)
            flow.close()
            clock.close()
            card.close()
            rp.close()
        }
    }
}
