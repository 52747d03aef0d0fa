import Foundation
import KazasuFFI

/// The words the app shows for the flow's states and notices: Japanese first, English as the fallback. Only
/// words of the app's own catalog reach the person, plus a relying party's refusal in its own words (cleaned by
/// the core), shown as the site's words. The keys (`L10n`) and `notice(_:)` are generated from the catalog
/// (L10n.swift, by kazasu-words).
public struct Words: Sendable {
    private let table: @Sendable (String) -> String
    /// For dates and times (the request's expiry).
    public let locale: Locale

    /// The system's preferred language among ja / en (en when neither matches).
    public init() {
        let bundle = Bundle.module
        table = { bundle.localizedString(forKey: $0, value: nil, table: nil) }
        locale = Locale.current
    }

    /// One language explicitly ("ja" or "en"); nil if the package has no such localization.
    public init?(language: String) {
        guard let path = Bundle.module.path(forResource: language, ofType: "lproj"),
              let bundle = Bundle(path: path) else { return nil }
        table = { bundle.localizedString(forKey: $0, value: nil, table: nil) }
        locale = Locale(identifier: language)
    }

    /// The text for `key`, with `%1$@`, `%2$@`… replaced by `args` in order — in one pass over the catalog's
    /// text, so an argument from a site (`Windows · %2$@`) is shown as it is, never filled in itself.
    public func callAsFunction(_ key: L10n, _ args: String...) -> String {
        var rest = Substring(table(key.rawValue))
        var out = ""
        while let r = rest.range(of: #"%[1-9]\$@"#, options: .regularExpression) {
            out += rest[..<r.lowerBound]
            let n = Int(String(rest[rest.index(after: r.lowerBound)])) ?? 0
            out += n <= args.count ? args[n - 1] : String(rest[r])
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// Whether `key` has a translation (a missing one comes back as the key itself).
    public func has(_ key: L10n) -> Bool {
        table(key.rawValue) != key.rawValue
    }

    /// The progress line while the card works.
    public func step(_ step: SignStep) -> String {
        switch step {
        case .connecting: return self(.state_working_connecting)
        case .verifyingPin: return self(.state_working_verifying_pin)
        case .readingCertificate: return self(.state_working_reading_certificate)
        case .signing: return self(.state_working_signing)
        }
    }

    /// The NFC sheet's message while the card works: reading until the card signs, then signing.
    public func reader(_ step: SignStep) -> String {
        step == .signing ? self(.reader_signing) : self(.reader_reading)
    }

    /// How the NFC sheet closes after a tap, from the state the tap left: `ok` (the card's part is done: the core's
    /// `readerDone`, never decided here) or the words of what stopped it.
    public func readerClosing(_ state: FlowState) -> (ok: Bool, text: String) {
        if readerDone(state: state) { return (true, self(.reader_done)) }
        switch state {
        case .enterPin(_, _, let notice?), .holdCard(let notice?), .failed(let notice): return (false, self.notice(notice))
        case .confirmLastTry: return (false, self(.state_confirm_last_try))
        case .blocked: return (false, self(.state_blocked))
        default: return (false, self(.state_cancelled))
        }
    }

    // MARK: - a log-in (LoginFlow)

    /// The progress line while the card works for a log-in.
    public func loginStep(_ step: SignStep) -> String {
        switch step {
        case .verifyingPin: return self(.login_working_verifying_pin)
        case .signing: return self(.login_working_signing)
        default: return self.step(step)
        }
    }

    /// The NFC sheet's message while the card works for a log-in: reading until the card answers the challenge.
    public func loginReader(_ step: SignStep) -> String {
        step == .signing ? self(.login_reader_signing) : self(.reader_reading)
    }

    /// How the NFC sheet closes after a log-in's tap, from the state the tap left: `ok` once the card has
    /// answered the challenge (the core's `loginReaderDone`, never decided here), or the words of what stopped it.
    public func loginReaderClosing(_ state: LoginState) -> (ok: Bool, text: String) {
        if loginReaderDone(state: state) { return (true, self(.login_reader_done)) }
        switch state {
        case .enterPin(_, _, let notice?), .holdCard(let notice?), .failed(let notice): return (false, loginNotice(notice))
        case .confirmLastTry: return (false, self(.login_confirm_last_try))
        case .blocked: return (false, self(.login_blocked))
        default: return (false, self(.login_cancelled))
        }
    }

    /// Where and when the relying party says the log-in was started ("… on Windows · Chrome, 2 min ago."); the
    /// screen shows ``L10n/login_relay_warning`` with it.
    public func loginContext(_ context: CreationContext) -> String {
        self(.login_review_context, context.createdFrom, age(context.age))
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

    /// How long ago a request was created, in the core's steps: just now, whole minutes, whole hours.
    public func age(_ age: RequestAge) -> String {
        switch age {
        case .justNow: return self(.age_just_now)
        case .minutes(let count): return self(.age_minutes, String(count))
        case .hours(let count): return self(.age_hours, String(count))
        }
    }

    /// Where and when the relying party says the request was created ("… on Windows · Chrome, 2 min ago."); the
    /// screen shows ``L10n/relay_warning`` with it.
    public func context(_ context: CreationContext) -> String {
        self(.state_review_request_context, context.createdFrom, age(context.age))
    }

    /// What signing hands over to whom: the certificate's items, to the origin shown or to whoever receives the
    /// signature.
    public func disclosure(_ disclosure: Disclosure) -> String {
        let items = disclosure.items.map { item -> String in
            switch item {
            case .name: return self(.label_name)
            case .address: return self(.label_address)
            case .dateOfBirth: return self(.label_date_of_birth)
            case .gender: return self(.label_gender)
            }
        }.joined(separator: self(.item_separator))
        switch disclosure.recipient {
        case .origin(let origin): return self(.state_review_disclosure_to_origin, items, origin)
        case .whoeverReceivesTheSignature: return self(.state_review_disclosure_with_file, items)
        }
    }

    /// The 基本4情報 read from the certificate, as (label, value) rows.
    public func identityRows(_ identity: Identity) -> [(label: String, value: String)] {
        let gender: String
        switch identity.genderCode {
        case .male: gender = self(.gender_male)
        case .female: gender = self(.gender_female)
        case .notStated: gender = self(.gender_not_stated)
        case .unknown: gender = self(.value_unknown)
        }
        return rows(identity.name, identity.address, identity.dateOfBirthIso ?? identity.dateOfBirth)
            + [(self(.label_gender), gender)]
    }

    /// What the relying party transcribed from the certificate, as (label, value) rows.
    public func receiptRows(_ receipt: SubmissionReceipt) -> [(label: String, value: String)] {
        rows(receipt.name, receipt.address, receipt.dateOfBirth)
    }

    private func rows(_ name: String?, _ address: String?, _ birth: String?) -> [(label: String, value: String)] {
        let unknown = self(.value_unknown)
        return [(self(.label_name), name ?? unknown), (self(.label_address), address ?? unknown),
                (self(.label_date_of_birth), birth ?? unknown)]
    }
}

/// The flow's observer for a screen: delivers every state to `deliver` on the main queue, in the order the flow
/// produced them (the flow calls its observer on its own threads). ``MainQueueLoginObserver`` for a log-in.
public final class MainQueueObserver: FlowObserver, @unchecked Sendable {
    /// Set on the main thread, before the flow starts; called on the main thread.
    public var deliver: (@MainActor (FlowState) -> Void)?

    public init() {}

    public func onState(state: FlowState) {
        DispatchQueue.main.async {
            MainActor.assumeIsolated { self.deliver?(state) }
        }
    }
}

/// ``MainQueueObserver`` for a log-in's states.
public final class MainQueueLoginObserver: LoginObserver, @unchecked Sendable {
    /// Set on the main thread, before the flow starts; called on the main thread.
    public var deliver: (@MainActor (LoginState) -> Void)?

    public init() {}

    public func onState(state: LoginState) {
        DispatchQueue.main.async {
            MainActor.assumeIsolated { self.deliver?(state) }
        }
    }
}
