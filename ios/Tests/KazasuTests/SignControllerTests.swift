import XCTest
import KazasuFFI
@testable import Kazasu

/// The screens' controller through whole flows: two card contacts (tries, then signing) over the real core.
@MainActor
final class SignControllerTests: XCTestCase {
    private let ja = Messages(language: "ja")!
    private let request = SignRequest(requester: "伊勢市", title: "転入届", document: shownDocument)

    private func controller() -> (SignController, Recorder) {
        let c = SignController(request: request, messages: ja)
        let r = Recorder()
        c.onChange = { r.states.append($0) }
        return (c, r)
    }

    final class Recorder {
        var states: [SignState] = []
        var alerts: [String] = []
    }

    func testTheHappyPathShowsTriesThenSignsWithProgressInTheReaderSheet() async throws {
        let card = SoftwareCard()
        let (c, r) = controller()
        XCTAssertEqual(c.state, .review)
        XCTAssertNil(c.pendingCardPurpose)
        c.accept()
        XCTAssertEqual(c.pendingCardPurpose, .readTries)

        let first = await c.cardConnected(SoftwareCardLink(card: card)) { r.alerts.append($0) }
        XCTAssertEqual(first, .success(message: "残り回数を確認しました"))
        XCTAssertEqual(c.state, .enterPin(remaining: 5, notice: nil))
        XCTAssertEqual(card.pinPresentations(), 0, "the first contact only reads the counter")

        let input = typedPin(softwareCardSignPin().lowercased())  // lower-case typing is upper-cased
        c.submitPin(input)
        XCTAssertTrue(input.isWiped)
        XCTAssertTrue(c.holdsPin)
        XCTAssertEqual(c.state, .holdCard(.sign, notice: nil))

        r.alerts.removeAll()
        let second = await c.cardConnected(SoftwareCardLink(card: card)) { r.alerts.append($0) }
        XCTAssertEqual(second, .success(message: "署名しました"))
        guard case .done(let signed) = c.state else { return XCTFail("not done: \(c.state)") }
        XCTAssertTrue(verifySignatureForTests(
            certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
        XCTAssertFalse(c.holdsPin)
        // The reader sheet said 読み取り中… first and 署名中… once the card signed.
        XCTAssertEqual(r.alerts.first, "読み取り中…")
        await settle()
        XCTAssertTrue(r.alerts.contains("署名中…カードを動かさないでください"), "\(r.alerts)")
        XCTAssertTrue(r.states.contains(.working(nil)))
    }

    func testAWrongPinComesBackToPinEntryWithTheTriesLeftAndTheSheetShowsTheError() async throws {
        let card = SoftwareCard()
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(wrongPinText))
        let end = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(end, .failure(message: "パスワードが違います。残り4回です。"))
        XCTAssertEqual(c.state, .enterPin(remaining: 4, notice: .wrongPin(remaining: 4)))
        XCTAssertFalse(c.holdsPin, "a PIN that reached the card is dropped")
        XCTAssertNil(c.pendingCardPurpose, "no contact until a new PIN is typed")
    }

    func testWithOneTryLeftTheControllerAsksForConfirmationBeforeTheSigningContact() async throws {
        let card = SoftwareCard()
        card.setSignPinTries(tries: 1)
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(c.state, .enterPin(remaining: 1, notice: nil))
        XCTAssertTrue(c.state.isLastTry)
        c.submitPin(typedPin(softwareCardSignPin()))
        XCTAssertEqual(c.state, .confirmLastTry)
        XCTAssertNil(c.pendingCardPurpose, "no card contact before the person confirms")
        c.confirmLastTry()
        XCTAssertEqual(c.pendingCardPurpose, .sign)
        let end = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(end, .success(message: "署名しました"))
        XCTAssertEqual(card.pinPresentations(), 1)
    }

    func testDecliningTheLastTryCancelsAndDropsThePin() async throws {
        let card = SoftwareCard()
        card.setSignPinTries(tries: 1)
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(softwareCardSignPin()))
        c.declineLastTry()
        XCTAssertEqual(c.state, .cancelled)
        XCTAssertFalse(c.holdsPin)
        XCTAssertEqual(card.pinPresentations(), 0)
    }

    func testACardLostBeforeThePinLeftKeepsThePinForTheNextContact() async throws {
        let card = SoftwareCard()
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(softwareCardSignPin()))
        let end = await c.cardConnected(SoftwareCardLink(card: card, throwOnExchange: 2))
        XCTAssertEqual(end, .failure(message: "カードが離れました。もう一度かざして、動かさないでください。"))
        XCTAssertEqual(c.state, .holdCard(.sign, notice: .cardLost))
        XCTAssertTrue(c.holdsPin)
        let again = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(again, .success(message: "署名しました"))
        XCTAssertEqual(card.pinPresentations(), 1)
    }

    func testACardLostAfterThePinLeftAsksForTheCounterAndANewPin() async throws {
        let card = SoftwareCard()
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(softwareCardSignPin()))
        _ = await c.cardConnected(SoftwareCardLink(card: card, throwOnExchange: 8))
        XCTAssertEqual(c.state, .holdCard(.readTries, notice: .cardLost))
        XCTAssertFalse(c.holdsPin)
        XCTAssertEqual(card.signPinTries(), 5)
    }

    func testALinkLostDuringVerifyReReadsTheCounterAndNeedsTheTypedPinAgain() async throws {
        let card = SoftwareCard()
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(wrongPinText))
        card.loseAnswerOfPinPresentation()
        let end = await c.cardConnected(SoftwareCardLink(card: card))
        guard case .failure(let message) = end else { return XCTFail("\(end)") }
        XCTAssertTrue(message.contains("分かりません"), message)
        XCTAssertEqual(c.state, .holdCard(.readTries, notice: .verifyOutcomeUnknown))
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(c.state, .enterPin(remaining: 4, notice: nil))
        XCTAssertEqual(card.pinPresentations(), 1)
    }

    func testALockedCardEndsInTheBlockedScreenWithoutAnyPinEntry() async throws {
        let card = SoftwareCard()
        card.setSignPinTries(tries: 0)
        let (c, _) = controller()
        c.accept()
        let end = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(end, .failure(message: "署名用パスワードがロックされています"))
        XCTAssertEqual(c.state, .blocked)
        XCTAssertEqual(card.pinPresentations(), 0)
    }

    func testTheFifthWrongPinLocksAndShowsTheBlockedScreen() async throws {
        let card = SoftwareCard()
        card.setSignPinTries(tries: 1)
        let (c, _) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: card))
        c.submitPin(typedPin(wrongPinText))
        c.confirmLastTry()
        let end = await c.cardConnected(SoftwareCardLink(card: card))
        XCTAssertEqual(end, .failure(message: "署名用パスワードがロックされています"))
        XCTAssertEqual(c.state, .blocked)
        XCTAssertEqual(card.signPinTries(), 0)
    }

    func testAMalformedPinIsRefusedWithoutAContactAndWithoutEchoingIt() async throws {
        let (c, r) = controller()
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: SoftwareCard()))
        let input = typedPin("ABC")  // too short
        c.submitPin(input)
        XCTAssertTrue(input.isWiped)
        XCTAssertEqual(c.state, .enterPin(remaining: 5, notice: .invalidPin))
        XCTAssertFalse(c.holdsPin)
        XCTAssertFalse(r.states.map { "\($0)" }.joined().contains("ABC"))
    }

    func testAContactWhenNoneIsWantedEndsTheSessionAndTouchesNothing() async throws {
        let card = SoftwareCard()
        let (c, _) = controller()
        let link = SoftwareCardLink(card: card)
        let end = await c.cardConnected(link)
        guard case .failure = end else { return XCTFail("\(end)") }
        XCTAssertEqual(link.exchangeCount, 0)
        XCTAssertEqual(c.state, .review)
    }

    func testARequestThatIsNotTextIsNeverSigned() async throws {
        let c = SignController(
            request: SignRequest(requester: "x", title: "y", document: Data([0xFF, 0xFE, 0x00])), messages: ja)
        c.accept()
        XCTAssertEqual(c.state, .failed(.unsupported(reason: "request document is not UTF-8 text")))
        XCTAssertNil(c.pendingCardPurpose)
    }

    /// Lets the progress tasks queued on the main actor run.
    private func settle() async {
        for _ in 0..<10 { await Task.yield() }
    }
}
