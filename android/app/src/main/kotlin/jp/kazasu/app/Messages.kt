package jp.kazasu.app

import android.content.Context
import jp.kazasu.ffi.SignStep
import jp.kazasu.signing.flow.Notice

/** Words for the flow's notices and steps (Japanese in values-ja, English fallback in values). */
object Messages {
    fun of(context: Context, notice: Notice): String = when (notice) {
        is Notice.WrongPin -> context.getString(R.string.notice_wrong_pin, notice.remaining)
        Notice.CardLost -> context.getString(R.string.notice_card_lost)
        Notice.VerifyOutcomeUnknown -> context.getString(R.string.notice_verify_unknown)
        Notice.NotJpkiCard -> context.getString(R.string.notice_not_jpki)
        Notice.InvalidPin -> context.getString(R.string.notice_invalid_pin)
        Notice.LastTryNeedsConfirmation -> context.getString(R.string.notice_last_try)
        Notice.PinAlreadyUsed -> context.getString(R.string.notice_pin_used)
        is Notice.Unsupported -> context.getString(R.string.notice_unsupported, notice.reason)
        is Notice.Internal -> context.getString(R.string.notice_internal, notice.detail)
        Notice.Blocked -> context.getString(R.string.notice_blocked)
        Notice.InvalidLink -> context.getString(R.string.notice_invalid_link)
        // The reason is for logs; the person is told that nothing was signed.
        is Notice.InvalidRequest -> context.getString(R.string.notice_invalid_request)
        is Notice.OriginMismatch -> context.getString(R.string.notice_origin_mismatch, notice.expected, notice.found)
        Notice.DisplayMismatch -> context.getString(R.string.notice_display_mismatch)
        Notice.Expired -> context.getString(R.string.notice_expired)
        Notice.NotYetValid -> context.getString(R.string.notice_not_yet_valid)
        Notice.Replayed -> context.getString(R.string.notice_replayed)
        Notice.Network -> context.getString(R.string.notice_network)
        is Notice.HttpStatus -> context.getString(R.string.notice_http_status, notice.status)
        // The relying party's words, already cleaned of control/invisible characters and bounded by the core.
        is Notice.Refused -> context.getString(R.string.notice_refused, notice.message)
    }

    fun of(context: Context, step: SignStep?): String = context.getString(
        when (step) {
            null -> R.string.step_working
            SignStep.CONNECTING -> R.string.step_connecting
            SignStep.VERIFYING_PIN -> R.string.step_verifying
            SignStep.READING_CERTIFICATE -> R.string.step_reading
            SignStep.SIGNING -> R.string.step_signing
        },
    )
}
