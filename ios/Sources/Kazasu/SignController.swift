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
///
/// Two kinds of subject: a document the app holds (``init(request:messages:)``), or a hand-off link
/// (``init(link:http:messages:clock:)``): fetch → show the request → tries → PIN → sign exactly the request's
/// document → submit → what the relying party transcribed.
@MainActor
public final class SignController {
    /// The document to sign, when the app holds it (nil for a hand-off).
    public let request: SignRequest?
    /// The hand-off link this flow started from (nil for a held document).
    public let link: IncomingLink?
    public let messages: Messages
    public private(set) var flow: SignFlow
    /// Called after every state change (the SwiftUI model publishes it).
    public var onChange: ((SignState) -> Void)?
    /// Hand-off: the fetched and checked request (after ``fetch()``), and what it shows.
    public private(set) var signingRequest: SigningRequest?
    public private(set) var display: RequestDisplay?
    /// Hand-off: the signature being sent (a resend needs neither card nor PIN).
    public private(set) var submissionTask: Task<Void, Never>?

    private var pin: SignPin?
    private var busy = false
    private let http: HttpTransport?
    private let clock: Handoff.Clock
    private var signature: SignedDocument?

    public init(request: SignRequest, messages: Messages = Messages()) {
        self.request = request
        self.link = nil
        self.http = nil
        self.clock = Handoff.systemClock
        self.messages = messages
        self.flow = SignFlow()
    }

    /// A hand-off from a scanned QR text or an opened link. Starts in `.fetching`; call ``fetch()``. `http` is
    /// the app's HTTP stack (no redirects, bounded bodies); `clock` the phone's time (tests fix it).
    public init(
        link: IncomingLink, http: HttpTransport, messages: Messages = Messages(),
        clock: @escaping Handoff.Clock = Handoff.systemClock
    ) {
        self.request = nil
        self.link = link
        self.http = http
        self.clock = clock
        self.messages = messages
        self.flow = SignFlow(fetchingFirst: true)
    }

    /// Hand-off: fetches and checks the request behind the link, then shows it (`.review`), or ends with why not.
    public func fetch() async {
        guard case .fetching = flow.state, let link, let http, !busy else { return }
        busy = true
        defer { busy = false }
        do {
            let fetched = try await Handoff.fetch(link: link, http: http, now: clock())
            // Cancelled while fetching: nothing of the request is kept or shown.
            guard case .fetching = flow.state else { return }
            signingRequest = fetched
            display = fetched.display()
            apply(.fetched)
        } catch {
            apply(.handoffError(Handoff.failure(error), pinStillUsable: false))
        }
    }

    public var state: SignState { flow.state }

    /// Whether the screens should offer the card contact now (and what for).
    public var pendingCardPurpose: CardPurpose? { busy ? nil : flow.pendingCardPurpose }

    public func accept() {
        guard case .review = flow.state else { return }
        if link != nil {
            guard signingRequest != nil else { return }
            // No card contact for a request that is already out of date.
            guard stillValid() else { return }
        } else {
            // Only text can be shown, and only what is shown is signed.
            guard request?.documentText != nil else {
                apply(.error(.Unsupported(reason: "request document is not UTF-8 text"), pinStillUsable: false))
                return
            }
        }
        apply(.accept)
    }

    /// Hand-off: sends the kept signature again after a failed submission (no card, no PIN).
    public func resend() {
        guard case .submitFailed = flow.state, signature != nil else { return }
        apply(.resend)
        startSubmission()
    }

    public func cancel() { apply(.cancel) }

    /// Builds the `SignPin` from `input` and wipes `input` whatever happens.
    public func submitPin(_ input: PinInput) {
        guard case .enterPin = flow.state else {
            input.clear()
            return
        }
        // Hand-off: the expiry is checked again right before the PIN is taken.
        guard stillValid() else {
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
                let tries = try await CardOperations.remainingTries(over: link)
                // Hand-off: right before the PIN is asked, the request must still be valid.
                if tries > 0, let failure = expiryFailure() {
                    event = .handoffError(failure, pinStillUsable: false)
                } else {
                    event = .triesRead(tries)
                }
            } catch {
                event = .error(Self.kazasuError(error), pinStillUsable: false)
            }
        case .sign:
            guard let heldPin else {
                event = .error(.PinAlreadyUsed, pinStillUsable: false)
                break
            }
            let messages = self.messages
            if let signingRequest {
                do {
                    signature = try await Handoff.sign(
                        signingRequest, over: link, pin: heldPin, confirmedLastTry: confirmed, now: clock(),
                        progress: { step in
                            Task { @MainActor [weak self] in
                                self?.apply(.progress(step))
                                alert(messages.readerProgress(step))
                            }
                        })
                    event = .signedForSubmission
                } catch {
                    event = .handoffError(Handoff.failure(error), pinStillUsable: !heldPin.isUsed())
                }
                break
            }
            guard let request else {
                event = .error(.Internal(detail: "nothing to sign"), pinStillUsable: false)
                break
            }
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
        if case .signedForSubmission = event { startSubmission() }
        return sessionEnd(after: event)
    }

    /// The reader session ended without a card being used (the person closed the sheet, or it timed out).
    /// Nothing changes in the flow: the screen offers the contact again.
    public func readerSessionEndedWithoutCard() {
        onChange?(flow.state)
    }

    /// Forget everything sensitive (screen closed).
    public func dispose() { dropPin() }

    /// Hand-off: whether the request is still valid now; if not, the flow ends with why (and no PIN is asked).
    private func stillValid() -> Bool {
        guard let failure = expiryFailure() else { return true }
        apply(.handoffError(failure, pinStillUsable: false))
        return false
    }

    /// Hand-off: the core's expiry check at the phone's time (nil: valid, or not a hand-off).
    private func expiryFailure() -> HandoffFailure? {
        guard let signingRequest else { return nil }
        do {
            try signingRequest.checkNotExpired(now: clock())
            return nil
        } catch {
            return Handoff.failure(error)
        }
    }

    /// Hand-off: posts the kept signature (the card is no longer needed) and moves the flow to its result.
    private func startSubmission() {
        guard case .submitting = flow.state, let signingRequest, let signature, let http else { return }
        submissionTask = Task { @MainActor [weak self] in
            let event: SignEvent
            do {
                event = .submitted(try await Handoff.submit(signingRequest, signed: signature, http: http))
            } catch {
                event = .handoffError(Handoff.failure(error), pinStillUsable: false)
            }
            guard let self else { return }
            if case .submitted = event { self.signature = nil }
            self.apply(event)
        }
    }

    /// Whether a PIN is held for the signing contact (for tests and the screen).
    public var holdsPin: Bool { pin != nil }

    private func sessionEnd(after event: SignEvent) -> ReaderSessionEnd {
        switch event {
        case .triesRead(let n) where n > 0:
            return .success(message: messages(.readerTriesRead))
        case .triesRead:
            return .failure(message: messages.text(for: .blocked))
        case .signed, .signedForSubmission:
            return .success(message: messages(.readerSigned))
        case .error(let error, _):
            return .failure(message: messages.text(for: error))
        case .handoffError(let failure, _):
            return .failure(message: messages.text(for: failure))
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
