package jp.kazasu.app

import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import java.io.File
import java.net.URLEncoder
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.LoginState
import jp.kazasu.ffi.Notice
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf

/**
 * The ways into the app: the verified App Link, the kazasu:// fallback, the launcher and the scanner's result,
 * each resolved by the packaged manifest's intent filters (Robolectric's PackageManager reads them) and each
 * reaching SignActivity with the link exactly as it came.
 */
@RunWith(RobolectricTestRunner::class)
class LinkEntryTest {
    private var h: SignHarness? = null
    private var login: LoginHarness? = null

    @After
    fun close() {
        h?.close()
        login?.close()
    }

    private fun harness(language: String = "en") = SignHarness(language).also { h = it }

    private fun loginHarness(language: String = "en") = LoginHarness(language).also { login = it }

    private fun appLinkHost(): String =
        Regex("(?m)^host\\s*=\\s*\"([^\"]+)\"").find(File(System.getProperty("kazasu.app-links")).readText())!!.groupValues[1]

    private fun view(link: String) = Intent(Intent.ACTION_VIEW, Uri.parse(link))
        .addCategory(Intent.CATEGORY_BROWSABLE).addCategory(Intent.CATEGORY_DEFAULT)

    /** The one activity the manifest gives [intent] to, and its filter. */
    private fun resolve(intent: Intent) = (h?.app ?: login!!.app).packageManager.queryIntentActivities(intent, PackageManager.GET_RESOLVED_FILTER).single()

    /** MainActivity opened by [intent]: the SignActivity intent it started, launched, and the first screen. */
    private fun enter(intent: Intent): Intent {
        val main = Robolectric.buildActivity(MainActivity::class.java, intent).setup().get()
        val started = shadowOf(main).nextStartedActivity
        assertEquals(SignActivity::class.java.name, started.component?.className)
        assertNull("one SignActivity per link", shadowOf(main).nextStartedActivity)
        val sign = Robolectric.buildActivity(SignActivity::class.java, started).setup()
        h!!.controller = sign
        h!!.settle()
        return started
    }

    @Test
    fun `the verified App Link opens MainActivity, which hands the link unparsed to SignActivity`() {
        val h = harness("ja")
        val host = appLinkHost()
        val requestUrl = Uri.parse(h.link).getQueryParameter("r")!!
        val link = "https://$host/sign?r=" + URLEncoder.encode(requestUrl, "UTF-8")
        val info = resolve(view(link))
        assertEquals(MainActivity::class.java.name, info.activityInfo.name)
        assertTrue("the App Link's filter is autoVerify", info.filter.autoVerify)
        val started = enter(view(link))
        assertEquals(link, started.getStringExtra(CardActivity.EXTRA_LINK))
        assertEquals(listOf(link), h.app.links)
        assertTrue(h.flow.state() is FlowState.ReviewRequest)
        h.checkScreen()
    }

    @Test
    fun `the kazasu scheme fallback opens the same way`() {
        val h = harness("en")
        val info = resolve(view(h.link))
        assertEquals(MainActivity::class.java.name, info.activityInfo.name)
        val started = enter(view(h.link))
        assertEquals(h.link, started.getStringExtra(CardActivity.EXTRA_LINK))
        assertEquals(listOf(h.link), h.app.links)
        assertTrue(h.flow.state() is FlowState.ReviewRequest)
        h.checkScreen()
    }

    /** MainActivity opened by [intent]: the LoginActivity intent it started, launched, and the first screen. */
    private fun enterLogin(intent: Intent): Intent {
        val main = Robolectric.buildActivity(MainActivity::class.java, intent).setup().get()
        val started = shadowOf(main).nextStartedActivity
        assertEquals(LoginActivity::class.java.name, started.component?.className)
        assertNull("one LoginActivity per link", shadowOf(main).nextStartedActivity)
        login!!.controller = Robolectric.buildActivity(LoginActivity::class.java, started).setup()
        login!!.settle()
        return started
    }

    @Test
    fun `the verified log-in App Link opens MainActivity, which hands the link unparsed to LoginActivity`() {
        val h = loginHarness("ja")
        val challengeUrl = Uri.parse(h.link).getQueryParameter("r")!!
        val link = "https://${appLinkHost()}/login?r=" + URLEncoder.encode(challengeUrl, "UTF-8")
        val info = resolve(view(link))
        assertEquals(MainActivity::class.java.name, info.activityInfo.name)
        assertTrue("the log-in App Link's filter is autoVerify", info.filter.autoVerify)
        val started = enterLogin(view(link))
        assertEquals(link, started.getStringExtra(CardActivity.EXTRA_LINK))
        assertEquals(listOf(link), h.app.links)
        assertTrue(h.flow.state() is LoginState.ReviewLogin)
        h.checkScreen()
    }

    @Test
    fun `the kazasu login fallback and a scanned log-in QR code open the log-in screen the same way`() {
        val h = loginHarness("en")
        assertTrue("the link is kazasu://login", h.link.startsWith("kazasu://login?r="))
        assertEquals(MainActivity::class.java.name, resolve(view(h.link)).activityInfo.name)
        val started = enterLogin(view(h.link))
        assertEquals(h.link, started.getStringExtra(CardActivity.EXTRA_LINK))
        assertTrue(h.flow.state() is LoginState.ReviewLogin)
        h.checkScreen()
        // The scanner's text: the log-in link goes to LoginActivity, a signing request's to SignActivity.
        val main = Robolectric.buildActivity(MainActivity::class.java, Intent(Intent.ACTION_MAIN)).setup().get()
        Screens.buttons(main).single().performClick()
        val scan = shadowOf(main).nextStartedActivityForResult
        shadowOf(main).nextStartedActivity
        shadowOf(main).receiveResult(scan.intent, Activity.RESULT_OK, Intent().putExtra(ScanActivity.EXTRA_TEXT, h.link))
        val opened = shadowOf(main).nextStartedActivity
        assertEquals(LoginActivity::class.java.name, opened.component?.className)
        assertEquals(h.link, opened.getStringExtra(CardActivity.EXTRA_LINK))
        val request = h.rp.createRequest(600)
        shadowOf(main).receiveResult(scan.intent, Activity.RESULT_OK, Intent().putExtra(ScanActivity.EXTRA_TEXT, request))
        assertEquals(SignActivity::class.java.name, shadowOf(main).nextStartedActivity.component?.className)
    }

    @Test
    fun `a link of another host or scheme is not the app's`() {
        harness()
        for (other in listOf("https://city.example.jp/sign?r=x", "https://city.example.jp/login?r=x", "https://kazasu.example/other?r=x", "kazasu://other?r=x")) {
            val found = h!!.app.packageManager.queryIntentActivities(view(other), 0)
            assertTrue("$other resolves to ${found.map { it.activityInfo.name }}", found.isEmpty())
        }
    }

    @Test
    fun `a refused link shows the refusal screen, before any card or network`() {
        val h = harness("ja")
        h.app.make = null // the app's own flow: the link is refused before its HTTP is used
        val refused = "kazasu://sign?r=" + URLEncoder.encode("http://city.example.jp/r/1", "UTF-8")
        enter(view(refused))
        assertEquals(listOf(refused), h.app.links)
        assertEquals(FlowState.Failed(Notice.InvalidLink), h.flow.state())
        h.checkScreen()
        h.click(h.words["close"])
        assertTrue(h.activity.isFinishing)
    }

    @Test
    fun `the launcher opens MainActivity with the scanner's button and no flow`() {
        val h = harness("ja")
        val launcher = Intent(Intent.ACTION_MAIN).addCategory(Intent.CATEGORY_LAUNCHER).setPackage(h.app.packageName)
        assertEquals(MainActivity::class.java.name, resolve(launcher).activityInfo.name)
        val main = Robolectric.buildActivity(MainActivity::class.java, launcher).setup().get()
        assertEquals(listOf(h.words["app_name"], h.words["main_intro_android"]), Screens.texts(main))
        assertEquals(listOf(h.words["main_scan"]), Screens.buttonTexts(main))
        assertNull("no flow without a link", shadowOf(main).nextStartedActivity)
        Screens.buttons(main).single().performClick()
        val scan = shadowOf(main).nextStartedActivityForResult
        assertEquals(ScanActivity::class.java.name, scan.intent.component?.className)
        assertEquals(ScanActivity::class.java.name, shadowOf(main).nextStartedActivity.component?.className)
        // The scanner's text goes to SignActivity unparsed, once.
        shadowOf(main).receiveResult(scan.intent, Activity.RESULT_OK, Intent().putExtra(ScanActivity.EXTRA_TEXT, h.link))
        assertEquals(h.link, shadowOf(main).nextStartedActivity.getStringExtra(CardActivity.EXTRA_LINK))
        assertNull(shadowOf(main).nextStartedActivity)
        // A cancelled scan opens nothing.
        shadowOf(main).receiveResult(scan.intent, Activity.RESULT_CANCELED, null)
        assertNull(shadowOf(main).nextStartedActivity)
        assertTrue(h.app.links.isEmpty())
    }

    @Test
    fun `a second link while the app is open starts a second signing screen, and a recreated MainActivity starts none`() {
        val h = harness("en")
        val controller = Robolectric.buildActivity(MainActivity::class.java, view(h.link)).setup()
        assertEquals(h.link, shadowOf(controller.get()).nextStartedActivity.getStringExtra(CardActivity.EXTRA_LINK))
        val second = h.rp.deepLink(h.rp.createRequest(600))
        controller.newIntent(view(second))
        assertEquals(second, shadowOf(controller.get()).nextStartedActivity.getStringExtra(CardActivity.EXTRA_LINK))
        controller.recreate()
        assertNull("a recreated MainActivity does not open the same request again", shadowOf(controller.get()).nextStartedActivity)
    }
}
