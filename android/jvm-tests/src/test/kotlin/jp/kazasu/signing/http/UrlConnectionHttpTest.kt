package jp.kazasu.signing.http

import com.sun.net.httpserver.HttpServer
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.util.concurrent.atomic.AtomicInteger
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.HttpFailure
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.Seen
import jp.kazasu.ffi.Shell
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.TestClock
import jp.kazasu.ffi.softwareCardSignPin
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The app's HttpURLConnection transport against a real HTTP server on loopback (the JDK's), serving the fake
 * relying party: the whole hand-off over real HTTP, redirects not followed, bodies cut at maxBody + 1, and a
 * refused connection as a typed failure. The server binds 127.0.0.1 only and is stopped after each test.
 */
class UrlConnectionHttpTest {
    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
    private val origin = "http://127.0.0.1:${server.address.port}"
    private val rp = FakeRelyingParty(origin)
    private val clock = TestClock(rp.now())
    private val flows = mutableListOf<SigningFlow>()
    private val redirectTargetHits = AtomicInteger()

    /** A flow for [link] over the app's HttpURLConnection transport, started and fetched. */
    private fun fetched(link: String, http: UrlConnectionHttp = UrlConnectionHttp()): SigningFlow {
        val flow = SigningFlow.forLink(link, http, Seen(), clock.clock()).also { flows += it }
        flow.start()
        assertTrue(flow.waitIdle(20_000u), "the fetch ended")
        return flow
    }

    init {
        server.createContext("/r/") { ex ->
            val url = origin + ex.requestURI.rawPath
            val reply = if (ex.requestMethod == "POST") {
                rp.answerPost(url, ex.requestBody.readBytes())
            } else {
                rp.answerGet(url)
            }
            ex.responseHeaders.add("Content-Type", "application/json")
            ex.sendResponseHeaders(reply.status.toInt(), if (reply.body.isEmpty()) -1 else reply.body.size.toLong())
            ex.responseBody.use { it.write(reply.body) }
        }
        server.createContext("/moved") { ex ->
            ex.responseHeaders.add("Location", "$origin/target")
            ex.sendResponseHeaders(302, -1)
            ex.close()
        }
        server.createContext("/target") { ex ->
            redirectTargetHits.incrementAndGet()
            ex.sendResponseHeaders(200, 2)
            ex.responseBody.use { it.write("{}".toByteArray()) }
        }
        server.createContext("/big") { ex ->
            ex.sendResponseHeaders(200, 0) // chunked, no length: the reader must stop by itself
            ex.responseBody.use { out -> repeat(256) { out.write(ByteArray(4096) { 'x'.code.toByte() }) } }
        }
        server.start()
    }

    @AfterEach
    fun stop() {
        server.stop(0)
        flows.forEach { it.close() }
        clock.close()
        rp.close()
    }

    @Test
    fun `the whole hand-off runs over real http on loopback`() {
        val card = SoftwareCard()
        try {
            val flow = fetched(rp.createRequest(600))
            val shown = (flow.state() as FlowState.ReviewRequest).request
            assertEquals(origin, shown.origin)
            assertFalse(shown.originIsHttps, "a development origin is marked as such")
            flow.accept()
            flow.enterPin(softwareCardSignPin().toByteArray())
            assertTrue(flow.cardPresent(Shell(card)))
            assertTrue(flow.waitIdle(20_000u), "the signing ended")
            assertEquals(shown, (flow.state() as FlowState.ConfirmFiling).request)
            assertEquals(0u, rp.posts(), "nothing sent before 申請する")
            flow.file()
            assertTrue(flow.waitIdle(20_000u), "the sending ended")
            val done = flow.state() as FlowState.Done
            assertEquals(shown.requestId, done.receipt.requestId)
            assertEquals(done.result.identity.name, done.receipt.name)
            assertEquals(1u, rp.accepted())
        } finally {
            card.close()
        }
    }

    @Test
    fun `a redirect is returned as it is and never followed`() {
        val reply = UrlConnectionHttp().get("$origin/moved", 1024u)
        assertEquals(302u, reply.status)
        assertEquals(FlowState.Failed(Notice.HttpStatus(302u)), fetched("$origin/moved").state())
        assertEquals(0, redirectTargetHits.get())
    }

    @Test
    fun `a body is read up to max plus one byte and no further`() {
        val reply = UrlConnectionHttp().get("$origin/big", 1000u)
        assertEquals(200u, reply.status)
        assertEquals(1001, reply.body.size)
        // Through the core: a request body over its limit is refused as too large.
        assertEquals(FlowState.Failed(Notice.InvalidRequest), fetched("$origin/big").state())
    }

    @Test
    fun `an error status comes back with the relying party's refusal`() {
        val reply = UrlConnectionHttp().get("$origin/r/doesnotexist00", 1024u)
        assertEquals(404u, reply.status)
        assertTrue(reply.body.toString(Charsets.UTF_8).contains("no such request"))
        assertEquals(FlowState.Failed(Notice.RequestNotFound), fetched("$origin/r/doesnotexist00").state())
    }

    @Test
    fun `a refused connection is a typed network failure`() {
        val closedPort = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        val url = "http://127.0.0.1:$closedPort/r/abcdefgh1234"
        assertThrows(HttpFailure.Network::class.java) { UrlConnectionHttp(2000, 2000).get(url, 100u) }
        assertEquals(FlowState.Failed(Notice.Network), fetched(url, UrlConnectionHttp(2000, 2000)).state())
    }
}
