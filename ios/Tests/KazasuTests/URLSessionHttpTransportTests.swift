import XCTest
import KazasuFFI
@testable import Kazasu

/// The app's URLSession transport with real sockets (swift-corelibs-foundation's URLSession over libcurl on
/// Linux; Apple's on the phone): redirects handed back unfollowed, bodies cut after maxBody + 1 bytes, statuses and
/// bodies passed through, no answer → `HttpFailure.Network`; and the whole hand-off over loopback HTTP.
final class URLSessionHttpTransportTests: XCTestCase {
    private var server: LoopbackServer!
    private let http = URLSessionHttpTransport(deadline: 10)

    override func setUpWithError() throws {
        server = try LoopbackServer()
    }

    override func tearDown() {
        server.stop()
    }

    func testARedirectIsHandedBackAsItIsAndNeverFollowed() throws {
        server.answer { request in
            request.path == "/r/abcdefgh"
                ? .init(status: 302, headers: [("Location", "/elsewhere")], body: Data("moved".utf8))
                : .init(status: 200, body: Data("followed".utf8))
        }
        let reply = try http.get(url: server.origin + "/r/abcdefgh", maxBody: 1024)
        XCTAssertEqual(reply.status, 302)
        XCTAssertEqual(server.requests.map(\.path), ["/r/abcdefgh"], "the Location was never requested")
    }

    func testABodyIsCutAfterMaxBodyPlusOneBytes() throws {
        server.answer { _ in .init(status: 200, body: Data(repeating: 0x41, count: 4 * 1024 * 1024)) }
        let reply = try http.get(url: server.origin + "/big", maxBody: 1000)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.body.count, 1001, "one byte more than allowed tells the core it is too long")

        server.answer { _ in .init(status: 200, body: Data(repeating: 0x42, count: 1000)) }
        XCTAssertEqual(try http.get(url: server.origin + "/exact", maxBody: 1000).body.count, 1000)
    }

    func testAStatusAndBodyComeBackAsSentAndAPostCarriesJson() throws {
        let refusal = Data(#"{"status":"refused","error":"not-found","message":"no such request"}"#.utf8)
        server.answer { _ in .init(status: 404, headers: [("Content-Type", "application/json")], body: refusal) }
        let reply = try http.postJson(url: server.origin + "/r/abcdefgh/submit", body: Data(#"{"a":1}"#.utf8), maxBody: 1024)
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.body, refusal)
        let seen = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(seen.method, "POST")
        XCTAssertEqual(seen.body, Data(#"{"a":1}"#.utf8))
        XCTAssertEqual(seen.headers["content-type"], "application/json")
        XCTAssertNil(seen.headers["cookie"])
    }

    func testNoAnswerIsANetworkFailureNotACrash() throws {
        let closed = try LoopbackServer()
        let origin = closed.origin
        closed.stop()
        XCTAssertThrowsError(try http.get(url: origin + "/r/abcdefgh", maxBody: 1024)) { error in
            guard case HttpFailure.Network(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertThrowsError(try http.get(url: "not a url at all", maxBody: 1024)) { error in
            guard case HttpFailure.Network = error else { return XCTFail("\(error)") }
        }
    }

    /// The relying party behind real HTTP on loopback (http is accepted only to loopback hosts, for development):
    /// the core fetches and submits through URLSession.
    func testTheWholeHandOffOverURLSessionAndLoopbackHttp() async throws {
        let rp = try FakeRelyingParty(origin: server.origin)
        let origin = server.origin
        server.answer { request in
            let reply = request.method == "POST"
                ? rp.answerPost(url: origin + request.path, body: request.body)
                : rp.answerGet(url: origin + request.path)
            return .init(status: Int(reply.status), headers: [("Content-Type", "application/json")], body: reply.body)
        }
        let url = try rp.createRequest(validitySecs: 600)
        let flow = SigningFlow.forLink(link: url, http: http, observer: SeenStates(), clock: TestClock(now: rp.now()).clock())
        flow.start()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 20_000))
        guard case .reviewRequest(let shown, _, _) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(shown.origin, origin)
        XCTAssertFalse(shown.originIsHttps, "the screen says it is a development origin")
        flow.accept()
        flow.enterPin(typed: rightPin)
        let used = await CardTap.present(SoftwareCardLink(card: SoftwareCard()), to: flow)
        XCTAssertTrue(used)
        XCTAssertTrue(flow.waitIdle(timeoutMs: 20_000))
        guard case .confirmFiling = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(server.requests.map(\.method), ["GET"], "nothing is posted before 申請する")
        flow.file()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 20_000))
        guard case .done(let receipt, _) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(receipt.dateOfBirth, "1985-04-01")
        XCTAssertEqual(rp.accepted(), 1)
        XCTAssertEqual(server.requests.map(\.method), ["GET", "POST"])
    }
}
