package jp.kazasu.app

import android.app.Activity
import android.graphics.Typeface
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView

/**
 * A tiny builder for the app's screens: plain framework views in code (no XML layouts, no androidx), so the
 * whole UI is compile-checked against the framework jar in CI.
 */
class Screen(private val activity: Activity) {
    private val column = LinearLayout(activity).apply {
        orientation = LinearLayout.VERTICAL
        val pad = dp(20)
        setPadding(pad, pad, pad, pad)
    }

    val root: View = ScrollView(activity).apply { addView(column) }

    fun clear() = column.removeAllViews()

    fun title(text: CharSequence): TextView = text(text).apply {
        textSize = 22f
        setTypeface(typeface, Typeface.BOLD)
    }

    fun text(text: CharSequence): TextView = TextView(activity).apply {
        this.text = text
        textSize = 17f
        setPadding(0, dp(8), 0, dp(8))
    }.also { add(it) }

    fun warning(text: CharSequence): TextView = text(text).apply {
        setTextColor(0xFFB00020.toInt())
        setTypeface(typeface, Typeface.BOLD)
    }

    fun button(text: CharSequence, onClick: () -> Unit): Button = Button(activity).apply {
        this.text = text
        setOnClickListener { onClick() }
    }.also { add(it) }

    fun add(view: View) {
        column.addView(
            view,
            LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT),
        )
    }

    private fun dp(v: Int): Int = (v * activity.resources.displayMetrics.density).toInt()
}
