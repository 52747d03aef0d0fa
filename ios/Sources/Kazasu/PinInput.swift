import Foundation
import KazasuFFI

/// The typed signature PIN on the Swift side, kept as ASCII bytes in a fixed buffer (never a String), wiped
/// after use.
///
/// Accepts A–Z and 0–9, upper-cases a–z and full-width letters/digits from a Japanese keyboard (the card compares
/// upper-case ASCII: a lower-case PIN would cost a real try), at most ``maxLength`` characters. Whether the PIN
/// is acceptable is finally decided by the core when the `SignPin` is built; ``isCompleteLength`` only enables
/// the button.
public final class PinInput: CustomStringConvertible, CustomDebugStringConvertible {
    public static let minLength = 6
    public static let maxLength = 16

    private var buffer = [UInt8](repeating: 0, count: PinInput.maxLength)
    public private(set) var count = 0

    public init() {}

    deinit { clear() }

    public var isCompleteLength: Bool { (PinInput.minLength...PinInput.maxLength).contains(count) }

    /// Adds one typed character; false (and nothing kept) if it may not be part of a PIN or the PIN is full.
    @discardableResult
    public func append(_ c: Character) -> Bool {
        guard let n = PinInput.normalise(c), count < PinInput.maxLength else { return false }
        buffer[count] = n
        count += 1
        return true
    }

    public func backspace() {
        guard count > 0 else { return }
        count -= 1
        buffer[count] = 0
    }

    /// Replaces the content by the characters of `typed` (a text field's content), filtered as ``append(_:)``.
    /// The caller clears its field right after.
    public func set(from typed: String) {
        clear()
        for c in typed { append(c) }
    }

    /// Hands the PIN as ASCII bytes to `use` (which builds the `SignPin`) without another copy on the Swift
    /// side, then wipes the buffer — whether `use` returns or throws.
    public func consume<T>(_ use: (Data) throws -> T) rethrows -> T {
        defer { clear() }
        return try buffer.withUnsafeMutableBytes { raw -> T in
            guard let base = raw.baseAddress else { return try use(Data()) }
            return try use(Data(bytesNoCopy: base, count: count, deallocator: .none))
        }
    }

    /// Builds the core's use-once `SignPin` (format checked there) and wipes this input.
    public func makeSignPin() throws -> SignPin {
        try consume { try SignPin(utf8: $0) }
    }

    public func clear() {
        for i in buffer.indices { buffer[i] = 0 }
        count = 0
    }

    /// For tests: every byte of the buffer is zero and nothing is typed.
    var isWiped: Bool { count == 0 && buffer.allSatisfy { $0 == 0 } }

    public var description: String { "PinInput(<redacted>, count: \(count))" }
    public var debugDescription: String { description }

    /// The ASCII byte the card compares, or nil if `c` may not be part of a signature PIN.
    public static func normalise(_ c: Character) -> UInt8? {
        guard c.unicodeScalars.count == 1, let v = c.unicodeScalars.first?.value else { return nil }
        switch v {
        case 0x41...0x5A, 0x30...0x39: return UInt8(v)                  // A–Z, 0–9
        case 0x61...0x7A: return UInt8(v - 0x20)                        // a–z
        case 0xFF10...0xFF19: return UInt8(0x30 + (v - 0xFF10))         // ０–９
        case 0xFF21...0xFF3A: return UInt8(0x41 + (v - 0xFF21))         // Ａ–Ｚ
        case 0xFF41...0xFF5A: return UInt8(0x41 + (v - 0xFF41))         // ａ–ｚ
        default: return nil
        }
    }
}
