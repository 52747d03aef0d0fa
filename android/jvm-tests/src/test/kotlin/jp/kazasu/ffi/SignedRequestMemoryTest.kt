package jp.kazasu.ffi

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * `rememberSignedRequestsIn` through the Kotlin bindings, as the app calls it at start-up with a file in its
 * private storage: a filed request is written there (when filed, not when signed), and a request found in the
 * file the app names (an earlier run's) is refused before the password. The memory is process-wide, so the
 * files stay in this module's target/ (removed by `mvn clean`) for the other tests of this JVM to write to.
 */
class SignedRequestMemoryTest {
    private val dir: Path = Files.createDirectories(Paths.get("target", "signed-request-memory"))

    private fun nonceOf(request: RequestDisplay): String =
        request.signedText.lines().firstNotNullOfOrNull { it.removePrefix("nonce\t").takeIf { n -> n != it } }
            ?: throw AssertionError("no nonce line in ${request.signedText}")

    private fun lines(file: Path): List<String> = if (Files.exists(file)) Files.readAllLines(file) else emptyList()

    @Test
    fun `a filed request is written to the app's file, and one found in the file is refused before the password`() {
        val file = dir.resolve("signed-requests")
        rememberSignedRequestsIn(file.toString())
        val rp = FakeRelyingParty("https://city.example.jp")
        val clock = TestClock(rp.now())
        val card = SoftwareCard()
        val flows = mutableListOf<SigningFlow>()
        fun open(url: String): SigningFlow = SigningFlow.forLink(url, rp.http(), Seen(), clock.clock()).also {
            flows += it
            it.start()
            assertTrue(it.waitIdle(10_000u), "the fetch ended")
        }
        try {
            val flow = open(rp.createRequest(600))
            val nonce = nonceOf((flow.state() as FlowState.ReviewRequest).request)
            flow.accept()
            flow.enterPin(softwareCardSignPin().toByteArray())
            assertTrue(flow.cardPresent(card.link()))
            assertTrue(flow.state() is FlowState.ConfirmFiling, "${flow.state()}")
            assertFalse(nonce in lines(file), "not remembered before 申請する")
            flow.file()
            assertTrue(flow.waitIdle(10_000u))
            assertTrue(flow.state() is FlowState.Done, "${flow.state()}")
            assertTrue(nonce in lines(file), "remembered in the file once filed")

            // As after a restart: a request an earlier run filed, named in the file the app names at start-up.
            val other = open(rp.createRequest(600))
            val earlier = nonceOf((other.state() as FlowState.ReviewRequest).request)
            val earlierRun = dir.resolve("from-an-earlier-run")
            Files.write(earlierRun, listOf(earlier))
            rememberSignedRequestsIn(earlierRun.toString())
            val exchanges = card.exchanges()
            other.accept()
            assertEquals(FlowState.Failed(Notice.AlreadySigned), other.state())
            assertFalse(other.cardPresent(card.link()))
            assertEquals(exchanges, card.exchanges(), "the card was not used")
            // What this process remembered is kept in the newly named file too.
            assertTrue(lines(earlierRun).containsAll(listOf(earlier, nonce)), "${lines(earlierRun)}")
        } finally {
            flows.forEach { it.close() }
            clock.close()
            rp.close()
            card.close()
        }
    }
}
