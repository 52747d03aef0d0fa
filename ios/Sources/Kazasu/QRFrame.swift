import Foundation
import KazasuFFI

/// QR codes in camera frames. The shell hands over the luma (Y) plane as the camera delivers it — iOS:
/// plane 0 of a bi-planar `CVPixelBuffer` (420f/420v), with its `bytesPerRow` as the stride — and the core finds
/// and decodes the code: a scanning screen through its own `QrScanner` (which follows the code from frame to
/// frame and hands on the first text once), a single still through `decodeLuma`. The text comes back unparsed;
/// the hand-off protocol validates it.
public enum QRFrame {
    /// Bytes a plane of `height` rows `bytesPerRow` apart, `width` pixels used per row, must hold (the last row
    /// needs only `width`).
    public static func requiredBytes(width: Int, height: Int, bytesPerRow: Int) -> Int? {
        guard width > 0, height > 0, bytesPerRow >= width else { return nil }
        let (rows, o1) = bytesPerRow.multipliedReportingOverflow(by: height - 1)
        let (total, o2) = rows.addingReportingOverflow(width)
        return o1 || o2 ? nil : total
    }

    /// Scans the next camera frame of a scanning screen with its `scanner`, from a luma plane in memory (e.g.
    /// `CVPixelBufferGetBaseAddressOfPlane(buffer, 0)` while the buffer is locked): the first text read, once.
    public static func scan(_ scanner: QrScanner, base: UnsafeRawPointer, width: Int, height: Int, bytesPerRow: Int)
        throws -> String?
    {
        try read(base: base, width: width, height: height, bytesPerRow: bytesPerRow, with: scanner.scan)
    }

    /// Decodes one QR code from a still's luma plane in memory; nil when no code is readable.
    public static func decode(base: UnsafeRawPointer, width: Int, height: Int, bytesPerRow: Int) throws -> String? {
        try read(base: base, width: width, height: height, bytesPerRow: bytesPerRow, with: decodeLuma)
    }

    /// Decodes one QR code from a still's luma plane already copied into `luma`.
    public static func decode(luma: Data, width: Int, height: Int, bytesPerRow: Int) throws -> String? {
        try read(luma: luma, width: width, height: height, bytesPerRow: bytesPerRow, with: decodeLuma)
    }

    private typealias Reader = (UInt32, UInt32, UInt32, Data) throws -> String?

    /// Copies exactly the bytes the plane spans (nothing is read beyond them) and reads them.
    private static func read(base: UnsafeRawPointer, width: Int, height: Int, bytesPerRow: Int, with reader: Reader)
        throws -> String?
    {
        guard let count = requiredBytes(width: width, height: height, bytesPerRow: bytesPerRow) else {
            throw FrameError.BadFrame(detail: "luma plane \(width)x\(height) stride \(bytesPerRow) is not a frame")
        }
        let luma = Data(bytes: base, count: count)
        return try read(luma: luma, width: width, height: height, bytesPerRow: bytesPerRow, with: reader)
    }

    private static func read(luma: Data, width: Int, height: Int, bytesPerRow: Int, with reader: Reader) throws
        -> String?
    {
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height), let s = UInt32(exactly: bytesPerRow)
        else {
            throw FrameError.BadFrame(detail: "luma plane sizes out of range")
        }
        return try reader(w, h, s, luma)
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
}
