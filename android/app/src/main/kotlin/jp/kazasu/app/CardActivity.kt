package jp.kazasu.app

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.provider.Settings
import android.text.InputType
import android.view.WindowManager
import android.widget.EditText
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import jp.kazasu.ffi.WayOut
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.nfc.IsoDepTransport
import jp.kazasu.signing.nfc.NfcCardReader

/**
 * What the signing screen ([SignActivity]) and the log-in screen ([LoginActivity]) share: no screenshots, the
 * screen builder, reader mode while in front (cards go to [onCard] on the NFC thread), the card thread, the
 * password field, the NFC check before a button that leads to a tap, and the way out the core gives each state.
 * Each screen renders its own flow's states; neither decides anything about the flow.
 */
abstract class CardActivity : Activity() {
    protected lateinit var screen: Screen
    protected lateinit var nfc: NfcCardReader
    protected val cards: ExecutorService = Executors.newSingleThreadExecutor()

    /** A card in the field, on the NFC thread: hand it to the flow's shell, which closes it when done. */
    protected abstract fun onCard(card: IsoDepTransport)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // No screenshots or recents thumbnail of the password screen.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        screen = Screen(this)
        setContentView(screen.root)
        nfc = NfcCardReader(this, ::onCard)
    }

    override fun onResume() {
        super.onResume()
        nfc.enable()
    }

    override fun onPause() {
        super.onPause()
        nfc.disable()
    }

    /** Subclasses close their shell first (the flow forgets a typed password), then call this. */
    override fun onDestroy() {
        cards.shutdown()
        super.onDestroy()
    }

    /**
     * The password field and its 次へ: the characters go to [enter] without ever being a String, and the field is
     * cleared. [digits]: the 4-digit authentication password (a numeric keyboard); its length, like the signature
     * password's, is the core's to check — a field that cut a fifth digit would send a password nobody typed.
     */
    protected fun pinField(hint: String, digits: Boolean, enter: (ByteArray) -> Unit) {
        val field = EditText(this).apply {
            this.hint = hint
            inputType = if (digits) {
                InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
            } else {
                InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD or
                    InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
            }
        }
        screen.add(field)
        screen.button(getString(R.string.state_enter_pin_next)) {
            // Copy the characters out without making a String, clear the field; the copy is cleared after use.
            val text = field.text
            val chars = CharArray(text.length)
            text.getChars(0, text.length, chars, 0)
            text.clear()
            PinInput.handOver(chars, enter)
        }
        field.requestFocus()
    }

    /** Whether a tap can follow; if not, says why (and offers the NFC settings when it is only off). */
    protected fun nfcUsable(): Boolean {
        if (!nfc.isAvailable) {
            screen.warning(getString(R.string.nfc_missing))
            return false
        }
        if (!nfc.isEnabled) {
            screen.warning(getString(R.string.nfc_disabled))
            screen.button(getString(R.string.nfc_settings)) { startActivity(Intent(Settings.ACTION_NFC_SETTINGS)) }
            return false
        }
        return true
    }

    /** The extra button the core gives each screen (none where the screen's own buttons are the way out). */
    protected fun footer(way: WayOut, discard: String, cancel: () -> Unit) {
        when (way) {
            WayOut.NONE -> Unit
            WayOut.CANCEL -> screen.button(getString(R.string.cancel)) { cancel() }
            WayOut.DISCARD -> screen.button(discard) { cancel() }
            WayOut.CLOSE -> screen.button(getString(R.string.close)) { finish() }
        }
    }

    companion object {
        /** A deep link (`kazasu://sign?r=…`, `kazasu://login?r=…`) or a scanned QR text, as it came: the core checks it. */
        const val EXTRA_LINK = "jp.kazasu.extra.LINK"
    }
}
