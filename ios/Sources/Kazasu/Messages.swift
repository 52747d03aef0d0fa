import Foundation
import KazasuFFI

/// The words the app shows: Japanese first, English as the fallback (Localizable.strings in this package's
/// resources). Every error the core reports maps to one ``Notice`` and from there to one sentence here; details
/// meant for logs (`Internal.detail`, `Unsupported.reason`) are never shown as the reason.
public struct Messages: Sendable {
    private let table: @Sendable (String) -> String
    /// For dates and times (the request's expiry).
    public let locale: Locale

    /// The system's preferred language among ja / en (en when neither matches).
    public init() {
        let bundle = Bundle.module
        table = { key in bundle.localizedString(forKey: key, value: nil, table: nil) }
        locale = Locale.current
    }

    /// One language explicitly ("ja" or "en"), e.g. for tests and previews. Nil if the package has no such
    /// localization.
    public init?(language: String) {
        guard let path = Bundle.module.path(forResource: language, ofType: "lproj"),
              let bundle = Bundle(path: path) else { return nil }
        table = { key in bundle.localizedString(forKey: key, value: nil, table: nil) }
        locale = Locale(identifier: language)
    }

    /// The text for `key`, with `%1$@`, `%2$@`… (and `%@`) replaced by `args` in order.
    public func callAsFunction(_ key: L10n, _ args: String...) -> String {
        Messages.fill(table(key.rawValue), args)
    }

    /// Whether `key` has a translation (a missing one comes back as the key itself).
    public func has(_ key: L10n) -> Bool {
        table(key.rawValue) != key.rawValue
    }

    static func fill(_ template: String, _ args: [String]) -> String {
        var out = template
        for (i, arg) in args.enumerated() {
            out = out.replacingOccurrences(of: "%\(i + 1)$@", with: arg)
        }
        for arg in args {
            guard let r = out.range(of: "%@") else { break }
            out.replaceSubrange(r, with: arg)
        }
        return out
    }

    /// What to tell the person after a failure.
    public func text(for notice: Notice) -> String {
        switch notice {
        case .wrongPin(let remaining): return self(.noticeWrongPin, String(remaining))
        case .blocked: return self(.blockedTitle)
        case .cardLost: return self(.noticeCardLost)
        case .verifyOutcomeUnknown: return self(.noticeVerifyUnknown)
        case .notJpkiCard: return self(.noticeNotJpki)
        case .invalidPin: return self(.noticeInvalidPin)
        case .lastTryNeedsConfirmation: return self(.noticeLastTry)
        case .pinAlreadyUsed: return self(.noticePinUsed)
        case .unsupported: return self(.noticeUnsupported)
        case .internalError: return self(.noticeInternal)
        case .invalidLink: return self(.noticeInvalidLink)
        case .invalidRequest: return self(.noticeInvalidRequest)
        case .originMismatch(let expected, let found): return self(.noticeOriginMismatch, expected, found)
        case .displayMismatch: return self(.noticeDisplayMismatch)
        case .expired: return self(.noticeExpired)
        case .notYetValid: return self(.noticeNotYetValid)
        case .replayed: return self(.noticeReplayed)
        case .requestNotFound: return self(.noticeRequestNotFound)
        case .network: return self(.noticeNetwork)
        case .httpStatus(let status): return self(.noticeHttpStatus, String(status))
        case .refused(let message): return self(.noticeRefused, message)
        case .probablyReceived: return self(.noticeProbablyReceived)
        }
    }

    /// A hand-off failure straight to words.
    public func text(for failure: HandoffFailure) -> String {
        text(for: Notice(failure))
    }

    /// An instant (seconds since the epoch) in the person's time zone, e.g. the request's expiry.
    public func time(_ epochSeconds: Int64, timeZone: TimeZone = .current) -> String {
        let formatter = DateFormatter()
        formatter.locale = locale
        formatter.timeZone = timeZone
        formatter.dateStyle = .medium
        formatter.timeStyle = .short
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }

    /// What the relying party transcribed from the certificate, as (label, value) rows for the result screen.
    public func receiptRows(_ receipt: SubmissionReceipt) -> [(label: String, value: String)] {
        let unknown = self(.valueUnknown)
        return [
            (self(.doneName), receipt.name ?? unknown),
            (self(.doneAddress), receipt.address ?? unknown),
            (self(.doneBirth), receipt.dateOfBirth ?? unknown),
        ]
    }

    /// The app's own error enum straight to words (for places that hold a `KazasuError`, not a flow notice).
    public func text(for error: KazasuError) -> String {
        text(for: Notice(error))
    }

    /// The progress line on the app's screen.
    public func progress(_ step: SignStep?) -> String {
        switch step {
        case nil: return self(.stepWorking)
        case .connecting?: return self(.stepConnecting)
        case .verifyingPin?: return self(.stepVerifying)
        case .readingCertificate?: return self(.stepReading)
        case .signing?: return self(.stepSigning)
        }
    }

    /// The NFC reader sheet's alert message while the card works: 読み取り中… until the card signs, then 署名中….
    public func readerProgress(_ step: SignStep?) -> String {
        step == .signing ? self(.readerSigning) : self(.readerReading)
    }

    public func gender(_ gender: Gender) -> String {
        switch gender {
        case .male: return self(.genderMale)
        case .female: return self(.genderFemale)
        case .notStated: return self(.genderNotStated)
        case .unknown: return self(.valueUnknown)
        }
    }

    /// The 基本4情報 read from the certificate, as (label, value) rows for the result screen.
    public func identityRows(_ identity: Identity) -> [(label: String, value: String)] {
        let unknown = self(.valueUnknown)
        return [
            (self(.doneName), identity.name ?? unknown),
            (self(.doneAddress), identity.address ?? unknown),
            (self(.doneBirth), identity.dateOfBirthIso ?? identity.dateOfBirth ?? unknown),
            (self(.doneGender), gender(identity.genderCode)),
        ]
    }
}

extension Notice {
    /// The one mapping from the FFI's error enum to what the person is told.
    public init(_ error: KazasuError) {
        switch error {
        case .WrongPin(let remaining): self = .wrongPin(remaining: Int(remaining))
        case .Blocked: self = .blocked
        case .NeedsLastTryConfirmation: self = .lastTryNeedsConfirmation
        case .VerifyOutcomeUnknown: self = .verifyOutcomeUnknown
        case .CardLost: self = .cardLost
        case .NotJpkiCard: self = .notJpkiCard
        case .Unsupported(let reason): self = .unsupported(reason: reason)
        case .InvalidPin: self = .invalidPin
        case .PinAlreadyUsed: self = .pinAlreadyUsed
        case .Internal(let detail): self = .internalError(detail: detail)
        }
    }

    /// The one mapping from the FFI's hand-off failures to what the person is told.
    public init(_ failure: HandoffFailure) {
        switch failure {
        case .InvalidLink: self = .invalidLink
        case .InvalidRequest(let reason): self = .invalidRequest(reason: reason)
        case .OriginMismatch(let expected, let found): self = .originMismatch(expected: expected, found: found)
        case .DisplayMismatch: self = .displayMismatch
        case .Expired: self = .expired
        case .NotYetValid: self = .notYetValid
        case .Replayed: self = .replayed
        case .Network(let reason): self = .network(reason: reason)
        case .HttpStatus(let status): self = .httpStatus(Int(status))
        case .Refused(_, let code, let message):
            switch code {
            case .expired: self = .expired
            case .replayed: self = .replayed
            case .notFound: self = .requestNotFound
            default: self = .refused(message: message)
            }
        case .Card(let error): self = Notice(error)
        case .Internal(let detail): self = .internalError(detail: detail)
        }
    }
}

extension HandoffFailure {
    /// Whether sending the same signature again may succeed: no answer at all, or the site failed on its side.
    /// Never true for a refusal of the signature, the certificate or the request.
    public var isWorthResending: Bool {
        switch self {
        case .Network: return true
        case .HttpStatus(let status): return status >= 500
        case .Refused(_, let code, _): return code == .internal
        default: return false
        }
    }
}
