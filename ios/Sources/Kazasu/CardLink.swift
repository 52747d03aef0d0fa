import Foundation
import KazasuFFI

/// How one exchange with the card failed, as the NFC code reports it. Never carries APDU data.
public enum LinkFailure: Error, Equatable, Sendable {
    /// The tag left the field, the connection was lost, or the reader session ended (iOS: tag connection lost,
    /// tag not connected, session invalidated). Becomes `TransportError.CardLost`: the flow says the card was lost.
    case tagLost
    /// The card did not answer in time.
    case timeout
    /// Any other failure of the link; `reason` is the platform's message (for logs, never shown as the reason).
    case other(reason: String)
}

/// The link to one card that the NFC code implements (the app: `NFCISO7816Tag`; tests: a fake around the
/// exported software card). Bytes only: one command APDU out, the whole response APDU (data ‖ SW1 SW2) back.
/// GET RESPONSE, 61xx/6Cxx, chunking and every status word are the core's business.
///
/// `transmit` is awaited from a dedicated card thread (see ``CardTap``), one command at a time. The
/// command may carry the PIN (VERIFY): never log it.
public protocol CardLink: AnyObject, Sendable {
    /// Sends one command APDU and returns the response APDU including SW1 SW2. Throw ``LinkFailure`` (anything
    /// else thrown is treated as a lost link).
    func transmit(_ command: Data) async throws -> Data
    /// Whether extended-length APDUs pass over this link.
    var supportsExtendedLength: Bool { get }
    /// The most bytes one exchange may carry; 0 if unknown.
    var maxTransceiveLength: Int { get }
}

/// The FFI's `CardTransport` (synchronous, called by the core on the card thread) over an async ``CardLink``.
///
/// Each `transceive` starts one task that awaits `transmit` and blocks the card thread until it delivers or the
/// deadline passes. The task's result goes into a ``OneShot`` — resolved exactly once: a late answer after the
/// deadline is dropped, never delivered to the next command.
public final class LinkTransport: KazasuFFI.CardTransport, @unchecked Sendable {
    private let link: CardLink
    private let deadline: TimeInterval

    public init(link: CardLink, deadline: TimeInterval = 20) {
        self.link = link
        self.deadline = deadline
    }

    public func transceive(command: Data) throws -> Data {
        let slot = OneShot<Result<Data, Error>>()
        let link = self.link
        let task = Task.detached {
            do {
                slot.resolve(.success(try await link.transmit(command)))
            } catch {
                slot.resolve(.failure(error))
            }
        }
        guard let outcome = slot.wait(timeout: deadline) else {
            task.cancel()
            throw KazasuFFI.TransportError.Timeout
        }
        switch outcome {
        case .success(let response):
            return response
        case .failure(let error):
            throw LinkTransport.transportError(for: error)
        }
    }

    public func supportsExtendedLength() throws -> Bool {
        link.supportsExtendedLength
    }

    public func maxTransceiveLength() throws -> UInt32 {
        UInt32(clamping: max(0, link.maxTransceiveLength))
    }

    /// What the core is told when the link throws: a lost tag is CardLost, a timeout Timeout, anything else a
    /// link failure (which the core also treats as a lost card; during VERIFY as "outcome unknown").
    static func transportError(for error: Error) -> KazasuFFI.TransportError {
        switch error {
        case LinkFailure.tagLost:
            return .CardLost
        case LinkFailure.timeout:
            return .Timeout
        case LinkFailure.other(let reason):
            return .Io(reason: reason)
        case is CancellationError:
            return .CardLost
        default:
            // The type name only: a platform error's description is not ours to pass on.
            return .Io(reason: "link failure (\(type(of: error)))")
        }
    }
}

/// A card the NFC code found, handed to the flow. The flow decides what the tap does (or that it does nothing).
public enum CardTap {
    /// Runs `flow.cardPresent` over `link` on a thread of its own — the core blocks there for every APDU, so never
    /// on the main thread or Swift concurrency's pool — and returns whether the flow used the card.
    public static func present(_ link: CardLink, to flow: SigningFlow) async -> Bool {
        await present(link) { flow.cardPresent(transport: $0) }
    }

    /// The same for a log-in.
    public static func present(_ link: CardLink, to flow: LoginFlow) async -> Bool {
        await present(link) { flow.cardPresent(transport: $0) }
    }

    private static func present(_ link: CardLink, use: @escaping (KazasuFFI.CardTransport) -> Bool) async -> Bool {
        let transport = LinkTransport(link: link)
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: use(transport)) }
            thread.name = "jp.kazasu.card"
            thread.start()
        }
    }
}
