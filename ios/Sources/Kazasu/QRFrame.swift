import Foundation
import KazasuFFI

/// QR codes in camera frames. The shell hands over the luma (Y) plane as the camera delivers it — iOS:
/// plane 0 of a bi-planar `CVPixelBuffer` (420f/420v), with its `bytesPerRow` as the stride — to the scanning
/// screen's `QrScanner`, which finds and decodes the code, follows it from frame to frame and hands on the first
/// text once. The text comes back unparsed; the hand-off protocol validates it.
public enum QRFrame {
    /// Bytes a plane of `height` rows `bytesPerRow` apart, `width` pixels used per row, must hold (the last row
    /// needs only `width`).
    public static func requiredBytes(width: Int, height: Int, bytesPerRow: Int) -> Int? {
        guard width > 0, height > 0, bytesPerRow >= width else { return nil }
        let (rows, o1) = bytesPerRow.multipliedReportingOverflow(by: height - 1)
        let (total, o2) = rows.addingReportingOverflow(width)
        return o1 || o2 ? nil : total
    }

    /// Scans the next frame with the screen's `scanner`, from a luma plane in memory (e.g.
    /// `CVPixelBufferGetBaseAddressOfPlane(buffer, 0)` while the buffer is locked). Copies exactly the bytes the
    /// plane spans (nothing is read beyond them). The first text read, once; nil otherwise.
    public static func scan(_ scanner: QrScanner, base: UnsafeRawPointer, width: Int, height: Int, bytesPerRow: Int)
        throws -> String?
    {
        guard let count = requiredBytes(width: width, height: height, bytesPerRow: bytesPerRow),
              let w = UInt32(exactly: width), let h = UInt32(exactly: height), let s = UInt32(exactly: bytesPerRow)
        else {
            throw FrameError.BadFrame(detail: "luma plane \(width)x\(height) stride \(bytesPerRow) is not a frame")
        }
        return try scanner.scan(width: w, height: h, stride: s, luma: Data(bytes: base, count: count))
    }
}

/// A link that opened the app: a universal link (`https://<app-link host>/sign?r=…`, the city page's same-device
/// hand-off) or its fallback custom scheme (`kazasu://sign?r=…`), or the text of a scanned QR code. Handed on as text, unparsed: the
/// core's hand-off protocol validates it.
public struct IncomingLink: Equatable, Sendable {
    public static let scheme = "kazasu"
    public let text: String

    /// Accepts the URLs the app is registered for: its scheme, or https (universal links, which iOS only
    /// delivers for the associated domains). Anything else is not ours.
    public init?(url: URL) {
        guard let scheme = url.scheme?.lowercased(), scheme == IncomingLink.scheme || scheme == "https" else {
            return nil
        }
        text = url.absoluteString
    }

    /// The text of a scanned QR code; nil if empty.
    public init?(scanned: String) {
        let t = scanned.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return nil }
        text = t
    }

    /// Whether the link asks for a log-in (the log-in screen opens) rather than a signature: the core's link
    /// parser says so, the app never reads the link itself.
    public var isLogin: Bool { isLoginLink(link: text) }
}
