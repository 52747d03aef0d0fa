package jp.kazasu.app

import android.app.Activity
import android.content.Context
import android.content.Intent
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
import java.util.concurrent.RejectedExecutionException
import jp.kazasu.ffi.Gender
import jp.kazasu.ffi.HashAlgorithm
import jp.kazasu.signing.flow.CardPurpose
import jp.kazasu.signing.flow.PinInput
import jp.kazasu.signing.flow.SignController
import jp.kazasu.signing.flow.SignRequest
import jp.kazasu.signing.flow.SignState
import jp.kazasu.signing.nfc.NfcCardReader

/**
 * The signing screen: request → tries (first tap) → PIN → [last-try confirmation] → second tap → result.
 * Card I/O runs on [io], never on the main thread. The result goes back to the caller as the signature and the
 * certificate ([EXTRA_SIGNATURE], [EXTRA_CERTIFICATE]).
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

        val request = requestFrom(intent)
        if (request == null) {
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
        controller = SignController(request, ioOrInline, { task -> main.post(task) }, ::render)
        nfc = NfcCardReader(this) { link -> controller.onCardPresent(link) { link.close() } }
        render(controller.state)
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
        val request = controller.request
        screen.title(request.title)
        screen.text(getString(R.string.review_requester, request.requester))
        when (state) {
            is SignState.Review -> {
                screen.text(getString(R.string.review_what))
                screen.text(request.documentText).apply { setTextIsSelectable(true) }
                if (nfcUsable()) screen.button(getString(R.string.review_accept)) { controller.accept() }
                screen.button(getString(R.string.cancel)) { controller.cancel() }
            }
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
            is SignState.Done -> {
                val r = state.result
                screen.title(getString(R.string.done_title))
                val id = r.identity
                val unknown = getString(R.string.value_unknown)
                val gender = getString(
                    when (id.genderCode) {
                        Gender.MALE -> R.string.gender_male
                        Gender.FEMALE -> R.string.gender_female
                        Gender.NOT_STATED -> R.string.gender_not_stated
                        Gender.UNKNOWN -> R.string.value_unknown
                    },
                )
                screen.text(
                    getString(
                        R.string.done_identity,
                        id.name ?: unknown,
                        id.address ?: unknown,
                        id.dateOfBirthIso ?: id.dateOfBirth ?: unknown,
                        gender,
                    ),
                )
                screen.text(getString(R.string.done_details, r.signature.size, r.certificate.size))
                setResult(
                    RESULT_OK,
                    Intent().putExtra(EXTRA_SIGNATURE, r.signature).putExtra(EXTRA_CERTIFICATE, r.certificate),
                )
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
        const val EXTRA_REQUESTER = "jp.kazasu.extra.REQUESTER"
        const val EXTRA_TITLE = "jp.kazasu.extra.TITLE"
        const val EXTRA_DOCUMENT = "jp.kazasu.extra.DOCUMENT"
        const val EXTRA_HASH = "jp.kazasu.extra.HASH"
        const val EXTRA_SIGNATURE = "jp.kazasu.extra.SIGNATURE"
        const val EXTRA_CERTIFICATE = "jp.kazasu.extra.CERTIFICATE"

        /** The intent that asks this screen to sign [document] (the exact bytes shown and signed). */
        fun intent(context: Context, requester: String, title: String, document: ByteArray): Intent =
            Intent(context, SignActivity::class.java)
                .putExtra(EXTRA_REQUESTER, requester)
                .putExtra(EXTRA_TITLE, title)
                .putExtra(EXTRA_DOCUMENT, document)

        fun requestFrom(intent: Intent?): SignRequest? {
            val i = intent ?: return null
            val requester = i.getStringExtra(EXTRA_REQUESTER) ?: return null
            val title = i.getStringExtra(EXTRA_TITLE) ?: return null
            val document = i.getByteArrayExtra(EXTRA_DOCUMENT) ?: return null
            val hash = when (i.getStringExtra(EXTRA_HASH)) {
                null, "SHA-256" -> HashAlgorithm.SHA256
                "SHA-384" -> HashAlgorithm.SHA384
                "SHA-512" -> HashAlgorithm.SHA512
                else -> return null
            }
            return SignRequest(requester, title, document, hash)
        }
    }
}
