import Foundation
import KazasuFFI

/// How the NFC reader session should end after a card contact: with a short success message, or invalidated
/// with an error message (iOS shows it in the reader sheet) — on *every* error.
public enum ReaderSessionEnd: Equatable, Sendable {
    case success(message: String)
    case failure(message: String)
}

/// Drives a ``SignFlow`` for the screens: holds the `SignPin` between PIN entry and the signing contact, runs the
/// card work over the ``CardLink`` the NFC code hands in, and says how the reader session ends. Main actor only;
/// the card work itself runs on a card thread (``CardOperations``).
@MainActor
public final class SignController {
    public let request: SignRequest
    public let messages: Messages
    public private(set) var flow = SignFlow()
    /// Called after every state change (the SwiftUI model publishes it).
    public var onChange: ((SignState) -> Void)?

    private var pin: SignPin?
    private var busy = false

    public init(request: SignRequest, messages: Messages = Messages()) {
        self.request = request
        self.messages = messages
    }

    public var state: SignState { flow.state }

    /// Whether the screens should offer the card contact now (and what for).
    public var pendingCardPurpose: CardPurpose? { busy ? nil : flow.pendingCardPurpose }

    public func accept() {
        // Only text can be shown, and only what is shown is signed.
        guard request.documentText != nil else {
            apply(.error(.Unsupported(reason: "request document is not UTF-8 text"), pinStillUsable: false))
            return
        }
        apply(.accept)
    }

    public func cancel() { apply(.cancel) }

    /// Builds the `SignPin` from `input` and wipes `input` whatever happens.
    public func submitPin(_ input: PinInput) {
        guard case .enterPin = flow.state else {
            input.clear()
            return
        }
        let built: SignPin
        do {
            built = try input.makeSignPin()
        } catch let error as KazasuError {
            apply(.error(error, pinStillUsable: false))
            return
        } catch {
            apply(.error(.Internal(detail: "SignPin: \(type(of: error))"), pinStillUsable: false))
            return
        }
        dropPin()
        pin = built
        apply(.pinEntered)
    }

    public func confirmLastTry() { apply(.lastTryConfirmed) }

    public func declineLastTry() { apply(.lastTryDeclined) }

    /// The reader session found a card and connected `link`. Runs the work the flow waits for (read the tries,
    /// or sign), reports the reader-sheet text through `alert` (on the main actor), and returns how the session
    /// should end. A contact when none is wanted ends the session at once.
    public func cardConnected(_ link: CardLink, alert: @escaping @MainActor (String) -> Void = { _ in })
        async -> ReaderSessionEnd
    {
        guard let purpose = pendingCardPurpose else {
            return .failure(message: messages(.cancelled))
        }
        busy = true
        defer { busy = false }
        let heldPin = pin
        let confirmed = flow.lastTryConfirmed
        apply(.cardTouched)
        alert(messages.readerProgress(nil))

        let event: SignEvent
        switch purpose {
        case .readTries:
            do {
                event = .triesRead(try await CardOperations.remainingTries(over: link))
            } catch {
                event = .error(Self.kazasuError(error), pinStillUsable: false)
            }
        case .sign:
            guard let heldPin else {
                event = .error(.PinAlreadyUsed, pinStillUsable: false)
                break
            }
            let messages = self.messages
            do {
                let signed = try await CardOperations.sign(
                    over: link, pin: heldPin, confirmedLastTry: confirmed, algorithm: request.algorithm,
                    document: request.document,
                    progress: { step in
                        Task { @MainActor [weak self] in
                            self?.apply(.progress(step))
                            alert(messages.readerProgress(step))
                        }
                    })
                event = .signed(signed)
            } catch {
                event = .error(Self.kazasuError(error), pinStillUsable: !heldPin.isUsed())
            }
        }
        apply(event)
        return sessionEnd(after: event)
    }

    /// The reader session ended without a card being used (the person closed the sheet, or it timed out).
    /// Nothing changes in the flow: the screen offers the contact again.
    public func readerSessionEndedWithoutCard() {
        onChange?(flow.state)
    }

    /// Forget everything sensitive (screen closed).
    public func dispose() { dropPin() }

    /// Whether a PIN is held for the signing contact (for tests and the screen).
    public var holdsPin: Bool { pin != nil }

    private func sessionEnd(after event: SignEvent) -> ReaderSessionEnd {
        switch event {
        case .triesRead(let n) where n > 0:
            return .success(message: messages(.readerTriesRead))
        case .triesRead:
            return .failure(message: messages.text(for: .blocked))
        case .signed:
            return .success(message: messages(.readerSigned))
        case .error(let error, _):
            return .failure(message: messages.text(for: error))
        default:
            return .failure(message: messages(.noticeInternal))
        }
    }

    private func apply(_ event: SignEvent) {
        flow.on(event)
        if !flow.pinHeld { dropPin() }
        onChange?(flow.state)
    }

    private func dropPin() {
        pin?.discard()
        pin = nil
    }

    static func kazasuError(_ error: Error) -> KazasuError {
        (error as? KazasuError) ?? .Internal(detail: "unexpected error type \(type(of: error))")
    }
}
