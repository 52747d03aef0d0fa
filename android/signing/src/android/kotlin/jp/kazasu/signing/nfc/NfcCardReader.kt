package jp.kazasu.signing.nfc

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.os.Bundle

/**
 * NFC reader mode for an activity: NFC-A and NFC-B (the マイナンバーカード is Type B), no NDEF check (it would
 * talk to the card before we do). Enable in onResume, disable in onPause.
 *
 * [onCard] runs on the NFC binder thread, not the main thread; hand the link to a controller, which releases
 * it when done.
 */
class NfcCardReader(
    private val activity: Activity,
    private val onCard: (IsoDepTransport) -> Unit,
) {
    private val adapter: NfcAdapter? = NfcAdapter.getDefaultAdapter(activity)

    val isAvailable: Boolean get() = adapter != null

    val isEnabled: Boolean get() = adapter?.isEnabled == true

    fun enable() {
        val a = adapter ?: return
        val options = Bundle().apply {
            // Presence checks talk to the card; space them out so they do not interleave with slow signing.
            putInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY, PRESENCE_CHECK_DELAY_MS)
        }
        a.enableReaderMode(activity, NfcAdapter.ReaderCallback { tag -> onTag(tag) }, FLAGS, options)
    }

    fun disable() {
        adapter?.disableReaderMode(activity)
    }

    private fun onTag(tag: Tag) {
        val link = IsoDepTransport.connect(tag) ?: return
        onCard(link)
    }

    companion object {
        const val FLAGS: Int = NfcAdapter.FLAG_READER_NFC_A or
            NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK
        const val PRESENCE_CHECK_DELAY_MS = 1000
    }
}
