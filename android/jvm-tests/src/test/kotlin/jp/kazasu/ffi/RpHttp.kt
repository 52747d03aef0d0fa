package jp.kazasu.ffi

import java.io.IOException
import java.util.Collections

/**
 * A Kotlin [HttpTransport] serving the exported fake relying party's answers, as the app's HttpURLConnection
 * transport would fetch them from a city's site. [failGet] / [failPost] make the next calls throw (an
 * `IOException` by default) instead of answering; [rewriteGet] lets a test play a hostile server; [hostAlias]
 * serves the relying party's answers for another origin (a hostile site copying a city's request).
 */
class RpHttp(private val rp: FakeRelyingParty) : HttpTransport {
    @Volatile var failGet: (() -> Exception)? = null
    @Volatile var failPost: (() -> Exception)? = null
    @Volatile var rewriteGet: ((String) -> String)? = null
    @Volatile var hostAlias: Pair<String, String>? = null

    /** "GET url" / "POST url" of every call, in order. */
    val calls: MutableList<String> = Collections.synchronizedList(mutableListOf())

    override fun get(url: String, maxBody: UInt): HttpReply {
        calls += "GET $url"
        failGet?.let { throw it() }
        val served = hostAlias?.let { (from, to) -> url.replace(from, to) } ?: url
        val reply = rp.answerGet(served)
        val rewrite = rewriteGet ?: return reply
        return HttpReply(reply.status, rewrite(reply.body.toString(Charsets.UTF_8)).toByteArray())
    }

    override fun postJson(url: String, body: ByteArray, maxBody: UInt): HttpReply {
        calls += "POST $url"
        failPost?.let { throw it() }
        return rp.answerPost(url, body)
    }

    companion object {
        fun ioFailure(): () -> Exception = { IOException("Connection reset") }
    }
}
