import XCTest
import KazasuFFI
@testable import Kazasu

/// The words for the flow's states and notices, in Japanese and English.
final class WordsTests: XCTestCase {
    private let ja = Words(language: "ja")!
    private let en = Words(language: "en")!

    /// One of every notice the flow can give.
    static let notices: [Notice] = [
        .wrongPin(remaining: 3), .lastTry, .cardLost, .verifyOutcomeUnknown, .cardLostAfterPin, .notJpkiCard,
        .triesUnknown, .invalidPin(rule: .length), .invalidPin(rule: .alphabet), .invalidPin(rule: .fourDigits), .cardUnsupported, .cardFault,
        .invalidLink, .invalidRequest, .originMismatch(expected: "https://evil.example", found: "https://city.example.jp"),
        .displayMismatch, .expired, .notYetValid, .alreadySigned, .requestNotFound, .network, .httpStatus(status: 503),
        .refused(code: .badSignature, message: "署名を検証できません"), .refused(code: .internal, message: ""),
    ]

    func testEveryKeyIsTranslatedInJapaneseAndEnglishWithTheSamePlaceholders() {
        for key in L10n.allCases {
            XCTAssertTrue(ja.has(key), "ja lacks \(key.rawValue)")
            XCTAssertTrue(en.has(key), "en lacks \(key.rawValue)")
            XCTAssertEqual(placeholders(ja(key)), placeholders(en(key)), key.rawValue)
        }
    }

    func testTheStringsFilesHoldNoKeyTheCodeDoesNotKnow() throws {
        for language in ["ja", "en"] {
            let path = try XCTUnwrap(Bundle.module.path(
                forResource: "Localizable", ofType: "strings", inDirectory: nil, forLocalization: language))
            let keys = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
                line -> String? in
                guard line.hasPrefix("\""), let end = line.dropFirst().firstIndex(of: "\"") else { return nil }
                return String(line[line.index(after: line.startIndex)..<end])
            }
            XCTAssertEqual(Set(keys), Set(L10n.allCases.map(\.rawValue)), language)
            XCTAssertEqual(keys.count, L10n.allCases.count, "\(language): a key is listed twice")
        }
    }

    func testEveryNoticeIsItsOwnSentenceInBothLanguagesWithItsPlaceholdersFilled() {
        var seen = Set<String>()
        for notice in WordsTests.notices {
            let j = ja.notice(notice), e = en.notice(notice)
            XCTAssertFalse(j.contains("%") || e.contains("%") || j.hasPrefix("notice_"), "\(notice): \(j) / \(e)")
            XCTAssertNotEqual(j, e, "\(notice)")
            seen.insert(j)
        }
        XCTAssertEqual(seen.count, WordsTests.notices.count, "each notice has its own sentence")
        XCTAssertEqual(ja.notice(.wrongPin(remaining: 3)), "署名用パスワードが違います。残り3回です。")
        XCTAssertEqual(en.notice(.httpStatus(status: 503)), "The site could not answer (HTTP 503).")
        XCTAssertTrue(ja.notice(WordsTests.notices[5]).contains("マイナンバーカード"))
        let mismatch = ja.notice(.originMismatch(expected: "https://evil.example", found: "https://city.example.jp"))
        XCTAssertTrue(mismatch.contains("(https://evil.example)ではなく、別のサイト(https://city.example.jp)"), mismatch)
    }

    func testOnlyTheSitesOwnWordsAreShownAndMarkedAsTheirs() {
        XCTAssertEqual(ja.notice(.refused(code: .badSignature, message: "署名を検証できません")),
                       "申請先が受け付けませんでした。申請先からのメッセージ:「署名を検証できません」")
        XCTAssertEqual(en.notice(.refused(code: .internal, message: "try later")),
                       "The site did not accept it. The site's message: “try later”")
    }

    /// The drift this once was: the iPhone had no words for a refusal without the site's words and showed 「」.
    func testARefusalWithoutTheSitesWordsIsSaidWithoutAnEmptyQuote() {
        XCTAssertEqual(ja.notice(.refused(code: .internal, message: "")), "申請先が受け付けませんでした。")
        XCTAssertEqual(en.notice(.refused(code: .rateLimited, message: "")), "The site did not accept it.")
        XCTAssertEqual(ja.notice(.refused(code: .internal, message: "")), ja(.notice_refused_without_message))
        for words in [ja, en] {
            let said = words.notice(.refused(code: .internal, message: ""))
            XCTAssertFalse(said.contains("「」") || said.contains("“”") || said.contains("%"), said)
        }
    }

    func testTheReaderSheetSaysReadingUntilTheCardSignsAndClosesWithWhatTheTapLeft() throws {
        XCTAssertEqual([SignStep.connecting, .verifyingPin, .readingCertificate].map(ja.reader), Array(repeating: "読み取り中…", count: 3))
        XCTAssertTrue(ja.reader(.signing).hasPrefix("署名中…"))
        XCTAssertEqual(en.reader(.connecting), "Reading…")
        XCTAssertTrue(ja.readerClosing(.submitting(attempt: 1)) == (true, "署名しました"))
        XCTAssertTrue(ja.readerClosing(.probablyReceived).ok)
        let wrong = ja.readerClosing(.enterPin(knownTries: 4, lastTry: false, notice: .wrongPin(remaining: 4)))
        XCTAssertTrue(wrong == (false, "署名用パスワードが違います。残り4回です。"), "\(wrong)")
        XCTAssertTrue(ja.readerClosing(.holdCard(notice: .cardLost)) == (false, ja.notice(.cardLost)))
        XCTAssertTrue(ja.readerClosing(.failed(notice: .expired)) == (false, ja.notice(.expired)))
        XCTAssertTrue(ja.readerClosing(.confirmLastTry) == (false, ja(.state_confirm_last_try)))
        XCTAssertTrue(ja.readerClosing(.blocked) == (false, ja(.state_blocked)))
        XCTAssertFalse(ja.readerClosing(.cancelled).ok)
    }

    func testALogInSpeaksOfTheLogInAndTheAuthenticationPasswordNeverOfARequestOrTheSignaturePassword() {
        // Not on a log-in's path: the signature password's rules, and the request's display check.
        let signingOnly: [Notice] = [.invalidPin(rule: .length), .invalidPin(rule: .alphabet), .displayMismatch]
        var seen = Set<String>()
        for notice in WordsTests.notices where !signingOnly.contains(notice) {
            let j = ja.loginNotice(notice), e = en.loginNotice(notice)
            XCTAssertFalse(j.contains("%") || e.contains("%") || j.hasPrefix("login_"), "\(notice): \(j) / \(e)")
            // Our words, not the site's (quoted in a refusal).
            var (ours, oursEn) = (j, e)
            if case .refused(_, let message) = notice {
                (ours, oursEn) = (j.replacingOccurrences(of: message, with: ""), e.replacingOccurrences(of: message, with: ""))
            }
            XCTAssertFalse(ours.contains("署名") || ours.contains("申請"), "\(notice): \(j)")
            XCTAssertFalse(oursEn.lowercased().contains("sign") || oursEn.contains("request"), "\(notice): \(e)")
            seen.insert(j)
        }
        XCTAssertEqual(seen.count, WordsTests.notices.count - signingOnly.count, "each notice has its own sentence")
        XCTAssertEqual(ja.loginNotice(.wrongPin(remaining: 2)), "利用者証明用パスワードが違います。残り2回です。")
        XCTAssertEqual(ja.loginNotice(.cardLost), ja.notice(.cardLost), "the words that fit both are shared")
        XCTAssertEqual(en.loginNotice(.refused(code: .badCertificate, message: "not a trusted card")),
                       "The site did not accept the log-in. The site's message: “not a trusted card”")
        XCTAssertEqual([SignStep.connecting, .readingCertificate].map(ja.loginStep), [ja.step(.connecting), ja.step(.readingCertificate)])
        XCTAssertFalse(ja.loginStep(.signing).contains("署名"), ja.loginStep(.signing))
        XCTAssertTrue(ja.loginStep(.verifyingPin).contains("利用者証明用パスワード"), ja.loginStep(.verifyingPin))
        for key in [L10n.login_enter_pin, .login_enter_pin_placeholder, .login_confirm_last_try, .login_confirm_last_try_body,
                    .login_blocked, .login_enter_pin_last_try_hint] {
            XCTAssertTrue(ja(key).contains("利用者証明用パスワード"), "\(key): \(ja(key))")
            XCTAssertTrue(en(key).contains("uthentication password"), "\(key): \(en(key))")
        }
        XCTAssertTrue(ja(.login_enter_pin).contains("4桁"))
    }

    func testALogInsContextAndReaderSheetSayLogIn() {
        let context = CreationContext(createdFrom: "Windows · Chrome", createdAt: 1_767_225_600, age: .minutes(count: 2))
        XCTAssertEqual(ja.loginContext(context), "このログインは Windows · Chrome で2分前に始められました。")
        XCTAssertEqual(en.loginContext(context), "This log-in was started on Windows · Chrome, 2 min ago.")
        XCTAssertTrue(ja(.login_relay_warning).contains("QRコード"), ja(.login_relay_warning))
        XCTAssertTrue(ja(.login_nothing_personal).contains("氏名"), ja(.login_nothing_personal))
        XCTAssertEqual(ja.loginReader(.verifyingPin), "読み取り中…")
        XCTAssertTrue(ja.loginReader(.signing).hasPrefix("認証中…"))
        XCTAssertTrue(ja.loginReaderClosing(.submitting(attempt: 1)) == (true, ja(.login_reader_done)))
        XCTAssertTrue(ja.loginReaderClosing(.loggedIn(origin: cityOrigin, relyingParty: "伊勢市")).ok)
        let wrong = ja.loginReaderClosing(.enterPin(knownTries: 2, lastTry: false, notice: .wrongPin(remaining: 2)))
        XCTAssertTrue(wrong == (false, "利用者証明用パスワードが違います。残り2回です。"), "\(wrong)")
        XCTAssertTrue(ja.loginReaderClosing(.confirmLastTry) == (false, ja(.login_confirm_last_try)))
        XCTAssertTrue(ja.loginReaderClosing(.blocked) == (false, ja(.login_blocked)))
        XCTAssertTrue(ja.loginReaderClosing(.failed(notice: .expired)) == (false, ja.loginNotice(.expired)))
        XCTAssertTrue(ja.loginReaderClosing(.cancelled) == (false, ja(.login_cancelled)))
    }

    func testTheSheetClosesAsDoneExactlyWhenTheCoreSaysTheReaderIsDone() throws {
        let document = SignedDocument(signature: Data([1]), certificate: Data([2]), algorithm: .sha256,
                                      identity: Identity(name: nil, address: nil, dateOfBirth: nil, dateOfBirthIso: nil,
                                                         gender: nil, genderCode: .unknown, nameSubstitute: nil,
                                                         addressSubstitute: nil))
        let states: [FlowState] = [
            .fetching, .enterPin(knownTries: 1, lastTry: true, notice: nil),
            .enterPin(knownTries: 4, lastTry: false, notice: .wrongPin(remaining: 4)), .confirmLastTry,
            .holdCard(notice: .cardLost), .working(step: .signing), .submitting(attempt: 2),
            .submitFailed(notice: .network, canResend: true), .signed(result: document), .probablyReceived, .blocked,
            .failed(notice: .expired), .cancelled,
        ]
        for state in states {
            let closing = ja.readerClosing(state)
            XCTAssertEqual(closing.ok, readerDone(state: state), "\(state)")
            XCTAssertEqual(closing.text == ja(.reader_done), readerDone(state: state), "\(state)")
        }
        // The core's rule, not a copy of it: a signature made is done, a question or a notice is not.
        XCTAssertEqual(states.filter { readerDone(state: $0) }.count, 4)
    }

    func testTheIdentityRowsComeFromTheCertificate() throws {
        let card = SoftwareCard()
        let flow = bytesFlowWaitingForCard()
        XCTAssertTrue(flow.cardPresent(transport: card.link()))
        guard case .signed(let signed) = flow.state() else { return XCTFail("\(flow.state())") }
        let rows = ja.identityRows(signed.identity)
        XCTAssertEqual(rows.map(\.label), ["氏名", "住所", "生年月日", "性別"])
        XCTAssertEqual(rows[0].value, try XCTUnwrap(signed.identity.name))
        XCTAssertEqual(rows[1].value, try XCTUnwrap(signed.identity.address))
        XCTAssertEqual(rows[2].value, "1985-04-01")
        XCTAssertNotEqual(rows[3].value, ja(.value_unknown), "the gender code is understood")
        let none = Identity(name: nil, address: nil, dateOfBirth: nil, dateOfBirthIso: nil, gender: nil,
                            genderCode: .unknown, nameSubstitute: nil, addressSubstitute: nil)
        XCTAssertEqual(Set(en.identityRows(none).map(\.value)), ["(not in the certificate)"])
        let receipt = SubmissionReceipt(requestId: "r", name: "かざす　花子", address: nil, dateOfBirth: "1985-04-01")
        XCTAssertEqual(ja.receiptRows(receipt).map(\.value), ["かざす　花子", "(証明書に記載なし)", "1985-04-01"])
    }

    func testTheRequestsAgeIsSaidInTheCoresSteps() {
        let ages: [RequestAge] = [.justNow, .minutes(count: 1), .minutes(count: 59), .hours(count: 1), .hours(count: 2)]
        XCTAssertEqual(ages.map { ja.age($0) }, ["1分以内", "1分前", "59分前", "1時間前", "2時間前"])
        XCTAssertEqual(ages.map { en.age($0) }, ["just now", "1 min ago", "59 min ago", "1 h ago", "2 h ago"])
    }

    func testTheContextSaysWhereAndWhenTheRequestWasCreated() {
        let context = CreationContext(createdFrom: "Windows · Chrome", createdAt: 1_767_225_600, age: .minutes(count: 2))
        XCTAssertEqual(ja.context(context), "この申請は Windows · Chrome で2分前に作成されました。")
        XCTAssertEqual(en.context(context), "This request was created on Windows · Chrome, 2 min ago.")
        XCTAssertNotEqual(ja(.relay_warning), en(.relay_warning))
        XCTAssertTrue(ja(.relay_warning).contains("QRコード"), ja(.relay_warning))
    }

    func testASitesWordsThatLookLikeAPlaceholderAreShownAsTheyAre() {
        let context = CreationContext(createdFrom: "%2$@ %1$@", createdAt: 0, age: .hours(count: 2))
        XCTAssertEqual(en.context(context), "This request was created on %2$@ %1$@, 2 h ago.")
        XCTAssertEqual(ja(.notice_refused, "%1$@"), "申請先が受け付けませんでした。申請先からのメッセージ:「%1$@」")
    }

    func testTheDisclosureNamesEachItemAndWhoReceivesIt() {
        let all: [PersonalItem] = [.name, .address, .dateOfBirth, .gender]
        XCTAssertEqual(ja.disclosure(Disclosure(items: all, recipient: .origin(origin: cityOrigin))),
                       "署名すると、証明書に記載された氏名・住所・生年月日・性別が https://city.example.jp に渡ります。")
        XCTAssertEqual(en.disclosure(Disclosure(items: all, recipient: .whoeverReceivesTheSignature)),
                       "The signature carries your certificate: whoever receives it reads your "
                           + "Name, Address, Date of birth, Gender.")
        XCTAssertEqual(ja.disclosure(Disclosure(items: [.address], recipient: .whoeverReceivesTheSignature)),
                       "署名には証明書が付くため、署名を受け取る相手に住所が渡ります。")
    }

    func testTheExpiryIsShownInThePersonsLanguageAndTimeZone() {
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        XCTAssertTrue(ja.time(1_767_225_600, timeZone: tokyo).contains("2026"), ja.time(1_767_225_600, timeZone: tokyo))
        XCTAssertNotEqual(ja.time(1_767_225_600, timeZone: tokyo), en.time(1_767_225_600, timeZone: tokyo))
        XCTAssertEqual(ja(.state_signed_details, "256", "1812"), "署名: 256バイト・電子証明書: 1812バイト")
    }

    private func placeholders(_ s: String) -> [String] {
        var out: [String] = []
        var rest = Substring(s)
        while let r = rest.range(of: #"%(\d\$)?@"#, options: .regularExpression) {
            out.append(String(rest[r]))
            rest = rest[r.upperBound...]
        }
        return out.sorted()
    }
}
