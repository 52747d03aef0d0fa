package jp.kazasu.app

import android.graphics.ImageFormat
import android.graphics.Rect
import android.hardware.camera2.params.StreamConfigurationMap
import android.media.Image
import android.media.ImageReader
import android.os.Handler
import android.util.Size
import java.nio.ByteBuffer
import org.robolectric.annotation.Implementation
import org.robolectric.annotation.Implements
import org.robolectric.shadows.ShadowImageReader

/**
 * The camera's side of ScanActivity, at the narrowest seam: Robolectric's camera2 shadows list the camera and its
 * characteristics, but produce no YUV frames and no preview Surface (its SurfaceView holder has none, so a capture
 * session cannot be configured), so [RecordingCameraManager] records the app's openCamera without opening, and
 * [FrameImageReader] (Robolectric's ImageReader shadow) keeps the app's on-image-available listener and hands
 * it [LumaImage]s — a photo's or a rendered code's grey levels as plane 0 with its row stride — exactly what the
 * app copies into QrScanner.
 */
object Frames {
    @Volatile var listener: ImageReader.OnImageAvailableListener? = null
    @Volatile var handler: Handler? = null
    @Volatile var next: LumaImage? = null
    @Volatile var reader: ImageReader? = null
    @Volatile var opened: String? = null

    fun reset() {
        opened = null
        listener = null
        handler = null
        next = null
        reader = null
    }
}

@Implements(ImageReader::class)
class FrameImageReader : ShadowImageReader() {
    @org.robolectric.annotation.RealObject private lateinit var real: ImageReader

    @Implementation
    protected fun setOnImageAvailableListener(listener: ImageReader.OnImageAvailableListener?, handler: Handler?) {
        Frames.listener = listener
        Frames.handler = handler
        Frames.reader = real
    }

    @Implementation
    protected fun acquireLatestImage(): Image? = Frames.next.also { Frames.next = null }
}

@Implements(android.hardware.camera2.CameraManager::class)
class RecordingCameraManager : org.robolectric.shadows.ShadowCameraManager() {
    @Implementation
    protected fun openCamera(cameraId: String, callback: android.hardware.camera2.CameraDevice.StateCallback, handler: Handler?) {
        Frames.opened = cameraId
    }
}

/** A camera that offers one YUV size (Robolectric's StreamConfigurationMap has no public way to make one). */
@Implements(StreamConfigurationMap::class)
class OneSizeStreamMap {
    @Implementation
    protected fun getOutputSizes(format: Int): Array<Size>? = if (format == ImageFormat.YUV_420_888) arrayOf(Size(1280, 720)) else null
}

/** A YUV_420_888 frame whose plane 0 is [luma] (width × height, rows [stride] apart); chroma planes grey. */
class LumaImage(private val w: Int, private val h: Int, private val stride: Int, luma: ByteArray) : Image() {
    private val planes = arrayOf(
        LumaPlane(stride, 1, ByteBuffer.wrap(luma)),
        LumaPlane(w / 2, 1, ByteBuffer.wrap(ByteArray((w / 2) * (h / 2)) { 128.toByte() })),
        LumaPlane(w / 2, 1, ByteBuffer.wrap(ByteArray((w / 2) * (h / 2)) { 128.toByte() })),
    )
    @Volatile var closed = false

    override fun getFormat(): Int = ImageFormat.YUV_420_888
    override fun getWidth(): Int = w
    override fun getHeight(): Int = h
    override fun getTimestamp(): Long = 0
    override fun getPlanes(): Array<Plane> = arrayOf(*planes)
    override fun close() {
        closed = true
    }
    override fun getCropRect(): Rect = Rect(0, 0, w, h)
    // Hidden abstract members of API 34's Image (never called by the app).
    override fun getTransform(): Int = 0
    override fun getScalingMode(): Int = 0

    private class LumaPlane(private val rowStride: Int, private val pixelStride: Int, private val buffer: ByteBuffer) : Plane() {
        override fun getRowStride(): Int = rowStride
        override fun getPixelStride(): Int = pixelStride
        override fun getBuffer(): ByteBuffer = buffer
    }
}
