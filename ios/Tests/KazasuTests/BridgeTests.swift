import XCTest
import KazasuFFI
@testable import Kazasu

/// The APDU bridge's pieces: each answer reaches its asker exactly once, an ended session stops everything.
final class BridgeTests: XCTestCase {
    func testAOneShotDeliversTheFirstValueOnly() {
        let slot = OneShot<Int>()
        XCTAssertNil(slot.wait(timeout: 0.01))
        let group = DispatchGroup()
        let wins = OneShot<Int>()
        let winners = SeenStates()  // any thread-safe list will do: one entry per winning resolve
        for i in 0..<16 {
            DispatchQueue.global().async(group: group) {
                if wins.resolve(i) { winners.onState(state: .cancelled) }
            }
        }
        group.wait()
        XCTAssertEqual(winners.states.count, 1)
        XCTAssertNotNil(wins.wait(timeout: 0))
        XCTAssertTrue(slot.resolve(7))
        XCTAssertFalse(slot.resolve(8))
        XCTAssertEqual(slot.wait(timeout: 1), 7)
    }

    func testTheGateResumesEachExchangeOnceAndDropsASecondCompletion() async throws {
        let gate = ExchangeGate()
        let answer = try await gate.exchange { complete in
            complete(.success(Data([0x90, 0x00])))
            complete(.success(Data([0x6A, 0x82])))  // a confused framework calling twice
        }
        XCTAssertEqual(answer, Data([0x90, 0x00]))
        XCTAssertEqual(gate.droppedCompletions, 1)
        XCTAssertEqual(gate.inFlight, 0)
    }

    func testClosingTheGateFailsTheExchangeInFlightAndEveryLaterOneWithoutStartingIt() async throws {
        let gate = ExchangeGate()
        let started = OneShot<Void>()
        let pending = Task {
            try await gate.exchange { _ in started.resolve(()) }  // the completion never comes
        }
        XCTAssertNotNil(started.wait(timeout: 5))
        gate.close(.tagLost)
        do {
            _ = try await pending.value
            XCTFail("an exchange survived the end of the session")
        } catch LinkFailure.tagLost {}
        var startedAfterClose = false
        do {
            _ = try await gate.exchange { _ in startedAfterClose = true }
            XCTFail("an exchange ran after the session ended")
        } catch LinkFailure.tagLost {}
        XCTAssertFalse(startedAfterClose)
        XCTAssertTrue(gate.isClosed)
    }

    func testTheTransportMapsLinkFailuresToTheFfiErrors() {
        XCTAssertEqual(LinkTransport.transportError(for: LinkFailure.tagLost), .CardLost)
        XCTAssertEqual(LinkTransport.transportError(for: LinkFailure.timeout), .Timeout)
        XCTAssertEqual(LinkTransport.transportError(for: LinkFailure.other(reason: "radio off")), .Io(reason: "radio off"))
        XCTAssertEqual(LinkTransport.transportError(for: CancellationError()), .CardLost)
        struct Odd: Error {}
        guard case .Io = LinkTransport.transportError(for: Odd()) else { return XCTFail() }
    }

    func testALinkThatNeverAnswersTimesOutInsteadOfHangingTheCardThread() async throws {
        final class Silent: CardLink, @unchecked Sendable {
            let gate = ExchangeGate()
            func transmit(_ command: Data) async throws -> Data { try await gate.exchange { _ in } }
            var supportsExtendedLength: Bool { false }
            var maxTransceiveLength: Int { 0 }
        }
        let link = Silent()
        let transport = LinkTransport(link: link, deadline: 0.2)
        let result = OneShot<Result<Data, Error>>()
        Thread { result.resolve(Result { try transport.transceive(command: Data([0x00, 0xA4, 0x04, 0x0C])) }) }.start()
        guard case .failure(KazasuFFI.TransportError.Timeout)? = result.wait(timeout: 10) else {
            return XCTFail("no timeout")
        }
        link.gate.close()
    }

    func testTheLinkCapabilitiesReachTheCore() throws {
        let short = LinkTransport(link: SoftwareCardLink(card: SoftwareCard.shortOnly()))
        XCTAssertFalse(try short.supportsExtendedLength())
        XCTAssertEqual(try short.maxTransceiveLength(), 0)
    }
}
