import Foundation
import KazasuFFI

/// What the next card contact is for.
public enum CardPurpose: Equatable, Sendable {
    /// Read the retry counter (no try is spent).
    case readTries
    /// Present the PIN once, read the certificate, sign.
    case sign
}

/// What to tell the person. ``Messages`` turns each into words (Japanese, English fallback).
public enum Notice: Equatable, Sendable {
    case wrongPin(remaining: Int)
    /// The signature PIN is locked (the flow shows its own screen; this is for the reader sheet).
    case blocked
    case cardLost
    /// The link dropped while the card checked the PIN: whether the try counted is unknown; the counter is re-read.
    case verifyOutcomeUnknown
    case notJpkiCard
    case invalidPin
    /// The counter dropped to one between the taps: warn and confirm, then type the PIN again.
    case lastTryNeedsConfirmation
    case pinAlreadyUsed
    /// The card or phone cannot do it; `reason` is for logs.
    case unsupported(reason: String)
    /// Anything else; `detail` is for logs and bug reports, never shown as the reason.
    case internalError(detail: String)

    // The hand-off (docs/handoff.md). Nothing is signed after any of these (except where the flow says so).
    /// The QR code or link is not a Kazasu request link (not https, malformed, too long…).
    case invalidLink
    /// The relying party's request breaks the protocol (size, encoding, shape); `reason` is for logs.
    case invalidRequest(reason: String)
    /// The request names another site than the one it came from: possibly a forged QR code.
    case originMismatch(expected: String, found: String)
    /// What the request says it shows differs from what would be signed.
    case displayMismatch
    case expired
    /// Issued in the future: the phone's clock (or the site's) is wrong.
    case notYetValid
    /// Already signed (by this phone, or the site says so).
    case replayed
    /// The site does not know this request.
    case requestNotFound
    /// No answer from the site; `reason` is for logs.
    case network(reason: String)
    /// The site answered with an HTTP status and no explanation (e.g. a redirect, which is never followed).
    case httpStatus(Int)
    /// The site refused, in its own words (cleaned by the core, at most 200 characters).
    case refused(message: String)
    /// A resent signature was refused as "already signed": the earlier sending most likely arrived (its answer
    /// was lost). The person checks on the site's page rather than being told it failed.
    case probablyReceived
}

/// The signing flow as the screens see it.
///
/// Order (two card contacts, so that the tries left are known before the PIN is typed):
/// review → holdCard(readTries) → enterPin(remaining) → [confirmLastTry] → holdCard(sign) → working → done,
/// with blocked, failed and cancelled as the other ends. The same states as the Android app.
public enum SignState: Equatable, Sendable {
    /// Hand-off: the request behind the link is being fetched and checked.
    case fetching
    /// The request is shown: who asks, what is signed.
    case review
    /// Waiting for the card; `purpose` says what the next contact does, `notice` explains a previous failure.
    case holdCard(CardPurpose, notice: Notice?)
    /// PIN entry, with the tries left shown before typing.
    case enterPin(remaining: Int, notice: Notice?)
    /// One try left: an explicit warning that must be confirmed before the PIN may be presented.
    case confirmLastTry
    /// The card is being used; `step` is the core's progress.
    case working(SignStep?)
    case done(SignedDocument)
    /// Hand-off: the card signed; the signature is being sent to the relying party.
    case submitting
    /// Hand-off: the relying party verified the signature; what it transcribed from the certificate.
    case submitted(SubmissionReceipt)
    /// Hand-off: sending failed in a way worth another try. The signature is kept: sending again needs neither
    /// the card nor the PIN.
    case submitFailed(Notice)
    /// The signature PIN is locked: explain how to reset it.
    case blocked
    /// A failure the flow cannot recover from by itself.
    case failed(Notice)
    case cancelled

    /// Whether the next wrong PIN would lock the card (PIN entry with one try left).
    public var isLastTry: Bool {
        if case .enterPin(let remaining, _) = self { return remaining == 1 }
        return false
    }

    public var isFinal: Bool {
        switch self {
        case .done, .submitted, .blocked, .failed, .cancelled: return true
        default: return false
        }
    }
}

/// Things that happen: the person's actions and the card's answers.
public enum SignEvent: Sendable {
    case accept
    case cancel
    case triesRead(Int)
    /// A PIN was typed and accepted as a `SignPin` (format checked by the core).
    case pinEntered
    case lastTryConfirmed
    case lastTryDeclined
    case cardTouched
    case progress(SignStep)
    case signed(SignedDocument)
    /// A failure; `pinStillUsable` is true when the PIN was not taken (the link dropped before VERIFY).
    case error(KazasuError, pinStillUsable: Bool)
    /// Hand-off: the request was fetched and passed the core's checks.
    case fetched
    /// Hand-off: the card signed the request's document; the signature goes to the relying party next.
    case signedForSubmission
    /// Hand-off: the relying party accepted the signature.
    case submitted(SubmissionReceipt)
    /// Hand-off: the person asks to send the kept signature again.
    case resend
    /// Hand-off: a step failed. `.Card(error)` is handled like ``error(_:pinStillUsable:)``.
    case handoffError(HandoffFailure, pinStillUsable: Bool)
}

/// The state machine. Not thread-safe: drive it from one actor (the main actor in the app).
///
/// Invariants that protect the person:
/// - the PIN is asked for only after the counter was read in this flow;
/// - with one try left, signing needs `lastTryConfirmed` after the PIN was typed;
/// - after any failure once the PIN was taken, the PIN must be typed again (the machine never re-presents it).
public struct SignFlow: Sendable {
    public private(set) var state: SignState = .review
    /// Tries left as last read from the card (nil before the first read).
    public private(set) var remaining: Int?
    /// Whether the person confirmed the last try for the PIN now held; reset whenever a new PIN is needed.
    public private(set) var lastTryConfirmed = false
    /// Whether a typed PIN is held, waiting for the signing contact.
    public private(set) var pinHeld = false
    /// Hand-off: whether the kept signature was sent more than once.
    public private(set) var resent = false

    /// `fetchingFirst`: a hand-off, which starts by fetching the request behind a link.
    public init(fetchingFirst: Bool = false) {
        if fetchingFirst { state = .fetching }
    }

    /// Which card action the current state expects from the next contact (nil: none wanted now).
    public var pendingCardPurpose: CardPurpose? {
        if case .holdCard(let purpose, _) = state { return purpose }
        return nil
    }

    @discardableResult
    public mutating func on(_ event: SignEvent) -> SignState {
        state = next(state, event)
        return state
    }

    private mutating func next(_ s: SignState, _ e: SignEvent) -> SignState {
        if case .cancel = e {
            switch s {
            // Nothing to cancel once signed; the card work and the sending run to their end.
            case .done, .submitted, .working, .submitting, .submitFailed: return s
            default:
                pinHeld = false
                return .cancelled
            }
        }
        if case .handoffError(let failure, let usable) = e {
            if case .Card(let error) = failure { return next(s, .error(error, pinStillUsable: usable)) }
            return afterHandoffError(s, Notice(failure), worthResending: failure.isWorthResending)
        }
        switch s {
        case .fetching:
            if case .fetched = e { return .review }
            return s
        case .submitting:
            if case .submitted(let receipt) = e { return .submitted(receipt) }
            return s
        case .submitFailed:
            if case .resend = e {
                resent = true
                return .submitting
            }
            return s
        case .review:
            switch e {
            case .accept: return .holdCard(.readTries, notice: nil)
            case .error(let error, _): return afterError(error, pinStillUsable: false, pinWasTyped: false)
            default: return s
            }
        case .holdCard:
            if case .cardTouched = e { return .working(nil) }
            return s
        case .enterPin(let remaining, _):
            switch e {
            case .pinEntered:
                pinHeld = true
                return remaining == 1 && !lastTryConfirmed ? .confirmLastTry : .holdCard(.sign, notice: nil)
            case .error(let error, let usable):
                return afterError(error, pinStillUsable: usable, pinWasTyped: false)
            default:
                return s
            }
        case .confirmLastTry:
            switch e {
            case .lastTryConfirmed:
                lastTryConfirmed = true
                return .holdCard(.sign, notice: nil)
            case .lastTryDeclined:
                pinHeld = false
                return .cancelled
            default:
                return s
            }
        case .working:
            switch e {
            case .progress(let step):
                return .working(step)
            case .triesRead(let n):
                return afterTries(n, notice: nil)
            case .signed(let result):
                pinHeld = false
                return .done(result)
            case .signedForSubmission:
                pinHeld = false
                return .submitting
            case .error(let error, let usable):
                return afterError(error, pinStillUsable: usable, pinWasTyped: pinHeld)
            default:
                return s
            }
        case .done, .submitted, .blocked, .failed, .cancelled:
            return s
        }
    }

    /// A hand-off step failed. Before the signature exists, the flow ends there (nothing is signed; a new scan
    /// starts over). While sending, a failure worth another try keeps the signature for ``SignEvent/resend``.
    private mutating func afterHandoffError(_ s: SignState, _ notice: Notice, worthResending: Bool) -> SignState {
        switch s {
        case .done, .submitted, .blocked, .failed, .cancelled, .submitFailed:
            return s
        case .submitting:
            if resent, notice == .replayed { return .failed(.probablyReceived) }
            return worthResending ? .submitFailed(notice) : .failed(notice)
        default:
            pinHeld = false
            lastTryConfirmed = false
            return .failed(notice)
        }
    }

    private mutating func afterTries(_ n: Int, notice: Notice?) -> SignState {
        remaining = n
        lastTryConfirmed = false
        pinHeld = false
        return n <= 0 ? .blocked : .enterPin(remaining: n, notice: notice)
    }

    private mutating func needNewPin(_ notice: Notice) -> SignState {
        pinHeld = false
        lastTryConfirmed = false
        return .holdCard(.readTries, notice: notice)
    }

    private mutating func afterError(_ error: KazasuError, pinStillUsable: Bool, pinWasTyped: Bool) -> SignState {
        switch error {
        case .WrongPin(let left):
            return afterTries(Int(left), notice: .wrongPin(remaining: Int(left)))
        case .Blocked:
            remaining = 0
            pinHeld = false
            return .blocked
        case .NeedsLastTryConfirmation:
            return afterTries(1, notice: .lastTryNeedsConfirmation)
        case .VerifyOutcomeUnknown:
            // Never retried: the next attempt re-reads the counter and the person types the PIN again.
            return needNewPin(.verifyOutcomeUnknown)
        case .CardLost, .NotJpkiCard:
            let notice: Notice = { if case .CardLost = error { return .cardLost } else { return .notJpkiCard } }()
            if pinWasTyped && pinStillUsable {
                // The PIN never left the phone: hold the card again with the same PIN.
                return .holdCard(.sign, notice: notice)
            }
            if pinWasTyped { return needNewPin(notice) }
            return .holdCard(.readTries, notice: notice)
        case .InvalidPin:
            pinHeld = false
            return .enterPin(remaining: remaining ?? 0, notice: .invalidPin)
        case .PinAlreadyUsed:
            return needNewPin(.pinAlreadyUsed)
        case .Unsupported(let reason):
            pinHeld = false
            return .failed(.unsupported(reason: reason))
        case .Internal(let detail):
            pinHeld = false
            return .failed(.internalError(detail: detail))
        }
    }
}
