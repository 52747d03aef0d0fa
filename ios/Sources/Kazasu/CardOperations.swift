import Foundation
import KazasuFFI

/// The async face of the core's signing flow. Each call runs the (blocking) FFI session on its own card thread —
/// never on the main thread or Swift concurrency's pool, because the core waits there for each APDU — and
/// resumes its caller exactly once with the outcome. Errors are the FFI's ``KazasuError``.
public enum CardOperations {
    /// Tries left on the signature PIN (0 = blocked). Spends no try.
    public static func remainingTries(over link: CardLink) async throws -> Int {
        let transport = LinkTransport(link: link)
        return try await onCardThread {
            let session = CardSession(transport: transport)
            return Int(try session.remainingSignPinTries())
        }
    }

    /// The whole signing over `link`: select, counter, VERIFY (once, with `pin`), certificate, signature over
    /// `document` — the exact bytes shown to the person. `confirmedLastTry` only after the person's explicit
    /// confirmation. `progress` is called on the card thread.
    public static func sign(
        over link: CardLink,
        pin: SignPin,
        confirmedLastTry: Bool,
        algorithm: HashAlgorithm,
        document: Data,
        progress: @escaping @Sendable (SignStep) -> Void = { _ in }
    ) async throws -> SignedDocument {
        let transport = LinkTransport(link: link)
        let relay = ProgressRelay(progress)
        return try await onCardThread {
            let session = CardSession(transport: transport)
            return try session.sign(
                pin: pin, confirmedLastTry: confirmedLastTry, algorithm: algorithm, data: document, progress: relay)
        }
    }

    /// Runs `body` on a new thread; the continuation is resumed once, when `body` returns or throws. The core
    /// blocks there for each APDU (or HTTP answer) the shell delivers.
    static func onCardThread<T>(name: String = "jp.kazasu.card", _ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.start()
        }
    }
}

final class ProgressRelay: SignProgress, @unchecked Sendable {
    private let report: @Sendable (SignStep) -> Void

    init(_ report: @escaping @Sendable (SignStep) -> Void) {
        self.report = report
    }

    func onStep(step: SignStep) throws {
        report(step)
    }
}
