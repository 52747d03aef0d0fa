package jp.kazasu.app

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import jp.kazasu.ffi.HandoffFailure
import jp.kazasu.ffi.requestUrlOfLink

/**
 * Entry point: the launcher screen, the target of the same-device deep link (`kazasu://sign?r=…`), and the
 * receiver of the QR scanner's text. The text goes to the core ([requestUrlOfLink]); a request URL starts
 * [SignActivity], which fetches, shows, signs and submits. Nothing is parsed here.
 */
class MainActivity : Activity() {
    private lateinit var screen: Screen

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        screen = Screen(this)
        setContentView(screen.root)
        // A recreated screen (rotation, process restore) does not start the same request again.
        showHome(if (savedInstanceState == null) linkFrom(intent) else null)
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

    /** The text of a deep link or a scanned QR code: the core finds the request URL in it, or refuses it. */
    private fun onRequestLink(text: String) {
        val url = try {
            requestUrlOfLink(text)
        } catch (e: HandoffFailure) {
            screen.warning(getString(R.string.main_link_invalid))
            return
        }
        startActivity(SignActivity.intent(this, url))
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
