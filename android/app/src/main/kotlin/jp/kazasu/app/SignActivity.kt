package jp.kazasu.app

import android.content.Context
import android.content.Intent
import android.graphics.Typeface
import android.os.Bundle
import java.text.DateFormat
import java.util.Date
import jp.kazasu.ffi.FlowState
import jp.kazasu.ffi.RequestDisplay
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.wayOutOf
import jp.kazasu.signing.flow.FlowShell
import jp.kazasu.signing.nfc.IsoDepTransport

/**
 * The signing screen for one link ([EXTRA_LINK]: a deep link or a scanned QR text, unparsed): it renders the
 * states of the core's [SigningFlow] and forwards the person's buttons to it. Cards found by NFC go to the flow
 * on a worker thread ([FlowShell]); fetching and sending run on the flow's own thread (HTTP: [KazasuApplication.flowFor]).
 */
class SignActivity : CardActivity() {
    private lateinit var flow: SigningFlow
    private lateinit var shell: FlowShell

    /** The request as last shown, to keep its origin and title above the later screens. */
    private var request: RequestDisplay? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val link = intent?.getStringExtra(EXTRA_LINK) ?: return finish()
        shell = FlowShell(mainExecutor, cards, ::render)
        flow = (application as KazasuApplication).flowFor(link, shell)
        flow.start()
    }

    override fun onCard(card: IsoDepTransport) = shell.cardPresent(flow, card) { card.close() }

    override fun onDestroy() {
        // The flow forgets a typed password and drops an unsent signature; JNA's cleaner frees it later.
        if (::shell.isInitialized) shell.close(flow)
        super.onDestroy()
    }

    private fun render(state: FlowState) {
        screen.clear()
        request?.takeIf { state !is FlowState.ReviewRequest && state !is FlowState.ConfirmFiling }?.let {
            screen.title(it.title)
            screen.text(it.origin).apply { setTypeface(typeface, Typeface.BOLD) }
        }
        when (state) {
            FlowState.Fetching -> screen.text(getString(R.string.state_fetching))
            is FlowState.ReviewRequest -> renderReview(state)
            is FlowState.ReviewBytes -> {
                val b = state.bytes
                screen.text(getString(R.string.state_review_bytes))
                screen.title(b.label)
                screen.text(getString(R.string.state_review_bytes_size, b.size.toString()))
                screen.text(getString(R.string.state_review_bytes_sha256, b.sha256Hex)).setTextIsSelectable(true)
                screen.text(Messages.of(this, state.disclosure))
                if (nfcUsable()) screen.button(getString(R.string.state_review_accept)) { flow.accept() }
            }
            is FlowState.EnterPin -> renderPinEntry(state)
            FlowState.ConfirmLastTry -> {
                screen.title(getString(R.string.state_confirm_last_try))
                screen.warning(getString(R.string.state_confirm_last_try_body))
                screen.button(getString(R.string.state_confirm_last_try_confirm)) { flow.confirmLastTry() }
                screen.button(getString(R.string.state_confirm_last_try_decline)) { flow.declineLastTry() }
            }
            is FlowState.HoldCard -> {
                state.notice?.let { screen.warning(Messages.of(this, it)) }
                if (nfcUsable()) screen.text(getString(R.string.state_hold_card_android))
            }
            is FlowState.Working -> screen.text(Messages.of(this, state.step))
            is FlowState.ConfirmFiling -> renderFiling(state)
            is FlowState.Submitting -> screen.text(getString(R.string.state_submitting))
            is FlowState.SubmitFailed -> {
                screen.title(getString(R.string.state_submit_failed))
                screen.warning(Messages.of(this, state.notice))
                if (state.canResend) screen.button(getString(R.string.state_submit_failed_resend)) { flow.resend() }
            }
            is FlowState.Signed -> {
                val r = state.result
                screen.title(getString(R.string.state_signed))
                rows(r.identity.name, r.identity.address, r.identity.dateOfBirthIso ?: r.identity.dateOfBirth)
                screen.text(getString(R.string.state_signed_details, r.signature.size.toString(), r.certificate.size.toString()))
            }
            is FlowState.Done -> {
                val r = state.receipt
                screen.title(getString(R.string.state_done))
                rows(r.name, r.address, r.dateOfBirth)
                setResult(RESULT_OK)
            }
            FlowState.ProbablyReceived -> screen.text(getString(R.string.state_probably_received))
            FlowState.Blocked -> {
                screen.title(getString(R.string.state_blocked))
                screen.text(getString(R.string.state_blocked_body))
            }
            is FlowState.Failed -> {
                screen.title(getString(R.string.state_failed))
                screen.warning(Messages.of(this, state.notice))
            }
            FlowState.Cancelled -> screen.text(getString(R.string.state_cancelled))
        }
        footer(state)
    }

    /**
     * Everything the person must see before the password: the origin prominently, where and when the request
     * was created with the warning against requests someone else opened, who asks, what, until when, and what
     * signing hands over to whom.
     */
    private fun renderReview(state: FlowState.ReviewRequest) {
        val r = state.request
        request = r
        application(r)
        screen.text(Messages.of(this, state.context)).apply { setTypeface(typeface, Typeface.BOLD) }
        screen.warning(getString(R.string.relay_warning))
        details(r)
        val expires = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(r.expiresAt * 1000))
        screen.text(getString(R.string.state_review_request_expires, expires))
        screen.text(Messages.of(this, state.disclosure)).apply { setTypeface(typeface, Typeface.BOLD) }
        // The exact text signed, as on iOS.
        screen.text(getString(R.string.state_review_request_signed_text))
        screen.text(r.signedText).apply { setTextIsSelectable(true); typeface = Typeface.MONOSPACE }
        if (nfcUsable()) screen.button(getString(R.string.state_review_accept)) { flow.accept() }
    }

    /** Signed, nothing sent: the application once more and the applicant as the certificate states, then 申請する. */
    private fun renderFiling(state: FlowState.ConfirmFiling) {
        screen.warning(getString(R.string.state_confirm_filing))
        application(state.request)
        details(state.request)
        screen.text(getString(R.string.state_confirm_filing_applicant)).apply { setTypeface(typeface, Typeface.BOLD) }
        val id = state.result.identity
        rows(id.name, id.address, id.dateOfBirthIso ?: id.dateOfBirth)
        field(getString(R.string.label_gender), Messages.of(this, id.genderCode))
        screen.button(getString(R.string.state_confirm_filing_file)) { flow.file() }
        screen.button(getString(R.string.state_confirm_filing_cancel)) { flow.cancel() }
    }

    /** Where the signature goes, large. */
    private fun application(r: RequestDisplay) {
        screen.text(getString(R.string.state_review_request_origin))
        screen.title(r.origin)
        if (!r.originIsHttps) screen.warning(getString(R.string.state_review_request_dev_origin))
    }

    /** Who asks (in the site's own words), the title and every field. */
    private fun details(r: RequestDisplay) {
        screen.text(getString(R.string.state_review_request_field, getString(R.string.state_review_request_relying_party), r.relyingParty))
        screen.title(r.title)
        screen.text(getString(R.string.state_review_request_fields))
        val empty = getString(R.string.state_review_request_empty_value)
        for (f in r.fields) field(f.label, f.value.ifEmpty { empty }).setTextIsSelectable(true)
    }

    private fun field(label: String, value: String) = screen.text(getString(R.string.state_review_request_field, label, value))

    /** What the certificate says (or what the relying party read from it). */
    private fun rows(name: String?, address: String?, dateOfBirth: String?) {
        val unknown = getString(R.string.value_unknown)
        field(getString(R.string.label_name), name ?: unknown)
        field(getString(R.string.label_address), address ?: unknown)
        field(getString(R.string.label_date_of_birth), dateOfBirth ?: unknown)
    }

    private fun renderPinEntry(state: FlowState.EnterPin) {
        state.notice?.let { screen.warning(Messages.of(this, it)) }
        screen.text(getString(R.string.state_enter_pin))
        // Tries already known in this flow are shown before anything is typed.
        state.knownTries?.let { screen.text(getString(R.string.state_enter_pin_tries_left, it.toString())) }
        if (state.lastTry) screen.warning(getString(R.string.state_enter_pin_last_try_hint))
        pinField(getString(R.string.state_enter_pin_placeholder), digits = false, flow::enterPin)
    }

    private fun footer(state: FlowState) = footer(wayOutOf(state), getString(R.string.state_submit_failed_discard), flow::cancel)

    companion object {
        fun intent(context: Context, link: String): Intent = Intent(context, SignActivity::class.java).putExtra(EXTRA_LINK, link)
    }
}
