package jp.kazasu.app

import android.app.Activity
import android.view.View
import android.widget.EditText
import android.widget.ScrollView
import android.widget.TextView
import org.junit.After
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

/**
 * Large text (font scale 2.0) on a small screen (320dp wide): on every screen every button is laid out whole
 * (nothing ellipsized) inside the scroll container, so it can be scrolled to; every interactive view says
 * what it is (text, hint or content description); touch targets are at least 48dp.
 */
@RunWith(RobolectricTestRunner::class)
class LayoutTest {
    private val harnesses = mutableListOf<CardHarness<*>>()

    @After
    fun close() {
        harnesses.forEach { it.close() }
    }

    private fun check(a: Activity, where: String) {
        val density = a.resources.displayMetrics.density
        val dp = { px: Int -> px / density }
        val root = a.findViewById<View>(android.R.id.content)
        val interactive = Screens.views(a).filter { it.isClickable || it is EditText }.filter { isInside(it, root) }
        assertTrue("$where: something to press", interactive.isNotEmpty())
        for (v in interactive) {
            val label = (v as? TextView)?.text?.toString().orEmpty().ifEmpty { (v as? EditText)?.hint?.toString().orEmpty() }
                .ifEmpty { v.contentDescription?.toString().orEmpty() }
            assertTrue("$where: $v says what it is", label.isNotBlank())
            assertTrue("$where: \"$label\" is ${dp(v.height)}dp tall", dp(v.height) >= 48f)
            assertTrue("$where: \"$label\" is ${dp(v.width)}dp wide", dp(v.width) >= 48f)
            assertTrue("$where: \"$label\" is in a scroll container", generateSequence(v.parent) { it.parent }.any { it is ScrollView })
            if (v is TextView) {
                val layout = v.layout
                assertTrue("$where: \"$label\" laid out", layout != null)
                for (line in 0 until layout.lineCount) assertTrue("$where: \"$label\" cut off", layout.getEllipsisCount(line) == 0)
                assertTrue("$where: \"$label\" fits its button", layout.height <= v.height)
            }
            // Reachable: within the scrolled content, which the scroll container can bring on screen.
            val scroll = generateSequence(v.parent) { it.parent }.filterIsInstance<ScrollView>().first()
            assertTrue("$where: \"$label\" inside the scrolled content", bottomIn(v, scroll.getChildAt(0)) <= scroll.getChildAt(0).height)
        }
        // Nothing wider than the screen.
        for (v in Screens.views(a).filterIsInstance<TextView>()) assertTrue("$where: $v fits 320dp", dp(v.width) <= 320f)
    }

    private fun isInside(v: View, root: View): Boolean = generateSequence(v as View?) { it.parent as? View }.any { it === root }

    private fun bottomIn(v: View, ancestor: View): Int {
        var y = v.bottom
        var p = v.parent as View
        while (p !== ancestor) {
            y += p.top
            p = p.parent as View
        }
        return y
    }

    @Test
    fun `every screen keeps its buttons whole and reachable with large text on a 320dp screen`() {
        for (language in listOf("ja", "en")) {
            for (stop in Stop.values()) {
                val h = SignHarness(language, tries = stop.tries).also { harnesses += it }
                RuntimeEnvironment.setQualifiers("$language-w320dp-h480dp")
                RuntimeEnvironment.setFontScale(2.0f)
                stop.reach(h)
                check(h.activity, "$stop ($language)")
                h.close()
            }
            val main = Robolectric.buildActivity(MainActivity::class.java).setup().get()
            check(main, "MainActivity ($language)")
        }
    }

    @Test
    fun `every log-in screen keeps its buttons whole and reachable with large text on a 320dp screen`() {
        val pin = jp.kazasu.ffi.softwareCardAuthPin()
        // Each screen with its buttons, and how to get there from a fresh LoginActivity.
        val stops = listOf<Triple<String, Int, (LoginHarness) -> Unit>>(
            Triple("ReviewLogin", 3) { _ -> },
            Triple("EnterPin", 3) { h -> h.click(h.words["login_review_accept"]) },
            Triple("ConfirmLastTry", 1) { h -> h.click(h.words["login_review_accept"]); h.typePin(pin); h.tap() },
            Triple("SubmitFailed", 3) { h -> h.rp.distrustAuthCa(); h.click(h.words["login_review_accept"]); h.typePin(pin); h.tap() },
            Triple("LoggedIn", 3) { h -> h.click(h.words["login_review_accept"]); h.typePin(pin); h.tap() },
        )
        for (language in listOf("ja", "en")) {
            for ((state, tries, reach) in stops) {
                val h = LoginHarness(language, tries = tries).also { harnesses += it }
                RuntimeEnvironment.setQualifiers("$language-w320dp-h480dp")
                RuntimeEnvironment.setFontScale(2.0f)
                h.open()
                reach(h)
                org.junit.Assert.assertEquals(state, jp.kazasu.ffi.describeLoginState(h.flow.state()).name)
                h.checkScreen()
                check(h.activity, "$state ($language)")
                h.close()
            }
        }
    }
}
