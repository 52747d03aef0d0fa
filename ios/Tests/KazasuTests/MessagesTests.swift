import XCTest
import KazasuFFI
@testable import Kazasu

final class MessagesTests: XCTestCase {
    private let ja = Messages(language: "ja")!
    private let en = Messages(language: "en")!

    func testEveryKeyIsTranslatedInJapaneseAndEnglishWithTheSamePlaceholders() {
        for key in L10n.allCases {
            XCTAssertTrue(ja.has(key), "ja lacks \(key.rawValue)")
            XCTAssertTrue(en.has(key), "en lacks \(key.rawValue)")
            XCTAssertEqual(placeholders(ja(key)), placeholders(en(key)), key.rawValue)
        }
    }

    func testTheStringsFilesHoldNoKeyTheCodeDoesNotKnow() throws {
        for language in ["ja", "en"] {
            let path = try XCTUnwrap(Bundle.module(for: language))
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let keys = text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("\""), let end = line.dropFirst().firstIndex(of: "\"") else { return nil }
                return String(line[line.index(after: line.startIndex)..<end])
            }
            XCTAssertEqual(Set(keys), Set(L10n.allCases.map(\.rawValue)), language)
            XCTAssertEqual(keys.count, L10n.allCases.count, "\(language): a key is listed twice")
        }
    }

    func testEveryErrorOfTheCoreBecomesASentenceInBothLanguages() {
        let errors: [KazasuError] = [
            .WrongPin(remaining: 3), .Blocked, .NeedsLastTryConfirmation, .VerifyOutcomeUnknown, .CardLost,
            .NotJpkiCard, .Unsupported(reason: "r"), .InvalidPin(reason: "r"), .PinAlreadyUsed, .Internal(detail: "d"),
        ]
        var seen = Set<String>()
        for e in errors {
            let j = ja.text(for: e)
            XCTAssertFalse(j.isEmpty)
            XCTAssertFalse(j.contains("%"), j)
            XCTAssertNotEqual(j, en.text(for: e))
            seen.insert(j)
        }
        XCTAssertEqual(seen.count, errors.count, "each error has its own sentence")
        XCTAssertEqual(ja.text(for: .WrongPin(remaining: 3)), "パスワードが違います。残り3回です。")
        XCTAssertEqual(en.text(for: .WrongPin(remaining: 3)), "Wrong password. Tries left: 3.")
    }

    func testTheReaderSheetSaysReadingUntilTheCardSigns() {
        XCTAssertEqual(ja.readerProgress(nil), "読み取り中…")
        XCTAssertEqual(ja.readerProgress(.connecting), "読み取り中…")
        XCTAssertEqual(ja.readerProgress(.verifyingPin), "読み取り中…")
        XCTAssertEqual(ja.readerProgress(.readingCertificate), "読み取り中…")
        XCTAssertTrue(ja.readerProgress(.signing).hasPrefix("署名中…"))
        XCTAssertEqual(en.readerProgress(nil), "Reading…")
    }

    func testPlaceholdersAreFilledInOrder() {
        XCTAssertEqual(ja(.doneDetails, "256", "1812"), "署名: 256バイト・電子証明書: 1812バイト")
        XCTAssertEqual(Messages.fill("%2$@ then %1$@", ["a", "b"]), "b then a")
        XCTAssertEqual(Messages.fill("%@/%@", ["x", "y"]), "x/y")
    }

    func testTheIdentityRowsComeFromTheCertificate() throws {
        let id = Identity(
            name: "かざす　花子", address: nil, dateOfBirth: "19850401", dateOfBirthIso: "1985-04-01", gender: "2",
            genderCode: .female, nameSubstitute: nil, addressSubstitute: nil)
        let rows = ja.identityRows(id)
        XCTAssertEqual(rows.map(\.label), ["氏名", "住所", "生年月日", "性別"])
        XCTAssertEqual(rows.map(\.value), ["かざす　花子", "(証明書に記載なし)", "1985-04-01", "女"])
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

private extension Bundle {
    /// The Localizable.strings file of one language in the package's resources.
    static func module(for language: String) -> String? {
        Bundle.module.path(forResource: "Localizable", ofType: "strings", inDirectory: nil, forLocalization: language)
    }
}
