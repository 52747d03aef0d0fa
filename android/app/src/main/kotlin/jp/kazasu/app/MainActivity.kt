package jp.kazasu.app

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import jp.kazasu.ffi.isLoginLink

/**
 * Entry point: the launcher screen, the target of the same-device links (the verified App Links
 * `https://<app-link host>/sign?r=…` and `…/login?r=…`, or their fallbacks `kazasu://sign?r=…` and
 * `kazasu://login?r=…`), and the receiver of the QR scanner's text. The link goes unparsed to [LoginActivity] when
 * the core says it asks for a log-in ([isLoginLink]), to [SignActivity] otherwise; their flows check it.
 */
class MainActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val screen = Screen(this)
        setContentView(screen.root)
        screen.title(getString(R.string.app_name))
        screen.text(getString(R.string.main_intro_android))
        screen.button(getString(R.string.main_scan)) {
            startActivityForResult(Intent(this, ScanActivity::class.java), REQUEST_SCAN)
        }
        // A recreated screen (rotation, process restore) does not start the same request again.
        if (savedInstanceState == null) open(linkFrom(intent))
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        open(linkFrom(intent))
    }

    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode == REQUEST_SCAN && resultCode == RESULT_OK) open(data?.getStringExtra(ScanActivity.EXTRA_TEXT))
    }

    private fun open(link: String?) {
        if (link == null) return
        startActivity(if (isLoginLink(link)) LoginActivity.intent(this, link) else SignActivity.intent(this, link))
    }

    private fun linkFrom(intent: Intent?): String? =
        if (intent?.action == Intent.ACTION_VIEW) intent.data?.toString() else null

    companion object {
        private const val REQUEST_SCAN = 1
    }
}
