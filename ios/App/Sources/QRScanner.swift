import AVFoundation
import CoreVideo
import Kazasu
import KazasuFFI
import SwiftUI
import UIKit

/// The camera side of the QR scanner: frames in 420f (bi-planar, full range); plane 0 is the luma, handed with
/// its bytesPerRow to the core's scanner for this screen (``QRFrame``). No image processing here.
final class QRScannerController: UIViewController, AVCaptureVideoDataOutputSampleBufferDelegate {
    var onText: ((String) -> Void)?
    var onUnavailable: ((L10n) -> Void)?

    private let session = AVCaptureSession()
    private let frames = DispatchQueue(label: "jp.kazasu.camera")
    private var preview: AVCaptureVideoPreviewLayer?
    private let scanner = QrScanner()

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized:
            configure()
        case .notDetermined:
            AVCaptureDevice.requestAccess(for: .video) { granted in
                DispatchQueue.main.async {
                    if granted { self.configure() } else { self.onUnavailable?(.scan_no_permission) }
                }
            }
        default:
            onUnavailable?(.scan_no_permission)
        }
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        preview?.frame = view.bounds
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        frames.async { self.session.stopRunning() }
    }

    private func configure() {
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
              let input = try? AVCaptureDeviceInput(device: camera), session.canAddInput(input)
        else {
            onUnavailable?(.scan_no_camera)
            return
        }
        session.sessionPreset = .hd1280x720
        session.addInput(input)
        let output = AVCaptureVideoDataOutput()
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange]
        output.alwaysDiscardsLateVideoFrames = true  // decode the newest frame, drop the ones that queued up
        output.setSampleBufferDelegate(self, queue: frames)
        guard session.canAddOutput(output) else {
            onUnavailable?(.scan_no_camera)
            return
        }
        session.addOutput(output)
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspectFill
        view.layer.addSublayer(layer)
        preview = layer
        frames.async { self.session.startRunning() }
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        guard let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        CVPixelBufferLockBaseAddress(pixels, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixels, .readOnly) }
        guard CVPixelBufferGetPlaneCount(pixels) >= 1, let luma = CVPixelBufferGetBaseAddressOfPlane(pixels, 0) else {
            return
        }
        // The scanner hands on the first text it reads, once.
        let text = try? QRFrame.scan(
            scanner, base: UnsafeRawPointer(luma),
            width: CVPixelBufferGetWidthOfPlane(pixels, 0),
            height: CVPixelBufferGetHeightOfPlane(pixels, 0),
            bytesPerRow: CVPixelBufferGetBytesPerRowOfPlane(pixels, 0))
        guard let text = text ?? nil else { return }
        session.stopRunning()
        DispatchQueue.main.async { self.onText?(text) }
    }
}

/// The scanner screen: the camera preview, a line of instructions, and the decoded text handed back unparsed.
@MainActor
struct QRScannerView: View {
    let words: Words
    let onText: (String) -> Void
    @State private var problem: L10n?
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        VStack(spacing: 12) {
            if let problem {
                Text(words(problem)).foregroundColor(.red).padding()
            } else {
                CameraPreview(onText: { text in
                    onText(text)
                    dismiss()
                }, onUnavailable: { problem = $0 })
            }
            Text(words(.scan_title)).padding(.horizontal)
            Button(words(.cancel)) { dismiss() }.padding(.bottom)
        }
    }
}

private struct CameraPreview: UIViewControllerRepresentable {
    let onText: (String) -> Void
    let onUnavailable: (L10n) -> Void

    func makeUIViewController(context: Context) -> QRScannerController {
        let c = QRScannerController()
        c.onText = onText
        c.onUnavailable = onUnavailable
        return c
    }

    func updateUIViewController(_ controller: QRScannerController, context: Context) {}
}
