package jp.kazasu.signing.http

import com.sun.net.httpserver.HttpServer
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.util.concurrent.atomic.AtomicInteger
import jp.kazasu.ffi.CardSession
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.HttpFailure
import jp.kazasu.ffi.Shell
import jp.kazasu.ffi.SignPin
import jp.kazasu.ffi.SigningRequest
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.softwareCardSignPin
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
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
    private val redirectTargetHits = AtomicInteger()

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
        rp.close()
    }

    @Test
    fun `the whole hand-off runs over real http on loopback`() {
        val card = SoftwareCard()
        try {
            val http = UrlConnectionHttp()
            val now = rp.now()
            val request = SigningRequest.fetch(http, rp.createRequest(600), now)
            val shown = request.display()
            assertEquals(origin, shown.origin)
            assertFalse(shown.originIsHttps, "a development origin is marked as such")
            val signed = CardSession(Shell(card)).signRequest(SignPin(softwareCardSignPin().toByteArray()), false, request, now, null)
            val receipt = request.submit(http, signed)
            assertEquals(shown.requestId, receipt.requestId)
            assertEquals(signed.identity.name, receipt.name)
            assertEquals(1u, rp.accepted())
        } finally {
            card.close()
        }
    }

    @Test
    fun `a redirect is returned as it is and never followed`() {
        val reply = UrlConnectionHttp().get("$origin/moved", 1024u)
        assertEquals(302u, reply.status)
        val e = assertThrows(HandoffFailure.HttpStatus::class.java) {
            SigningRequest.fetch(UrlConnectionHttp(), "$origin/moved", rp.now())
        }
        assertEquals(302u, e.status)
        assertEquals(0, redirectTargetHits.get())
    }

    @Test
    fun `a body is read up to max plus one byte and no further`() {
        val reply = UrlConnectionHttp().get("$origin/big", 1000u)
        assertEquals(200u, reply.status)
        assertEquals(1001, reply.body.size)
        // Through the core: a request body over its limit is refused as too large.
        assertThrows(HandoffFailure.InvalidRequest::class.java) {
            SigningRequest.fetch(UrlConnectionHttp(), "$origin/big", rp.now())
        }
    }

    @Test
    fun `an error status comes back with the relying party's refusal`() {
        val e = assertThrows(HandoffFailure.Refused::class.java) {
            SigningRequest.fetch(UrlConnectionHttp(), "$origin/r/doesnotexist00", rp.now())
        }
        assertEquals(404u, e.status)
        assertEquals("no such request", e.rpMessage)
    }

    @Test
    fun `a refused connection is a typed network failure`() {
        val closedPort = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        val url = "http://127.0.0.1:$closedPort/r/abcdefgh1234"
        assertThrows(HttpFailure.Network::class.java) { UrlConnectionHttp(2000, 2000).get(url, 100u) }
        assertThrows(HandoffFailure.Network::class.java) { SigningRequest.fetch(UrlConnectionHttp(2000, 2000), url, rp.now()) }
    }
}
