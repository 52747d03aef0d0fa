package jp.kazasu.app

import android.app.Activity
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import org.robolectric.Shadows.shadowOf

/** What a screen shows, read from its views as a person would see them. */
object Screens {
    fun views(activity: Activity): List<View> {
        val out = mutableListOf<View>()
        fun walk(v: View) {
            if (v.visibility != View.VISIBLE) return
            out += v
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        // The activity's content (not the window's title bar).
        walk(activity.findViewById(android.R.id.content))
        return out
    }

    fun buttons(activity: Activity): List<Button> = views(activity).filterIsInstance<Button>()

    fun buttonTexts(activity: Activity): List<String> = buttons(activity).map { it.text.toString() }

    /** The texts of the screen (not buttons, not the password field). */
    fun texts(activity: Activity): List<String> =
        views(activity).filter { it is TextView && it !is Button && it !is EditText }.map { (it as TextView).text.toString() }

    fun fields(activity: Activity): List<EditText> = views(activity).filterIsInstance<EditText>()

    fun secure(activity: Activity): Boolean = activity.window.attributes.flags and WindowManager.LayoutParams.FLAG_SECURE != 0

    fun button(activity: Activity, text: String): Button? = buttons(activity).firstOrNull { it.text.toString() == text }

    fun idleMain() = shadowOf(Looper.getMainLooper()).idle()
}
