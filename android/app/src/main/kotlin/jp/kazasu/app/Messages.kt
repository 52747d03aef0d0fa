package jp.kazasu.app

import android.content.Context
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.PinRule
import jp.kazasu.ffi.SignStep

/**
 * The words for the core's notices and card steps. Strings come from the catalog l10n/app.toml (produced by
 * scripts/l10n.py; Japanese in values-ja, English fallback in values); arguments go in the catalog's order.
 */
object Messages {
    fun of(context: Context, notice: Notice): String = when (notice) {
        is Notice.WrongPin -> context.getString(R.string.notice_wrong_pin, notice.remaining.toString())
        Notice.LastTry -> context.getString(R.string.notice_last_try)
        Notice.CardLost -> context.getString(R.string.notice_card_lost)
        Notice.VerifyOutcomeUnknown -> context.getString(R.string.notice_verify_outcome_unknown)
        Notice.CardLostAfterPin -> context.getString(R.string.notice_card_lost_after_pin)
        Notice.NotJpkiCard -> context.getString(R.string.notice_not_jpki_card)
        Notice.TriesUnknown -> context.getString(R.string.notice_tries_unknown)
        is Notice.InvalidPin -> context.getString(
            if (notice.rule == PinRule.LENGTH) R.string.notice_invalid_pin_length else R.string.notice_invalid_pin_alphabet,
        )
        Notice.CardUnsupported -> context.getString(R.string.notice_card_unsupported)
        Notice.CardFault -> context.getString(R.string.notice_card_fault)
        Notice.InvalidLink -> context.getString(R.string.notice_invalid_link)
        Notice.InvalidRequest -> context.getString(R.string.notice_invalid_request)
        is Notice.OriginMismatch -> context.getString(R.string.notice_origin_mismatch, notice.expected, notice.found)
        Notice.DisplayMismatch -> context.getString(R.string.notice_display_mismatch)
        Notice.Expired -> context.getString(R.string.notice_expired)
        Notice.NotYetValid -> context.getString(R.string.notice_not_yet_valid)
        Notice.AlreadySigned -> context.getString(R.string.notice_already_signed)
        Notice.RequestNotFound -> context.getString(R.string.notice_request_not_found)
        Notice.Network -> context.getString(R.string.notice_network)
        is Notice.HttpStatus -> context.getString(R.string.notice_http_status, notice.status.toString())
        // The relying party's own words (cleaned and bounded by the core), quoted as the site's, never as ours.
        is Notice.Refused -> if (notice.rpMessage.isEmpty()) {
            context.getString(R.string.notice_refused_without_message)
        } else {
            context.getString(R.string.notice_refused, notice.rpMessage)
        }
    }

    fun of(context: Context, step: SignStep): String = context.getString(
        when (step) {
            SignStep.CONNECTING -> R.string.state_working_connecting
            SignStep.VERIFYING_PIN -> R.string.state_working_verifying_pin
            SignStep.READING_CERTIFICATE -> R.string.state_working_reading_certificate
            SignStep.SIGNING -> R.string.state_working_signing
        },
    )
}
