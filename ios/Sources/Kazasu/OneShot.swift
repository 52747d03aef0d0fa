import Foundation

/// A value delivered at most once, from any thread, to one waiter: the first `resolve` wins and later ones are
/// ignored (they return false). Used where an answer must reach its asker exactly once: one per APDU.
public final class OneShot<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?
    private var resolved = false

    public init() {}

    /// Delivers `value` if nothing was delivered yet. Returns whether this call delivered.
    @discardableResult
    public func resolve(_ value: Value) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if resolved { return false }
        resolved = true
        self.value = value
        condition.broadcast()
        return true
    }

    public var isResolved: Bool {
        condition.lock()
        defer { condition.unlock() }
        return resolved
    }

    /// Blocks the calling thread until a value is delivered or `timeout` seconds pass (nil). Never call this on
    /// the main thread or from Swift concurrency's cooperative pool: the card thread only.
    public func wait(timeout: TimeInterval) -> Value? {
        let until = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !resolved {
            if !condition.wait(until: until) { break }
        }
        return resolved ? value : nil
    }
}
