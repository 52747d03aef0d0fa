package jp.kazasu.signing

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.CardTransport
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.HttpReply
import jp.kazasu.ffi.HttpTransport
import jp.kazasu.ffi.RpHttp
import jp.kazasu.ffi.Shell
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.softwareCardSignPin
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.flow.SignController
import jp.kazasu.signing.flow.SignState
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** With real threads: HTTP and card I/O never run on the UI thread, and every state reaches the screen on it. */
class ThreadingTest {
    @Test
    fun `http and card io run on the io thread and rendering on the ui thread`() {
        val ui = Executors.newSingleThreadExecutor { Thread(it, "ui") }
        val io = Executors.newSingleThreadExecutor { Thread(it, "io") }
        val card = SoftwareCard()
        val ioThreads = java.util.Collections.synchronizedSet(mutableSetOf<String>())
        val renderThreads = java.util.Collections.synchronizedSet(mutableSetOf<String>())
        val atPin = CountDownLatch(1)
        val shown = CountDownLatch(1)
        val done = CountDownLatch(1)
        val rp = FakeRelyingParty("https://city.example.jp")
        val served = RpHttp(rp)
        val http = object : HttpTransport {
            override fun get(url: String, maxBody: UInt): HttpReply {
                ioThreads += Thread.currentThread().name
                return served.get(url, maxBody)
            }

            override fun postJson(url: String, body: ByteArray, maxBody: UInt): HttpReply {
                ioThreads += Thread.currentThread().name
                return served.postJson(url, body, maxBody)
            }
        }
        val controller = SignController(rp.createRequest(600), http, { rp.now() }, io, ui) { state ->
            renderThreads += Thread.currentThread().name
            if (state is SignState.Review) shown.countDown()
            if (state is SignState.EnterPin) atPin.countDown()
            if (state is SignState.Done) done.countDown()
        }
        val shell = Shell(card)
        val link = object : CardTransport by shell {
            override fun transceive(command: ByteArray): ByteArray {
                ioThreads += Thread.currentThread().name
                return shell.transceive(command)
            }
        }
        try {
            ui.execute { controller.start() }
            assertTrue(shown.await(10, TimeUnit.SECONDS))
            ui.execute { controller.accept() }
            // As Android does: the tag arrives on another thread (a binder thread there).
            Thread({ controller.onCardPresent(link) }, "nfc").start()
            assertTrue(atPin.await(10, TimeUnit.SECONDS))
            ui.execute {
                val input = PinInput()
                softwareCardSignPin().forEach { input.append(it) }
                controller.submitPin(input)
            }
            assertTrue(done.await(20, TimeUnit.SECONDS), "signed with the card left on the phone, and submitted")
            assertEquals(1u, rp.accepted())
            assertEquals(setOf("io"), ioThreads)
            assertEquals(setOf("ui"), renderThreads)
        } finally {
            ui.submit { controller.dispose() }.get()
            ui.shutdown()
            io.shutdown()
            io.awaitTermination(5, TimeUnit.SECONDS)
            card.close()
            rp.close()
        }
    }
}
