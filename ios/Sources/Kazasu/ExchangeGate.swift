import Foundation

/// Turns a completion-handler exchange (CoreNFC's `NFCISO7816Tag.sendCommand(apdu:completionHandler:)`) into
/// an `async` one: **one continuation per APDU, resumed exactly once** — by the framework's completion, or by
/// ``close(_:)`` when the reader session ends first (CoreNFC may then call the completion late, or never).
/// A completion that arrives after its continuation was resumed is dropped and counted.
///
/// After ``close(_:)`` every new exchange fails at once without starting: no command goes out after the
/// session ended (e.g. tag connection lost → the rest of the flow sees `CardLost`).
public final class ExchangeGate: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<Data, LinkFailure>) -> Void

    private let lock = NSLock()
    private var closedWith: LinkFailure?
    private var pending: [UInt64: CheckedContinuation<Data, Error>] = [:]
    private var nextID: UInt64 = 0
    private var late = 0

    public init() {}

    /// Runs one exchange: `start` sends the command and must arrange for the completion to be called (once; more
    /// calls are ignored). Throws ``LinkFailure``.
    public func exchange(_ start: (@escaping Completion) -> Void) async throws -> Data {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, Error>) in
            lock.lock()
            if let reason = closedWith {
                lock.unlock()
                continuation.resume(throwing: reason)
                return
            }
            let id = nextID
            nextID += 1
            pending[id] = continuation
            lock.unlock()
            start { [weak self] result in
                self?.finish(id, result)
            }
        }
    }

    /// Ends the gate: the exchange in flight (if any) fails with `reason`, and so does every later one.
    public func close(_ reason: LinkFailure = .tagLost) {
        lock.lock()
        if closedWith == nil { closedWith = reason }
        let waiting = pending
        pending.removeAll()
        lock.unlock()
        for continuation in waiting.values {
            continuation.resume(throwing: reason)
        }
    }

    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closedWith != nil
    }

    /// Exchanges in flight (0 or 1 in a well-behaved flow).
    public var inFlight: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.count
    }

    /// Completions that came after their exchange was already resumed (late, or called twice): dropped.
    public var droppedCompletions: Int {
        lock.lock()
        defer { lock.unlock() }
        return late
    }

    private func finish(_ id: UInt64, _ result: Result<Data, LinkFailure>) {
        lock.lock()
        let continuation = pending.removeValue(forKey: id)
        if continuation == nil { late += 1 }
        lock.unlock()
        continuation?.resume(with: result.mapError { $0 as Error })
    }
}
