package jp.kazasu.app

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import java.util.concurrent.ExecutorService
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.TestClock
import jp.kazasu.signing.nfc.NfcCardReader
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.robolectric.RuntimeEnvironment
import org.robolectric.android.controller.ActivityController
import org.robolectric.shadow.api.Shadow
import org.robolectric.shadows.ShadowNfcAdapter

/**
 * One card screen (SignActivity, LoginActivity) under test with the real core behind it: the fake relying party
 * and a test clock at its time, the software card [card] in [CardField]. Steps go through the screen as a person
 * takes them (buttons, the password field, a tap), and [settle] waits until the card thread, the flows' threads
 * and the main looper have nothing left to do.
 */
abstract class CardHarness<A : CardActivity>(val language: String, val card: SoftwareCard) {
    val app = RuntimeEnvironment.getApplication() as TestApp
    val words = Catalog.of(language)
    val rp = FakeRelyingParty(ORIGIN)
    val clock = TestClock(rp.now())
    val adapter: NfcAdapter = run {
        ShadowNfcAdapter.setNfcHardwareExists(true)
        org.robolectric.Shadows.shadowOf(app.packageManager).setSystemFeature(android.content.pm.PackageManager.FEATURE_NFC, true)
        NfcAdapter.getDefaultAdapter(app)
    }
    lateinit var controller: ActivityController<A>
    val activity: A get() = controller.get()

    init {
        RuntimeEnvironment.setQualifiers(language)
        app.closeFlows()
        CardField.reset()
        CardField.card = card
        nfc().setEnabled(true)
    }

    fun nfc(): FieldNfcAdapter = Shadow.extract(adapter)

    /** Until the card thread, the flows' own threads and the main looper are idle (a state can start more work). */
    fun settle(a: Activity = activity) {
        val cards = CardActivity::class.java.getDeclaredField("cards").apply { isAccessible = true }.get(a) as ExecutorService
        repeat(4) {
            if (!cards.isShutdown) cards.submit {}.get(20, TimeUnit.SECONDS)
            synchronized(app.flows) { app.flows.toList() }.forEach { assertTrue("the flow's work ended", it.waitIdle(20_000u)) }
            synchronized(app.logins) { app.logins.toList() }.forEach { assertTrue("the log-in's work ended", it.waitIdle(20_000u)) }
            Screens.idleMain()
        }
    }

    fun click(text: String) {
        val b = Screens.button(activity, text)
        assertNotNull("a button \"$text\" on ${Screens.buttonTexts(activity)}", b)
        assertTrue(b!!.performClick())
        settle()
    }

    /** Presses the first of [texts] the screen shows; none shown: the person cannot take this step here. */
    fun clickIfShown(vararg texts: String) {
        val b = texts.firstOrNull { Screens.button(activity, it) != null } ?: return
        click(b)
    }

    /** Types [pin] into the password field and presses 次へ; the field is empty afterwards. */
    fun typePin(pin: String) {
        val fields = Screens.fields(activity)
        assertEquals("one password field", 1, fields.size)
        fields[0].setText(pin)
        click(words["state_enter_pin_next"])
        // The screen after it has no field, or a fresh one; the field typed into holds nothing.
        assertEquals("the typed password is cleared from its field", "", fields[0].text.toString())
    }

    /** A tap: the card comes into the field, the app takes its tag, the person lifts the card. Returns whether the flow used it. */
    fun tap(): Boolean {
        val tag: Tag = CardField.tap(adapter)
        settle()
        CardField.lift(tag)
        return CardField.wasClosed(tag)
    }

    private var closed = false

    fun close() {
        if (closed) return
        closed = true
        if (::controller.isInitialized && !activity.isDestroyed) controller.pause().stop().destroy()
        app.closeFlows()
        clock.close()
        rp.close()
        card.close()
        CardField.reset()
    }

    /** Reader mode is on for this screen, with the app's flags and presence-check delay. */
    fun assertReaderMode(on: Boolean) {
        assertEquals("reader mode", on, nfc().isInReaderMode)
        if (on) {
            assertEquals(NfcCardReader.FLAGS, nfc().readerFlags)
            assertEquals(
                NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK,
                nfc().readerFlags,
            )
            assertEquals(NfcCardReader.PRESENCE_CHECK_DELAY_MS, nfc().readerModeExtras?.getInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY))
        }
    }

    fun assertNothingSent() = assertEquals("nothing sent to the relying party", 0u, rp.posts())

    fun assertNotFinishing() = assertFalse(activity.isFinishing)

    companion object {
        const val ORIGIN = "https://city.example.jp"
    }
}
