import Foundation
import KazasuFFI

/// The words the app shows: Japanese first, English as the fallback (Localizable.strings in this package's
/// resources). Every error the core reports maps to one ``Notice`` and from there to one sentence here; details
/// meant for logs (`Internal.detail`, `Unsupported.reason`) are never shown as the reason.
public struct Messages: Sendable {
    private let table: @Sendable (String) -> String

    /// The system's preferred language among ja / en (en when neither matches).
    public init() {
        let bundle = Bundle.module
        table = { key in bundle.localizedString(forKey: key, value: nil, table: nil) }
    }

    /// One language explicitly ("ja" or "en"), e.g. for tests and previews. Nil if the package has no such
    /// localization.
    public init?(language: String) {
        guard let path = Bundle.module.path(forResource: language, ofType: "lproj"),
              let bundle = Bundle(path: path) else { return nil }
        table = { key in bundle.localizedString(forKey: key, value: nil, table: nil) }
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
        }
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
}
