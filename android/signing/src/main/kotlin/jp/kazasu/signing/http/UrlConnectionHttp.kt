package jp.kazasu.signing.http

import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.URI
import jp.kazasu.ffi.HttpFailure
import jp.kazasu.ffi.HttpReply
import jp.kazasu.ffi.HttpTransport

/**
 * The hand-off's HTTP on `java.net.HttpURLConnection` (framework API on Android, also on the JVM, so it is
 * tested there against a loopback server). What the core requires of an [HttpTransport]:
 *  - redirects are **not** followed (`instanceFollowRedirects = false`): a 3xx is returned as it is and the core
 *    refuses it, so a request can never leave the origin the person is shown;
 *  - a body is read up to `maxBody + 1` bytes and no further (the core reports "too large" beyond `maxBody`);
 *  - error statuses come back with their body (the relying party's refusal is JSON);
 *  - no caches, short timeouts; TLS is verified by the platform as usual (no custom trust);
 *  - any I/O failure is thrown as [HttpFailure.Network] (anything else thrown would arrive as `Network` too).
 * Blocking: call only off the main thread (the core's calls run on the controller's io executor).
 */
class UrlConnectionHttp(
    private val connectTimeoutMs: Int = 15_000,
    private val readTimeoutMs: Int = 15_000,
) : HttpTransport {
    override fun get(url: String, maxBody: UInt): HttpReply = exchange(url, null, maxBody)

    override fun postJson(url: String, body: ByteArray, maxBody: UInt): HttpReply = exchange(url, body, maxBody)

    private fun exchange(url: String, body: ByteArray?, maxBody: UInt): HttpReply {
        val connection = try {
            URI(url).toURL().openConnection() as? HttpURLConnection
        } catch (e: IOException) {
            throw HttpFailure.Network("${e.javaClass.simpleName}: ${e.message}")
        } catch (e: IllegalArgumentException) {
            throw HttpFailure.Network("not a URL")
        } catch (e: java.net.URISyntaxException) {
            throw HttpFailure.Network("not a URL")
        } ?: throw HttpFailure.Network("not an http(s) URL")
        try {
            connection.instanceFollowRedirects = false
            connection.useCaches = false
            connection.connectTimeout = connectTimeoutMs
            connection.readTimeout = readTimeoutMs
            connection.setRequestProperty("Accept", "application/json")
            if (body != null) {
                connection.requestMethod = "POST"
                connection.doOutput = true
                connection.setRequestProperty("Content-Type", "application/json")
                connection.setFixedLengthStreamingMode(body.size)
                connection.outputStream.use { it.write(body) }
            } else {
                connection.requestMethod = "GET"
            }
            val status = connection.responseCode
            if (status < 0) throw HttpFailure.Network("no HTTP status line")
            val stream: InputStream? = if (status >= 400) connection.errorStream else connection.inputStream
            val bytes = stream?.use { readAtMost(it, maxBody.toLong() + 1) } ?: ByteArray(0)
            return HttpReply(status.toUInt(), bytes)
        } catch (e: IOException) {
            throw HttpFailure.Network("${e.javaClass.simpleName}: ${e.message}")
        } finally {
            connection.disconnect()
        }
    }

    companion object {
        /** Reads at most [limit] bytes of [input]; whatever follows is never read. */
        fun readAtMost(input: InputStream, limit: Long): ByteArray {
            val cap = limit.coerceIn(0L, Int.MAX_VALUE.toLong() - 8).toInt()
            val out = java.io.ByteArrayOutputStream(minOf(cap, 8192))
            val buffer = ByteArray(8192)
            var total = 0
            while (total < cap) {
                val n = input.read(buffer, 0, minOf(buffer.size, cap - total))
                if (n < 0) break
                out.write(buffer, 0, n)
                total += n
            }
            return out.toByteArray()
        }
    }
}
