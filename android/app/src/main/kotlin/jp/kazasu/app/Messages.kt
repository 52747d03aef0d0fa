package jp.kazasu.app

import android.content.Context
import jp.kazasu.ffi.CreationContext
import jp.kazasu.ffi.Disclosure
import jp.kazasu.ffi.Gender
import jp.kazasu.ffi.Notice
import jp.kazasu.ffi.PersonalItem
import jp.kazasu.ffi.Recipient
import jp.kazasu.ffi.RequestAge
import jp.kazasu.ffi.SignStep

/**
 * The words for the core's notices, card steps and review facts. Strings come from the catalog l10n/app.toml (produced by
 * kazasu-words; Japanese in values-ja, English fallback in values); arguments go in the catalog's order.
 */
object Messages {
    /** What a notice tells the person: the catalog's mapping, generated into [NoticeWords] (the same as iOS's). */
    fun of(context: Context, notice: Notice): String = NoticeWords.of(context, notice)

    /** A notice on a log-in's screen: the log-in's own words where it has them, generated into [NoticeWords] too. */
    fun ofLogin(context: Context, notice: Notice): String = NoticeWords.ofLogin(context, notice)

    /** The progress line while the card works for a log-in. */
    fun ofLogin(context: Context, step: SignStep): String = when (step) {
        SignStep.VERIFYING_PIN -> context.getString(R.string.login_working_verifying_pin)
        SignStep.SIGNING -> context.getString(R.string.login_working_signing)
        else -> of(context, step)
    }

    fun of(context: Context, step: SignStep): String = context.getString(
        when (step) {
            SignStep.CONNECTING -> R.string.state_working_connecting
            SignStep.VERIFYING_PIN -> R.string.state_working_verifying_pin
            SignStep.READING_CERTIFICATE -> R.string.state_working_reading_certificate
            SignStep.SIGNING -> R.string.state_working_signing
        },
    )

    /** "This request was created on Windows · Chrome, 2 min ago." */
    fun of(context: Context, created: CreationContext): String =
        context.getString(R.string.state_review_request_context, created.createdFrom, age(context, created.age))

    /** "This log-in was started on Windows · Chrome, 2 min ago." */
    fun ofLogin(context: Context, created: CreationContext): String =
        context.getString(R.string.login_review_context, created.createdFrom, age(context, created.age))

    private fun age(context: Context, age: RequestAge): String = when (age) {
        RequestAge.JustNow -> context.getString(R.string.age_just_now)
        is RequestAge.Minutes -> context.getString(R.string.age_minutes, age.count.toString())
        is RequestAge.Hours -> context.getString(R.string.age_hours, age.count.toString())
    }

    /** "Signing gives the 氏名・住所・生年月日・性別 written in your certificate to https://city.example.jp." */
    fun of(context: Context, disclosure: Disclosure): String {
        val items = disclosure.items.joinToString(context.getString(R.string.item_separator)) { label(context, it) }
        return when (val to = disclosure.recipient) {
            is Recipient.Origin -> context.getString(R.string.state_review_disclosure_to_origin, items, to.origin)
            Recipient.WhoeverReceivesTheSignature -> context.getString(R.string.state_review_disclosure_with_file, items)
        }
    }

    fun label(context: Context, item: PersonalItem): String = context.getString(
        when (item) {
            PersonalItem.NAME -> R.string.label_name
            PersonalItem.ADDRESS -> R.string.label_address
            PersonalItem.DATE_OF_BIRTH -> R.string.label_date_of_birth
            PersonalItem.GENDER -> R.string.label_gender
        },
    )

    fun of(context: Context, gender: Gender): String = context.getString(
        when (gender) {
            Gender.MALE -> R.string.gender_male
            Gender.FEMALE -> R.string.gender_female
            Gender.NOT_STATED -> R.string.gender_not_stated
            Gender.UNKNOWN -> R.string.value_unknown
        },
    )
}
