package jp.kazasu.app

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.hardware.camera2.CameraAccessException
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.hardware.camera2.params.OutputConfiguration
import android.hardware.camera2.params.SessionConfiguration
import android.media.ImageReader
import android.os.Bundle
import android.os.Handler
import android.os.HandlerThread
import android.util.Log
import android.util.Size
import android.view.SurfaceHolder
import android.view.SurfaceView
import android.widget.FrameLayout
import android.widget.TextView
import jp.kazasu.ffi.FrameException
import jp.kazasu.ffi.QrScanner
import kotlin.math.abs

/**
 * QR scanner for the desktop hand-off: camera2 preview plus an [ImageReader] of YUV_420_888 frames whose Y plane
 * (with its rowStride) goes to the core's [QrScanner]. The first text it reads is returned as [EXTRA_TEXT], unparsed.
 *
 * camera2 rather than CameraX: CameraX is published only on Google's Maven repository, which CI cannot reach,
 * and framework APIs are compile-checked against android-all. Frames are scanned on the camera thread, newest
 * first: the ones that arrive meanwhile are dropped by the reader.
 */
class ScanActivity : Activity() {
    private lateinit var preview: SurfaceView
    private lateinit var status: TextView
    private var cameraThread: HandlerThread? = null
    // Written on the camera thread, read on the main thread.
    @Volatile private var camera: CameraDevice? = null
    @Volatile private var session: CameraCaptureSession? = null
    @Volatile private var active = false
    private var reader: ImageReader? = null
    private var surfaceReady = false
    private val scanner = QrScanner()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        preview = SurfaceView(this)
        status = TextView(this).apply {
            text = getString(R.string.scan_title)
            textSize = 17f
            setBackgroundColor(0xCCFFFFFF.toInt())
            setPadding(24, 24, 24, 24)
        }
        setContentView(FrameLayout(this).apply {
            addView(preview)
            addView(status)
        })
        preview.holder.addCallback(object : SurfaceHolder.Callback {
            override fun surfaceCreated(holder: SurfaceHolder) {
                surfaceReady = true
                startIfAllowed()
            }

            override fun surfaceChanged(holder: SurfaceHolder, format: Int, width: Int, height: Int) = Unit

            override fun surfaceDestroyed(holder: SurfaceHolder) {
                surfaceReady = false
                stopCamera()
            }
        })
    }

    override fun onResume() {
        super.onResume()
        active = true
        if (checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.CAMERA), REQUEST_CAMERA)
        } else {
            startIfAllowed()
        }
    }

    override fun onPause() {
        active = false
        stopCamera()
        super.onPause()
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != REQUEST_CAMERA) return
        if (grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED) {
            startIfAllowed()
        } else {
            status.text = getString(R.string.scan_no_permission)
        }
    }

    private fun startIfAllowed() {
        if (!surfaceReady || camera != null) return
        if (checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) return
        val manager = getSystemService(CameraManager::class.java) ?: return noCamera()
        val (id, size) = pickCamera(manager) ?: return noCamera()

        val thread = HandlerThread("kazasu-camera").also { it.start() }
        val handler = Handler(thread.looper)
        cameraThread = thread
        val imageReader = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 2)
        imageReader.setOnImageAvailableListener({ r -> onFrame(r) }, handler)
        reader = imageReader
        try {
            manager.openCamera(id, object : CameraDevice.StateCallback() {
                override fun onOpened(device: CameraDevice) {
                    if (!active) {
                        // Opened after the screen went away: let go at once.
                        device.close()
                        return
                    }
                    camera = device
                    startSession(device, imageReader, handler)
                }

                override fun onDisconnected(device: CameraDevice) {
                    device.close()
                    camera = null
                }

                override fun onError(device: CameraDevice, error: Int) {
                    Log.w(TAG, "camera error $error")
                    device.close()
                    camera = null
                }
            }, handler)
        } catch (e: CameraAccessException) {
            noCamera()
        } catch (e: SecurityException) {
            status.text = getString(R.string.scan_no_permission)
        }
    }

    private fun startSession(device: CameraDevice, imageReader: ImageReader, handler: Handler) {
        val outputs = listOf(OutputConfiguration(preview.holder.surface), OutputConfiguration(imageReader.surface))
        val config = SessionConfiguration(
            SessionConfiguration.SESSION_REGULAR,
            outputs,
            { task -> handler.post(task) },
            object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    if (!active) {
                        s.close()
                        return
                    }
                    session = s
                    try {
                        val request = device.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                            addTarget(preview.holder.surface)
                            addTarget(imageReader.surface)
                            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
                        }
                        s.setRepeatingRequest(request.build(), null, handler)
                    } catch (e: CameraAccessException) {
                        Log.w(TAG, "repeating request failed: ${e.reason}")
                    } catch (e: IllegalStateException) {
                        Log.w(TAG, "session closed early")
                    }
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    runOnUiThread { noCamera() }
                }
            },
        )
        try {
            device.createCaptureSession(config)
        } catch (e: CameraAccessException) {
            runOnUiThread { noCamera() }
        }
    }

    /** Camera thread: copy the Y plane (row stride kept), let the image go, and scan the copy. */
    private fun onFrame(r: ImageReader) {
        val image = r.acquireLatestImage() ?: return
        val (width, height, stride) = Triple(image.width, image.height, image.planes[0].rowStride)
        val luma = image.use { it.planes[0].buffer.let { b -> ByteArray(b.remaining()).also(b::get) } }
        val text = try {
            scanner.scan(width.toUInt(), height.toUInt(), stride.toUInt(), luma)
        } catch (e: FrameException) {
            // A frame whose sizes do not fit its buffer (a bug here) or one the decoder failed on: not the person's problem.
            Log.w(TAG, "frame refused: ${e.message}")
            null
        }
        if (text != null) runOnUiThread { deliver(text) }
    }

    private fun deliver(text: String) {
        setResult(RESULT_OK, Intent().putExtra(EXTRA_TEXT, text))
        finish()
    }

    private fun noCamera() = run { status.text = getString(R.string.scan_no_camera) }

    private fun stopCamera() {
        session?.close()
        session = null
        camera?.close()
        camera = null
        reader?.close()
        reader = null
        cameraThread?.quitSafely()
        cameraThread = null
    }

    /** The back camera (else the first) and its YUV size nearest 1280×720: pixels enough for a QR on a monitor, cheap to scan. */
    private fun pickCamera(manager: CameraManager): Pair<String, Size>? = try {
        val facing = { id: String -> manager.getCameraCharacteristics(id).get(CameraCharacteristics.LENS_FACING) }
        val ids = manager.cameraIdList
        val id = ids.firstOrNull { facing(it) == CameraCharacteristics.LENS_FACING_BACK } ?: ids.firstOrNull()
        val map = id?.let { manager.getCameraCharacteristics(it).get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP) }
        val size = map?.getOutputSizes(ImageFormat.YUV_420_888)?.minByOrNull { abs(it.width * it.height - 1280 * 720) }
        if (id != null && size != null) id to size else null
    } catch (e: CameraAccessException) {
        null
    }

    companion object {
        const val EXTRA_TEXT = "jp.kazasu.extra.QR_TEXT"
        private const val REQUEST_CAMERA = 2
        private const val TAG = "KazasuScan"
    }
}
