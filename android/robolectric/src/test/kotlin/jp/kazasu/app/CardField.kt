package jp.kazasu.app

import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import android.os.Bundle
import java.io.IOException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import jp.kazasu.ffi.SoftwareCard
import jp.kazasu.ffi.TransportException
import org.robolectric.annotation.Implementation
import org.robolectric.annotation.Implements
import org.robolectric.shadows.ShadowIsoDep
import org.robolectric.shadows.ShadowNfcAdapter

/**
 * The NFC field in front of the phone, with the exported software card in it. The seam is the framework's own:
 * [FieldNfcAdapter] (Robolectric's NfcAdapter shadow, also recording the reader-mode flags) delivers a [Tag] to
 * the app's reader callback, and [SoftCardIsoDep] (Robolectric's IsoDep shadow) carries the app's
 * `IsoDep.transceive` to the card — so NfcCardReader, IsoDepTransport and FlowShell all run as they are.
 *
 * A tap: the card comes into the field, the app gets its tag, and the person takes the card away afterwards
 * ([lift]): a link the app kept for later then fails as a lifted card does (TagLostException).
 */
object CardField {
    @Volatile var card: SoftwareCard? = null
    /** Taps whose card is still in the field, by tag. */
    private val present = java.util.Collections.synchronizedSet(mutableSetOf<Tag>())
    private val closed = java.util.Collections.synchronizedSet(mutableSetOf<Tag>())
    /** When set, the next exchange waits for it (a card at work while the test does something else). */
    @Volatile var hold: CountDownLatch? = null
    @Volatile var holding: CountDownLatch? = null

    fun reset() {
        card = null
        present.clear()
        closed.clear()
        hold = null
        holding = null
    }

    /** A fresh ISO-DEP tag (NFC-B, as the マイナンバーカード) in the field, delivered to the app's reader callback. */
    fun tap(adapter: NfcAdapter): Tag {
        val tag = mockTag()
        present += tag
        org.robolectric.Shadows.shadowOf(adapter).dispatchTagDiscovered(tag)
        return tag
    }

    fun lift(tag: Tag) {
        present -= tag
    }

    fun wasClosed(tag: Tag): Boolean = tag in closed

    fun transceive(tag: Tag?, command: ByteArray): ByteArray {
        if (tag == null || tag !in present) throw TagLostException("Tag was lost.")
        hold?.let { h ->
            hold = null
            holding?.countDown()
            h.await(20, TimeUnit.SECONDS)
        }
        val c = card ?: throw TagLostException("no card")
        return try {
            c.transceive(command)
        } catch (e: TransportException.CardLost) {
            throw TagLostException("Tag was lost.")
        } catch (e: TransportException) {
            throw IOException("Transceive failed")
        }
    }

    fun close(tag: Tag?) {
        tag?.let { closed += it }
    }

    private var serial = 0

    /** Tag.createMockTag (hidden API; API 34 added a cookie argument). */
    private fun mockTag(): Tag {
        val id = byteArrayOf(0x4B, 0x5A, 0, (++serial).toByte())
        val techs = intArrayOf(NFC_B, ISO_DEP)
        val extras = arrayOf(Bundle(), Bundle())
        val m = Tag::class.java.declaredMethods.first { it.name == "createMockTag" }
        return (if (m.parameterCount == 3) m.invoke(null, id, techs, extras) else m.invoke(null, id, techs, extras, 0L)) as Tag
    }

    // android.nfc.tech.TagTechnology's (hidden) numbers.
    private const val NFC_B = 2
    private const val ISO_DEP = 3
}

/** Robolectric's IsoDep shadow with the exchange going to [CardField]'s card. */
@Implements(IsoDep::class)
class SoftCardIsoDep : ShadowIsoDep() {
    private var tag: Tag? = null

    @Implementation
    override fun __constructor__(tag: Tag) {
        this.tag = tag
    }

    @Implementation
    override fun transceive(data: ByteArray): ByteArray = CardField.transceive(tag, data)

    @Implementation
    override fun isExtendedLengthApduSupported(): Boolean = CardField.card?.supportsExtendedLength() == true

    @Implementation
    override fun close() {
        CardField.close(tag)
        super.close()
    }
}

/** Robolectric's NfcAdapter shadow, also keeping the flags reader mode was enabled with. */
@Implements(NfcAdapter::class)
class FieldNfcAdapter : ShadowNfcAdapter() {
    @Volatile var readerFlags: Int = 0

    @Implementation
    override fun enableReaderMode(activity: android.app.Activity, callback: NfcAdapter.ReaderCallback, flags: Int, extras: Bundle?) {
        readerFlags = flags
        super.enableReaderMode(activity, callback, flags, extras)
    }
}
