import XCTest
import KazasuFFI
@testable import Kazasu

/// The hand-off states of the flow alone (no card, no network), and the words for each hand-off failure.
final class HandoffFlowTests: XCTestCase {
    private let ja = Messages(language: "ja")!
    private let en = Messages(language: "en")!

    private let receipt = SubmissionReceipt(
        requestId: "abcdefgh", name: "かざす　花子", address: "三重県伊勢市", dateOfBirth: "1985-04-01")

    /// A hand-off flow whose card has signed (waiting for the relying party's answer).
    private func flowSubmitting() -> SignFlow {
        var f = SignFlow(fetchingFirst: true)
        f.on(.fetched)
        f.on(.accept)
        f.on(.cardTouched)
        f.on(.triesRead(5))
        f.on(.pinEntered)
        f.on(.cardTouched)
        f.on(.signedForSubmission)
        return f
    }

    func testNothingButTheFetchedRequestLeadsToReview() {
        var f = SignFlow(fetchingFirst: true)
        XCTAssertEqual(f.state, .fetching)
        XCTAssertEqual(f.on(.accept), .fetching)
        XCTAssertEqual(f.on(.cardTouched), .fetching)
        XCTAssertEqual(f.on(.pinEntered), .fetching)
        XCTAssertNil(f.pendingCardPurpose)
        XCTAssertEqual(f.on(.fetched), .review)
        XCTAssertEqual(f.on(.accept), .holdCard(.readTries, notice: nil))
    }

    func testAFailedFetchEndsTheFlowAndFetchingCanBeCancelled() {
        var f = SignFlow(fetchingFirst: true)
        XCTAssertEqual(f.on(.handoffError(.OriginMismatch(expected: "https://a.example", found: "https://b.example"),
                                           pinStillUsable: false)),
                       .failed(.originMismatch(expected: "https://a.example", found: "https://b.example")))
        XCTAssertEqual(f.on(.fetched), .failed(.originMismatch(expected: "https://a.example", found: "https://b.example")))
        var g = SignFlow(fetchingFirst: true)
        XCTAssertEqual(g.on(.cancel), .cancelled)
    }

    func testAnExpiryFoundWhileAPinIsHeldDropsItAndEndsTheFlow() {
        var f = SignFlow(fetchingFirst: true)
        f.on(.fetched)
        f.on(.accept)
        f.on(.cardTouched)
        f.on(.triesRead(3))
        f.on(.pinEntered)
        XCTAssertTrue(f.pinHeld)
        XCTAssertEqual(f.on(.handoffError(.Expired(expiresAt: "2026-11-27T12:10:00Z"), pinStillUsable: true)),
                       .failed(.expired))
        XCTAssertFalse(f.pinHeld)
        XCTAssertNil(f.pendingCardPurpose)
    }

    func testACardFailureInsideAHandOffIsTheCardFlowsOwn() {
        var f = SignFlow(fetchingFirst: true)
        f.on(.fetched)
        f.on(.accept)
        f.on(.cardTouched)
        f.on(.triesRead(5))
        f.on(.pinEntered)
        f.on(.cardTouched)
        XCTAssertEqual(f.on(.handoffError(.Card(error: .WrongPin(remaining: 4)), pinStillUsable: false)),
                       .enterPin(remaining: 4, notice: .wrongPin(remaining: 4)))
        f.on(.pinEntered)
        f.on(.cardTouched)
        // Lost before VERIFY: the same PIN waits for the next contact.
        XCTAssertEqual(f.on(.handoffError(.Card(error: .CardLost), pinStillUsable: true)),
                       .holdCard(.sign, notice: .cardLost))
        XCTAssertTrue(f.pinHeld)
    }

    func testOnceSignedTheFlowCannotBeCancelledAndOnlyASendingFailureWorthIt_KeepsTheSignature() {
        var f = flowSubmitting()
        XCTAssertEqual(f.state, .submitting)
        XCTAssertFalse(f.pinHeld)
        XCTAssertEqual(f.on(.cancel), .submitting)
        XCTAssertEqual(f.on(.handoffError(.Network(reason: "offline"), pinStillUsable: false)),
                       .submitFailed(.network(reason: "offline")))
        XCTAssertNil(f.pendingCardPurpose)
        XCTAssertEqual(f.on(.resend), .submitting)
        XCTAssertEqual(f.on(.submitted(receipt)), .submitted(receipt))
        XCTAssertTrue(f.state.isFinal)

        var g = flowSubmitting()
        XCTAssertEqual(g.on(.handoffError(.Refused(status: 422, code: .badSignature, rpMessage: "bad signature"),
                                           pinStillUsable: false)),
                       .failed(.refused(message: "bad signature")))
        XCTAssertEqual(g.on(.resend), .failed(.refused(message: "bad signature")))
    }

    func testOnlyMissingAnswersAndServerFailuresAreWorthSendingAgain() {
        XCTAssertTrue(HandoffFailure.Network(reason: "x").isWorthResending)
        XCTAssertTrue(HandoffFailure.HttpStatus(status: 503).isWorthResending)
        XCTAssertTrue(HandoffFailure.Refused(status: 500, code: .internal, rpMessage: "").isWorthResending)
        XCTAssertFalse(HandoffFailure.HttpStatus(status: 302).isWorthResending)
        XCTAssertFalse(HandoffFailure.Refused(status: 422, code: .badCertificate, rpMessage: "").isWorthResending)
        XCTAssertFalse(HandoffFailure.Replayed.isWorthResending)
        XCTAssertFalse(HandoffFailure.Expired(expiresAt: "").isWorthResending)
    }

    func testEveryHandOffFailureBecomesItsOwnSentenceInBothLanguages() {
        let failures: [HandoffFailure] = [
            .InvalidLink(reason: "r"), .InvalidRequest(reason: "r"),
            .OriginMismatch(expected: "https://a.example", found: "https://b.example"), .DisplayMismatch,
            .Expired(expiresAt: "t"), .NotYetValid(issuedAt: "t"), .Replayed, .Network(reason: "r"),
            .HttpStatus(status: 302), .Refused(status: 400, code: .malformed, rpMessage: "申請が不正です"),
            .Refused(status: 404, code: .notFound, rpMessage: "no such request"),
        ]
        var seen = Set<String>()
        for failure in failures {
            let j = ja.text(for: failure)
            XCTAssertFalse(j.isEmpty)
            XCTAssertFalse(j.contains("%"), j)
            XCTAssertNotEqual(j, en.text(for: failure))
            seen.insert(j)
        }
        XCTAssertEqual(seen.count, failures.count, "each failure has its own sentence")
        // The relying party's own words are shown; reasons meant for logs are not.
        XCTAssertEqual(ja.text(for: .Refused(status: 400, code: .malformed, rpMessage: "申請が不正です")),
                       "申請先が受け付けませんでした: 申請が不正です")
        XCTAssertFalse(ja.text(for: .Network(reason: "NSURLErrorDomain -1009")).contains("1009"))
        XCTAssertEqual(en.text(for: .HttpStatus(status: 302)), "The site could not answer (HTTP 302).")
        // A refusal with a code the app knows says it in the app's words.
        XCTAssertEqual(ja.text(for: .Refused(status: 410, code: .expired, rpMessage: "gone")), ja.text(for: .expired))
        XCTAssertEqual(ja.text(for: .Refused(status: 409, code: .replayed, rpMessage: "x")), ja.text(for: .replayed))
        // A card failure inside the hand-off is the card's sentence.
        XCTAssertEqual(ja.text(for: .Card(error: .Blocked)), ja.text(for: .Blocked))
    }

    func testTheExpiryIsShownInThePersonsLanguage() {
        let utc = TimeZone(identifier: "UTC")!
        let instant: Int64 = 1_795_770_600  // 2026-11-27T09:10:00Z
        XCTAssertTrue(ja.time(instant, timeZone: utc).contains("2026"), ja.time(instant, timeZone: utc))
        XCTAssertTrue(ja.time(instant, timeZone: utc).contains("9:10"), ja.time(instant, timeZone: utc))
        XCTAssertTrue(en.time(instant, timeZone: utc).contains("Nov"), en.time(instant, timeZone: utc))
        XCTAssertEqual(ja(.handoffExpires, ja.time(instant, timeZone: utc)), "有効期限: " + ja.time(instant, timeZone: utc))
    }

    func testTheReceiptRowsAreWhatTheRelyingPartyTranscribed() {
        XCTAssertEqual(ja.receiptRows(receipt).map(\.value), ["かざす　花子", "三重県伊勢市", "1985-04-01"])
        let empty = SubmissionReceipt(requestId: "abcdefgh", name: nil, address: nil, dateOfBirth: nil)
        XCTAssertEqual(Set(ja.receiptRows(empty).map(\.value)), ["(証明書に記載なし)"])
    }
}
