package jp.kazasu.app

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.os.Bundle

/**
 * Entry point: the launcher screen, the target of the same-device deep link (`kazasu://…`), and the receiver of
 * the QR scanner's text. A received link is passed on as text to [onRequestLink]; fetching and checking the
 * request behind it belongs to the hand-off protocol (its own issue), which then starts [SignActivity].
 */
class MainActivity : Activity() {
    private lateinit var screen: Screen

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        screen = Screen(this)
        setContentView(screen.root)
        showHome(linkFrom(intent))
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        showHome(linkFrom(intent))
    }

    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode == REQUEST_SCAN && resultCode == RESULT_OK) {
            data?.getStringExtra(ScanActivity.EXTRA_TEXT)?.let { showHome(it) }
        }
    }

    private fun showHome(link: String?) {
        screen.clear()
        screen.title(getString(R.string.app_name))
        if (link != null) {
            onRequestLink(link)
        }
        screen.text(getString(R.string.main_intro))
        screen.button(getString(R.string.main_scan)) {
            startActivityForResult(Intent(this, ScanActivity::class.java), REQUEST_SCAN)
        }
    }

    /** The text of a deep link or a scanned QR code, handed on unparsed (the core validates it). */
    private fun onRequestLink(text: String) {
        screen.text(getString(R.string.main_received_link, text))
        screen.warning(getString(R.string.main_link_not_yet))
    }

    private fun linkFrom(intent: Intent?): String? {
        if (intent?.action != Intent.ACTION_VIEW) return null
        val uri: Uri = intent.data ?: return null
        return uri.toString()
    }

    companion object {
        private const val REQUEST_SCAN = 1
    }
}
