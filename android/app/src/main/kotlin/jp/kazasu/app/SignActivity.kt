package jp.kazasu.app

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.graphics.Typeface
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.provider.Settings
import android.text.Editable
import android.text.InputFilter
import android.text.InputType
import android.text.Spanned
import android.text.TextWatcher
import android.view.WindowManager
import android.widget.EditText
import java.util.concurrent.Executor
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.text.DateFormat
import java.util.Date
import java.util.concurrent.RejectedExecutionException
import jp.kazasu.ffi.RequestDisplay
import jp.kazasu.signing.flow.CardPurpose
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.flow.SignController
import jp.kazasu.signing.flow.SignState
import jp.kazasu.signing.http.UrlConnectionHttp
import jp.kazasu.signing.nfc.NfcCardReader

/**
 * The hand-off screen for one request URL ([EXTRA_REQUEST_URL], from the core's `requestUrlOfLink`): fetch and
 * check (the core) → the request (origin prominent, relying party, title, every field, expiry) → tries (first
 * tap) → PIN → [last-try confirmation] → second tap (the core signs exactly the request's document) → submit →
 * what the relying party transcribed. HTTP and card I/O run on [io], never on the main thread.
 */
class SignActivity : Activity() {
    private lateinit var screen: Screen
    private lateinit var controller: SignController
    private lateinit var nfc: NfcCardReader
    private val io: ExecutorService = Executors.newSingleThreadExecutor()
    private val main = Handler(Looper.getMainLooper())
    private val pinInput = PinInput()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // No screenshots or recents thumbnail of the PIN screen.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        screen = Screen(this)
        setContentView(screen.root)

        val url = intent?.getStringExtra(EXTRA_REQUEST_URL)
        if (url == null) {
            finish()
            return
        }
        // After onDestroy shuts the pool down, a late task (closing a card link) runs where it is posted.
        val ioOrInline = Executor { task ->
            try {
                io.execute(task)
            } catch (e: RejectedExecutionException) {
                task.run()
            }
        }
        nfc = NfcCardReader(this) { link -> controller.onCardPresent(link) { link.close() } }
        controller = SignController(
            url,
            UrlConnectionHttp(),
            { System.currentTimeMillis() / 1000 },
            ioOrInline,
            { task -> main.post(task) },
            ::render,
        )
        controller.start()
    }

    override fun onResume() {
        super.onResume()
        if (::nfc.isInitialized) nfc.enable()
    }

    override fun onPause() {
        super.onPause()
        if (::nfc.isInitialized) nfc.disable()
    }

    override fun onDestroy() {
        pinInput.clear()
        if (::controller.isInitialized) controller.dispose()
        io.shutdown()
        super.onDestroy()
    }

    private fun render(state: SignState) {
        screen.clear()
        val request = controller.flow.request
        if (request != null && state !is SignState.Review) {
            screen.title(request.title)
            screen.text(request.origin).apply { setTypeface(typeface, Typeface.BOLD) }
        }
        when (state) {
            SignState.Fetching -> {
                screen.text(getString(R.string.fetching))
                screen.button(getString(R.string.cancel)) { controller.cancel() }
            }
            is SignState.Review -> renderReview(state.request)
            is SignState.HoldCard -> {
                state.notice?.let { screen.warning(Messages.of(this, it)) }
                screen.text(
                    getString(
                        if (state.purpose == CardPurpose.READ_TRIES) R.string.hold_read_tries else R.string.hold_sign,
                    ),
                )
                screen.button(getString(R.string.cancel)) { controller.cancel() }
            }
            is SignState.EnterPin -> renderPinEntry(state)
            SignState.ConfirmLastTry -> {
                screen.title(getString(R.string.last_try_title))
                screen.warning(getString(R.string.last_try_body))
                screen.button(getString(R.string.last_try_confirm)) { controller.confirmLastTry() }
                screen.button(getString(R.string.last_try_decline)) { controller.declineLastTry() }
            }
            is SignState.Working -> screen.text(Messages.of(this, state.step))
            is SignState.Submitting -> screen.text(getString(R.string.submitting))
            is SignState.Done -> {
                val r = state.receipt
                val unknown = getString(R.string.value_unknown)
                screen.title(getString(R.string.done_title))
                screen.text(
                    getString(
                        R.string.done_receipt,
                        r.name ?: unknown,
                        r.address ?: unknown,
                        r.dateOfBirth ?: unknown,
                    ),
                )
                setResult(RESULT_OK)
                screen.button(getString(R.string.close)) { finish() }
            }
            is SignState.SubmitFailed -> {
                screen.title(getString(R.string.submit_failed_title))
                screen.warning(Messages.of(this, state.notice))
                if (state.canRetry) screen.button(getString(R.string.submit_retry)) { controller.retrySubmit() }
                screen.button(getString(R.string.close)) { finish() }
            }
            SignState.Blocked -> {
                screen.title(getString(R.string.blocked_title))
                screen.text(getString(R.string.blocked_body))
                screen.button(getString(R.string.close)) { finish() }
            }
            is SignState.Failed -> {
                screen.warning(Messages.of(this, state.notice))
                screen.button(getString(R.string.close)) { finish() }
            }
            SignState.Cancelled -> {
                screen.text(getString(R.string.cancelled))
                setResult(RESULT_CANCELED)
                screen.button(getString(R.string.close)) { finish() }
            }
        }
    }

    /** Everything the person must see before the PIN: the origin prominently, who asks, what, until when. */
    private fun renderReview(r: RequestDisplay) {
        screen.text(getString(R.string.review_origin_label))
        screen.title(r.origin)
        if (!r.originIsHttps) screen.warning(getString(R.string.review_dev_origin))
        screen.text(getString(R.string.review_requester, r.relyingParty))
        screen.title(r.title)
        screen.text(getString(R.string.review_fields))
        for (f in r.fields) {
            screen.text(getString(R.string.review_field, f.label, f.value)).apply { setTextIsSelectable(true) }
        }
        val expires = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(r.expiresAt * 1000))
        screen.text(getString(R.string.review_expires, expires))
        var textShown = false
        screen.button(getString(R.string.review_show_text)) {
            if (!textShown) {
                textShown = true
                screen.text(r.signedText).apply {
                    setTextIsSelectable(true)
                    typeface = Typeface.MONOSPACE
                }
            }
        }
        if (nfcUsable()) screen.button(getString(R.string.review_accept)) { controller.accept() }
        screen.button(getString(R.string.cancel)) { controller.cancel() }
    }

    private fun renderPinEntry(state: SignState.EnterPin) {
        state.notice?.let { screen.warning(Messages.of(this, it)) }
        screen.text(getString(R.string.pin_title))
        // The tries left are shown before anything is typed.
        screen.text(getString(R.string.pin_remaining, state.remaining))
        if (state.lastTry) screen.warning(getString(R.string.pin_last_try_hint))
        val field = EditText(this).apply {
            hint = getString(R.string.pin_hint)
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD or
                InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
            filters = arrayOf(PinCharacters, InputFilter.LengthFilter(PinInput.MAX_LENGTH))
        }
        screen.add(field)
        val next = screen.button(getString(R.string.pin_next)) {
            // Copy the characters out without making a String, clear the field, hand over, clear the copy.
            val text = field.text
            val chars = CharArray(text.length)
            text.getChars(0, text.length, chars, 0)
            text.clear()
            pinInput.setFrom(chars)
            controller.submitPin(pinInput)
        }
        next.isEnabled = false
        field.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
            override fun afterTextChanged(s: Editable?) {
                next.isEnabled = (s?.length ?: 0) in PinInput.MIN_LENGTH..PinInput.MAX_LENGTH
            }
        })
        screen.button(getString(R.string.cancel)) { controller.cancel() }
        field.requestFocus()
    }

    private fun nfcUsable(): Boolean {
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

    /** Lets through only characters a signature PIN may hold, upper-cased (full-width IME input included). */
    private object PinCharacters : InputFilter {
        override fun filter(source: CharSequence, start: Int, end: Int, dest: Spanned, dstart: Int, dend: Int): CharSequence? {
            val out = StringBuilder(end - start)
            var changed = false
            for (i in start until end) {
                val c = source[i]
                val n = PinInput.normalise(c)
                if (n != null) out.append(n)
                if (n != c) changed = true
            }
            return if (changed) out else null
        }
    }

    companion object {
        /** The request URL the core found in a QR code or deep link (`requestUrlOfLink`). */
        const val EXTRA_REQUEST_URL = "jp.kazasu.extra.REQUEST_URL"

        /** The intent that shows, signs and submits the hand-off request at [requestUrl]. */
        fun intent(context: Context, requestUrl: String): Intent =
            Intent(context, SignActivity::class.java).putExtra(EXTRA_REQUEST_URL, requestUrl)
    }
}
