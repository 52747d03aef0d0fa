package jp.kazasu.app

import android.Manifest
import android.app.Activity
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraManager
import android.hardware.camera2.params.StreamConfigurationMap
import android.view.SurfaceView
import java.io.File
import javax.imageio.ImageIO
import jp.kazasu.ffi.FakeRelyingParty
import jp.kazasu.ffi.qrImageForTests
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.shadow.api.Shadow
import org.robolectric.shadows.ShadowCameraCharacteristics

/**
 * ScanActivity with a back camera (Robolectric's camera2 shadows) whose frames are photos of the public QR set
 * (../shared/qr-photos, read in place) and codes rendered by the core's generator: frames without a code leave
 * the screen open; the first decoded text is the activity's result, once, unparsed.
 */
@RunWith(RobolectricTestRunner::class)
class ScanActivityTest {
    private val photos = File(System.getProperty("kazasu.qr-photos") ?: error("-Dkazasu.qr-photos is not set"))
    private lateinit var controller: ActivityController<ScanActivity>

    @Before
    fun camera() {
        Frames.reset()
        val app = RuntimeEnvironment.getApplication()
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val characteristics = ShadowCameraCharacteristics.newCameraCharacteristics()
        val shadow = Shadow.extract<ShadowCameraCharacteristics>(characteristics)
        shadow.set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_BACK)
        shadow.set(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP, Shadow.newInstanceOf(StreamConfigurationMap::class.java))
        shadowOf(app.getSystemService(CameraManager::class.java)).addCamera("0", characteristics)
    }

    @After
    fun close() {
        if (::controller.isInitialized && !controller.get().isDestroyed) controller.pause().stop().destroy()
        Frames.reset()
    }

    /** ScanActivity in front with its preview surface created: the camera opened, the frame listener set. */
    private fun open(): ScanActivity {
        controller = Robolectric.buildActivity(ScanActivity::class.java).setup()
        val a = controller.get()
        val preview = Screens.views(a).filterIsInstance<SurfaceView>().single()
        val holder = shadowOf(preview).fakeSurfaceHolder
        holder.callbacks.toList().forEach { it.surfaceCreated(holder) }
        Screens.idleMain()
        assertNotNull("the app listens for camera frames", Frames.listener)
        assertEquals("the back camera is opened", "0", Frames.opened)
        return a
    }

    /** One frame through the app's own listener, as the camera thread would deliver it. */
    private fun frame(a: Activity, image: LumaImage) {
        Frames.next = image
        Frames.listener!!.onImageAvailable(Frames.reader)
        Screens.idleMain()
        assertTrue("the image was let go", image.closed)
    }

    private fun photo(file: File): LumaImage {
        val img = ImageIO.read(file) ?: error("cannot read $file")
        val w = img.width and 1.inv()
        val h = img.height and 1.inv()
        val stride = w + 16 // a row stride wider than the picture, as cameras have
        val luma = ByteArray(stride * h)
        for (y in 0 until h) for (x in 0 until w) {
            val rgb = img.getRGB(x, y)
            val l = (299 * (rgb shr 16 and 255) + 587 * (rgb shr 8 and 255) + 114 * (rgb and 255)) / 1000
            luma[y * stride + x] = l.toByte()
        }
        return LumaImage(w, h, stride, luma)
    }

    private fun result(a: Activity): String? = shadowOf(a).resultIntent?.getStringExtra(ScanActivity.EXTRA_TEXT)

    @Test
    fun `a photo without a code leaves the scanner open, and the first photographed code is the result, once`() {
        val a = open()
        frame(a, photo(File(photos, "falsepositives-1").listFiles()!!.filter { it.extension == "png" }.minOf { it }))
        assertFalse("no code, no result", a.isFinishing)
        assertNull(result(a))
        val shot = File(photos, "qrcode-1/1.png")
        val want = File(photos, "qrcode-1/1.txt").readText(Charsets.UTF_8)
        frame(a, photo(shot))
        assertTrue("the scanner closes on the first code", a.isFinishing)
        assertEquals(Activity.RESULT_OK, shadowOf(a).resultCode)
        assertEquals(want, result(a))
        // The same code in the next frame is not handed on again.
        val again = photo(shot)
        frame(a, again)
        assertEquals(want, result(a))
    }

    @Test
    fun `a request code rendered on a screen is read and its text handed on unparsed`() {
        val rp = FakeRelyingParty("https://city.example.jp")
        try {
            val text = rp.createRequest(600)
            val code = qrImageForTests(text, 6u)
            val side = code.side.toInt()
            // The code on a grey background in a 1280×720 frame, as a monitor in front of the camera.
            val w = 1280
            val h = 720
            val luma = ByteArray(w * h) { 0x80.toByte() }
            for (y in 0 until side) for (x in 0 until side) luma[(y + 40) * w + x + 300] = code.luma[y * side + x]
            val a = open()
            frame(a, LumaImage(w, h, w, luma))
            assertTrue(a.isFinishing)
            assertEquals(text, result(a))
        } finally {
            rp.close()
        }
    }

    @Test
    fun `leaving the scanner lets the camera go and opens nothing`() {
        val a = open()
        controller.pause()
        assertFalse(a.isFinishing)
        assertNull(result(a))
    }
}
