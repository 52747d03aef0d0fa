import XCTest
import KazasuFFI
@testable import Kazasu

/// The signature the flow returns, checked by Swift code that shares nothing with the core (IndependentCheck).
final class IndependentCheckTests: XCTestCase {
    func testTheSha256OfTheCheckerMatchesTheStandardVectors() {
        let hex = { (b: [UInt8]) in b.map { String(format: "%02x", $0) }.joined() }
        XCTAssertEqual(hex(IndependentCheck.sha256(Data("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(IndependentCheck.sha256(Data())),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(IndependentCheck.sha256(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testTheSignedBytesVerifyIndependentlyAndNothingElseDoes() async throws {
        let flow = bytesFlowWaitingForCard()
        let used = await CardTap.present(SoftwareCardLink(card: SoftwareCard()), to: flow)
        XCTAssertTrue(used)
        guard case .signed(let signed) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertTrue(IndependentCheck.verifySHA256(
            certificate: signed.certificate, data: shownDocument, signature: signed.signature))
        XCTAssertFalse(IndependentCheck.verifySHA256(
            certificate: signed.certificate, data: shownDocument + Data([0x0A]), signature: signed.signature))
        var flipped = signed.signature
        flipped[flipped.count - 1] ^= 0x01
        XCTAssertFalse(IndependentCheck.verifySHA256(
            certificate: signed.certificate, data: shownDocument, signature: flipped))
        // The CA's key did not make it.
        XCTAssertFalse(IndependentCheck.verifySHA256(
            certificate: softwareCardSignCaCertificate(), data: shownDocument, signature: signed.signature))
    }
}
