import XCTest
import KazasuFFI
@testable import Kazasu

/// The state machine alone (no card): the person-protecting invariants.
final class SignFlowTests: XCTestCase {
    private func flowAtPinEntry(remaining: Int) -> SignFlow {
        var f = SignFlow()
        f.on(.accept)
        f.on(.cardTouched)
        f.on(.triesRead(remaining))
        return f
    }

    func testThePinIsAskedOnlyAfterTheCounterWasRead() {
        var f = SignFlow()
        XCTAssertEqual(f.on(.pinEntered), .review)
        XCTAssertEqual(f.on(.accept), .holdCard(.readTries, notice: nil))
        XCTAssertEqual(f.on(.pinEntered), .holdCard(.readTries, notice: nil))
        XCTAssertFalse(f.pinHeld)
        XCTAssertEqual(f.on(.cardTouched), .working(nil))
        XCTAssertEqual(f.on(.triesRead(3)), .enterPin(remaining: 3, notice: nil))
        XCTAssertEqual(f.on(.pinEntered), .holdCard(.sign, notice: nil))
        XCTAssertTrue(f.pinHeld)
    }

    func testTheLastTryNeedsConfirmationAfterEveryNewPin() {
        var f = flowAtPinEntry(remaining: 1)
        XCTAssertEqual(f.on(.pinEntered), .confirmLastTry)
        XCTAssertNil(f.pendingCardPurpose)
        XCTAssertEqual(f.on(.lastTryConfirmed), .holdCard(.sign, notice: nil))
        XCTAssertTrue(f.lastTryConfirmed)
        f.on(.cardTouched)
        // Lost after the PIN left: the confirmation does not carry over to the next PIN.
        XCTAssertEqual(f.on(.error(.VerifyOutcomeUnknown, pinStillUsable: false)),
                       .holdCard(.readTries, notice: .verifyOutcomeUnknown))
        XCTAssertFalse(f.lastTryConfirmed)
        XCTAssertFalse(f.pinHeld)
        f.on(.cardTouched)
        f.on(.triesRead(1))
        XCTAssertEqual(f.on(.pinEntered), .confirmLastTry)
    }

    func testTheCounterDroppingToOneBetweenContactsAsksAgain() {
        var f = flowAtPinEntry(remaining: 2)
        f.on(.pinEntered)
        f.on(.cardTouched)
        XCTAssertEqual(f.on(.error(.NeedsLastTryConfirmation, pinStillUsable: false)),
                       .enterPin(remaining: 1, notice: .lastTryNeedsConfirmation))
        XCTAssertFalse(f.pinHeld)
        XCTAssertEqual(f.on(.pinEntered), .confirmLastTry)
    }

    func testCancelIsIgnoredWhileTheCardWorksAndAfterSigning() {
        var f = flowAtPinEntry(remaining: 5)
        f.on(.pinEntered)
        f.on(.cardTouched)
        XCTAssertEqual(f.on(.cancel), .working(nil))
        XCTAssertTrue(f.pinHeld)
        XCTAssertEqual(f.on(.progress(.signing)), .working(.signing))
        var g = flowAtPinEntry(remaining: 5)
        XCTAssertEqual(g.on(.cancel), .cancelled)
        XCTAssertFalse(g.pinHeld)
        XCTAssertEqual(g.on(.accept), .cancelled, "an end state stays")
    }

    func testWrongPinZeroAndBlockedBothEndInBlocked() {
        var f = flowAtPinEntry(remaining: 5)
        XCTAssertEqual(f.on(.triesRead(0)), .enterPin(remaining: 5, notice: nil), "no tries event outside working")
        var g = SignFlow()
        g.on(.accept)
        g.on(.cardTouched)
        XCTAssertEqual(g.on(.triesRead(0)), .blocked)
        var h = flowAtPinEntry(remaining: 1)
        h.on(.pinEntered)
        h.on(.lastTryConfirmed)
        h.on(.cardTouched)
        XCTAssertEqual(h.on(.error(.Blocked, pinStillUsable: false)), .blocked)
        XCTAssertEqual(h.remaining, 0)
    }

    func testInternalAndUnsupportedFailWithoutShowingTheirDetail() {
        var f = SignFlow()
        f.on(.accept)
        f.on(.cardTouched)
        XCTAssertEqual(f.on(.error(.Internal(detail: "bad DER at 12"), pinStillUsable: false)),
                       .failed(.internalError(detail: "bad DER at 12")))
        let ja = Messages(language: "ja")!
        XCTAssertFalse(ja.text(for: .internalError(detail: "bad DER at 12")).contains("DER"))
        XCTAssertFalse(ja.text(for: .unsupported(reason: "extended length")).contains("extended"))
    }
}
