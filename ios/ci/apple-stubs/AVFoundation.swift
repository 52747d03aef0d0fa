// Stand-in for the AVFoundation (and CoreMedia) declarations the app uses. Type-check only; see README.md.
import CoreVideo
import Foundation
import UIKit

public final class CMSampleBuffer {}
public func CMSampleBufferGetImageBuffer(_ sbuf: CMSampleBuffer) -> CVImageBuffer? { nil }

public enum AVMediaType { case video, audio }
public enum AVAuthorizationStatus: Int { case notDetermined, restricted, denied, authorized }
public enum AVLayerVideoGravity { case resizeAspect, resizeAspectFill, resize }

open class AVCaptureInput {}
open class AVCaptureOutput {}
open class AVCaptureConnection {}

open class AVCaptureDevice {
    public enum DeviceType { case builtInWideAngleCamera }
    public enum Position: Int { case unspecified, back, front }
    open class func authorizationStatus(for mediaType: AVMediaType) -> AVAuthorizationStatus { .notDetermined }
    open class func requestAccess(for mediaType: AVMediaType, completionHandler handler: @escaping (Bool) -> Void) {}
    open class func `default`(_ deviceType: DeviceType, for mediaType: AVMediaType?, position: Position) -> AVCaptureDevice? { nil }
}

open class AVCaptureDeviceInput: AVCaptureInput {
    public init(device: AVCaptureDevice) throws {}
}

open class AVCaptureSession {
    public struct Preset { public static let hd1280x720 = Preset() }
    public init() {}
    open var sessionPreset: Preset = .hd1280x720
    open func canAddInput(_ input: AVCaptureInput) -> Bool { false }
    open func addInput(_ input: AVCaptureInput) {}
    open func canAddOutput(_ output: AVCaptureOutput) -> Bool { false }
    open func addOutput(_ output: AVCaptureOutput) {}
    open func startRunning() {}
    open func stopRunning() {}
}

public protocol AVCaptureVideoDataOutputSampleBufferDelegate: AnyObject {
    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection)
}

open class AVCaptureVideoDataOutput: AVCaptureOutput {
    public override init() {}
    open var videoSettings: [String: Any]!
    open var alwaysDiscardsLateVideoFrames: Bool = true
    open func setSampleBufferDelegate(_ sampleBufferDelegate: AVCaptureVideoDataOutputSampleBufferDelegate?, queue sampleBufferCallbackQueue: DispatchQueue?) {}
}

open class AVCaptureVideoPreviewLayer: CALayer {
    public init(session: AVCaptureSession) {}
    open var videoGravity: AVLayerVideoGravity = .resizeAspect
}
