import XCTest
import KazasuFFI
@testable import Kazasu

/// The signing flow through the real generated bindings and the Rust core, over Swift-implemented links.
final class CardOperationsTests: XCTestCase {
    func testACorrectPinSignsTheShownBytesAndTheSignatureVerifiesWithTheReturnedCertificate() async throws {
        for card in [SoftwareCard(), SoftwareCard.shortOnly()] {
            let link = SoftwareCardLink(card: card)
            let before = try await CardOperations.remainingTries(over: link)
            XCTAssertEqual(before, 5)
            let steps = StepRecorder()
            let signed = try await CardOperations.sign(
                over: link, pin: try signPin(softwareCardSignPin()), confirmedLastTry: false, algorithm: .sha256,
                document: shownDocument, progress: { steps.record($0) })

            // Real bytes: an RSA signature over SHA-256 of exactly the shown bytes, checked by OpenSSL in the core.
            XCTAssertEqual(signed.signature.count, 256)
            XCTAssertTrue(verifySignatureForTests(
                certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
            XCTAssertFalse(verifySignatureForTests(
                certificate: signed.certificate, algorithm: .sha256, data: shownDocument + Data("!".utf8),
                signature: signed.signature))
            // The identity is the certificate's: read it again from the returned DER, and check the fixture's values.
            XCTAssertEqual(try identityOfCertificate(certificate: signed.certificate), signed.identity)
            XCTAssertEqual(signed.identity.dateOfBirthIso, "1985-04-01")
            XCTAssertEqual(signed.identity.genderCode, .female)
            XCTAssertTrue(signed.identity.name?.contains("花子") ?? false, "\(String(describing: signed.identity.name))")
            XCTAssertTrue(signed.identity.address?.hasPrefix("三重県伊勢市") ?? false)
            XCTAssertNotEqual(signed.certificate, softwareCardSignCaCertificate())

            XCTAssertEqual(steps.steps, [.connecting, .verifyingPin, .readingCertificate, .signing])
            XCTAssertEqual(card.pinPresentations(), 1)
            XCTAssertEqual(card.signatures(), 1)
            XCTAssertEqual(card.signPinTries(), 5)
        }
    }

    func testSha384AndSha512AreSignedOverTheSameBytes() async throws {
        for algorithm in [HashAlgorithm.sha384, .sha512] {
            let signed = try await CardOperations.sign(
                over: SoftwareCardLink(card: SoftwareCard()), pin: try signPin(softwareCardSignPin()),
                confirmedLastTry: false, algorithm: algorithm, document: shownDocument)
            XCTAssertEqual(signed.algorithm, algorithm)
            XCTAssertTrue(verifySignatureForTests(
                certificate: signed.certificate, algorithm: algorithm, data: shownDocument, signature: signed.signature))
            XCTAssertFalse(verifySignatureForTests(
                certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
        }
    }

    func testAWrongPinReportsTheTriesLeftAndThePinObjectIsNeverPresentedAgain() async throws {
        let card = SoftwareCard()
        let link = SoftwareCardLink(card: card)
        let pin = try signPin(wrongPinText)
        do {
            _ = try await CardOperations.sign(
                over: link, pin: pin, confirmedLastTry: false, algorithm: .sha256, document: shownDocument)
            XCTFail("a wrong PIN signed")
        } catch KazasuError.WrongPin(let remaining) {
            XCTAssertEqual(remaining, 4)
        }
        XCTAssertTrue(pin.isUsed())
        XCTAssertEqual(card.signPinTries(), 4)
        let left = try await CardOperations.remainingTries(over: link)
        XCTAssertEqual(left, 4)
        // The same object again: refused before anything reaches the card.
        do {
            _ = try await CardOperations.sign(
                over: link, pin: pin, confirmedLastTry: false, algorithm: .sha256, document: shownDocument)
            XCTFail("a used PIN was accepted")
        } catch KazasuError.PinAlreadyUsed {}
        XCTAssertEqual(card.pinPresentations(), 1)
        XCTAssertEqual(card.signatures(), 0)
    }

    func testFiveWrongPinsLockTheCardAndALockedCardIsNeverAskedToVerify() async throws {
        let card = SoftwareCard()
        let link = SoftwareCardLink(card: card)
        var seen: [UInt32] = []
        for attempt in 1...5 {
            do {
                _ = try await CardOperations.sign(
                    over: link, pin: try signPin(wrongPinText), confirmedLastTry: attempt == 5,
                    algorithm: .sha256, document: shownDocument)
                XCTFail("signed with a wrong PIN")
            } catch KazasuError.WrongPin(let remaining) {
                seen.append(remaining)
            } catch KazasuError.Blocked {
                seen.append(0)
            }
        }
        XCTAssertEqual(seen, [4, 3, 2, 1, 0])
        XCTAssertEqual(card.signPinTries(), 0)
        XCTAssertEqual(card.pinPresentations(), 5)
        let left = try await CardOperations.remainingTries(over: link)
        XCTAssertEqual(left, 0)

        // Locked: even the right PIN, even confirmed, is not presented.
        do {
            _ = try await CardOperations.sign(
                over: link, pin: try signPin(softwareCardSignPin()), confirmedLastTry: true, algorithm: .sha256,
                document: shownDocument)
            XCTFail("signed on a locked card")
        } catch KazasuError.Blocked {}
        XCTAssertEqual(card.pinPresentations(), 5)
        XCTAssertEqual(card.signatures(), 0)
    }

    func testWithOneTryLeftThePinIsPresentedOnlyAfterExplicitConfirmation() async throws {
        let card = SoftwareCard()
        card.setSignPinTries(tries: 1)
        let link = SoftwareCardLink(card: card)
        let unconfirmed = try signPin(softwareCardSignPin())
        do {
            _ = try await CardOperations.sign(
                over: link, pin: unconfirmed, confirmedLastTry: false, algorithm: .sha256, document: shownDocument)
            XCTFail("the last try was used without confirmation")
        } catch KazasuError.NeedsLastTryConfirmation {}
        XCTAssertEqual(card.pinPresentations(), 0)
        XCTAssertEqual(card.signPinTries(), 1)

        let signed = try await CardOperations.sign(
            over: link, pin: try signPin(softwareCardSignPin()), confirmedLastTry: true, algorithm: .sha256,
            document: shownDocument)
        XCTAssertTrue(verifySignatureForTests(
            certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
        XCTAssertEqual(card.pinPresentations(), 1)
        XCTAssertEqual(card.signPinTries(), 5)  // a right PIN resets the counter
    }

    func testAnErrorThrownByTheSwiftTransportMidFlowIsCardLostAndSpendsNoTry() async throws {
        // Exchanges: 1 SELECT AP, 2 SELECT PIN EF, 3 counter (PIN still held), 4 VERIFY (the PIN is taken only
        // now), 5 SELECT cert EF, 6 READ BINARY, 7 SELECT key EF, 8 SIGN.
        for failing in [1, 2, 3, 5, 6, 7, 8] {
            let card = SoftwareCard()
            let link = SoftwareCardLink(card: card, throwOnExchange: failing)
            let pin = try signPin(softwareCardSignPin())
            do {
                _ = try await CardOperations.sign(
                    over: link, pin: pin, confirmedLastTry: false, algorithm: .sha256, document: shownDocument)
                XCTFail("signed over a broken link (exchange \(failing))")
            } catch KazasuError.CardLost {}
            XCTAssertEqual(card.signPinTries(), 5, "exchange \(failing)")
            XCTAssertEqual(card.pinPresentations(), failing < 4 ? 0 : 1, "exchange \(failing)")
            XCTAssertEqual(card.signatures(), 0)
            XCTAssertEqual(link.exchangeCount, failing, "nothing is sent after the link broke")
            // Before the PIN was taken it may serve the next contact; once taken (VERIFY, exchange 4) it is gone.
            XCTAssertEqual(pin.isUsed(), failing > 3, "exchange \(failing)")
        }
    }

    func testALinkLostWhileTheCardChecksThePinIsOutcomeUnknownAndNotRetried() async throws {
        let card = SoftwareCard()
        card.loseAnswerOfPinPresentation()
        let pin = try signPin(wrongPinText)
        do {
            _ = try await CardOperations.sign(
                over: SoftwareCardLink(card: card), pin: pin, confirmedLastTry: false, algorithm: .sha256,
                document: shownDocument)
            XCTFail("expected VerifyOutcomeUnknown")
        } catch KazasuError.VerifyOutcomeUnknown {}
        XCTAssertEqual(card.pinPresentations(), 1)
        XCTAssertEqual(card.signPinTries(), 4, "the card did count it; the phone could not know")
        XCTAssertTrue(pin.isUsed())
    }

    func testTheCoreNfcShapedGateCarriesAWholeSigning() async throws {
        let card = SoftwareCard.shortOnly()
        let link = GatedLink(card: card)
        let signed = try await CardOperations.sign(
            over: link, pin: try signPin(softwareCardSignPin()), confirmedLastTry: false, algorithm: .sha256,
            document: shownDocument)
        XCTAssertTrue(verifySignatureForTests(
            certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
        XCTAssertEqual(link.gate.inFlight, 0)
        XCTAssertEqual(link.gate.droppedCompletions, 0)
    }

    func testTagConnectionLostInTheGateBecomesCardLostAndTheLateCompletionIsDropped() async throws {
        let card = SoftwareCard.shortOnly()
        let link = GatedLink(card: card, dropAfter: 1)  // SELECT passes, the counter query is cut off
        let pin = try signPin(softwareCardSignPin())
        do {
            _ = try await CardOperations.sign(
                over: link, pin: pin, confirmedLastTry: false, algorithm: .sha256, document: shownDocument)
            XCTFail("signed after the session ended")
        } catch KazasuError.CardLost {}
        XCTAssertFalse(pin.isUsed(), "the PIN never left the phone: it may be used on the next contact")
        XCTAssertEqual(card.pinPresentations(), 0)
        XCTAssertEqual(card.exchanges(), 1)
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertEqual(link.gate.droppedCompletions, 1)
    }
}
