import Foundation
import KazasuFFI
import XCTest

/// Replays the signing flow's scenario table (`tests/scenarios/signing-flow.json`, the same file the Rust and
/// Kotlin tests replay) through the FFI's `SigningFlow` (and `LoginFlow` for its log-in rows) as the app drives it: an observer collecting every state,
/// the person's events, taps of the exported software card, and the fake relying party over HTTP. After every
/// step the flow's network work is awaited; states are compared through `describeState`, the end through the
/// card's and the relying party's counters.
final class ScenarioTests: XCTestCase {
    /// The table: `$KAZASU_SCENARIOS` (set by .ci/swift.sh), else found from this file's place in the repo.
    static func tableURL() -> URL {
        if let path = ProcessInfo.processInfo.environment["KAZASU_SCENARIOS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/scenarios/signing-flow.json")
    }

    static func scenarios() throws -> [[String: Any]] {
        let data = try Data(contentsOf: tableURL())
        let table = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(table["scenarios"] as? [[String: Any]], "the table has no scenarios")
    }

    func testEveryScenarioOfTheTableHoldsThroughTheSwiftBindings() throws {
        let scenarios = try ScenarioTests.scenarios()
        XCTAssertGreaterThanOrEqual(scenarios.count, 20, "the table lost scenarios")
        for scenario in scenarios {
            try replay(scenario)
        }
    }

    /// The replayer itself can fail: a table entry with a wrong expectation is caught.
    func testAWrongExpectationIsCaught() throws {
        var scenario = try XCTUnwrap(ScenarioTests.scenarios().first)
        var expect = try XCTUnwrap(scenario["expect"] as? [String: Any])
        expect["signatures"] = 2
        scenario["expect"] = expect
        let failures = try recordingFailures { try replay(scenario) }
        XCTAssertEqual(failures.count, 1, "\(failures)")
        XCTAssertTrue(failures.first?.contains("signatures") ?? false, "\(failures)")
    }

    // MARK: - the replayer

    private var recording: [String]?

    override func recordFailure(withDescription description: String, inFile filePath: String, atLine lineNumber: Int,
                                expected: Bool) {
        if recording != nil {
            recording?.append(description)
        } else {
            super.recordFailure(withDescription: description, inFile: filePath, atLine: lineNumber, expected: expected)
        }
    }

    private func recordingFailures(_ body: () throws -> Void) rethrows -> [String] {
        recording = []
        defer { recording = nil }
        try body()
        return recording ?? []
    }

    func replay(_ scenario: [String: Any]) throws {
        let name = scenario["name"] as? String ?? "?"
        let cardSpec = scenario["card"] as? [String: Any] ?? [:]
        let card = cardSpec["link"] as? String == "short" ? SoftwareCard.shortOnly() : SoftwareCard()
        let login = scenario["subject"] as? String == "login"
        let tries = UInt8(try XCTUnwrap(cardSpec["tries"] as? Int, name))
        if login { card.setAuthPinTries(tries: tries) } else { card.setSignPinTries(tries: tries) }
        let rp = try FakeRelyingParty(origin: "https://city.example.jp")
        let clock = KazasuFFI.TestClock(now: rp.now())
        let flow: Driven
        switch scenario["subject"] as? String {
        case "login":
            let link = try rp.loginLink(challengeUrl: try rp.createLoginChallenge(validitySecs: 300))
            let seen = SeenLoginStates()
            flow = LogIn(LoginFlow.forLink(link: link, http: rp.http(), observer: seen, clock: clock.clock()), seen)
        case "request":
            let link = try rp.deepLink(requestUrl: try rp.createRequest(validitySecs: 600))
            let seen = SeenStates()
            flow = Signing(SigningFlow.forLink(link: link, http: rp.http(), observer: seen, clock: clock.clock()), seen)
        default:
            let seen = SeenStates()
            flow = Signing(
                SigningFlow.forBytes(
                    label: "申請書.txt", data: Data("住民票の写しの交付申請".utf8), algorithm: .sha256, observer: seen,
                    clock: clock.clock()),
                seen)
        }
        flow.start()
        XCTAssertTrue(flow.waitIdle(), "\(name): fetch did not end")
        for (i, step) in (scenario["steps"] as? [[String: Any]] ?? []).enumerated() {
            let at = "\(name): step \(i) \(step)"
            switch step["do"] as? String {
            case "accept": flow.accept()
            case "pin": flow.enterPin(typed: Data(try XCTUnwrap(step["text"] as? String, at).utf8))
            case "tap":
                let used = flow.cardPresent(transport: card.link())
                XCTAssertEqual(used, step["used"] as? Bool ?? true, "\(at): card used")
            case "confirm_last_try": flow.confirmLastTry()
            case "decline_last_try": flow.declineLastTry()
            case "file": try flow.file()
            case "resend": flow.resend()
            case "cancel": flow.cancel()
            case "lose_link_before": card.loseLinkBefore(ins: try ins(step, at))
            case "lose_answer_of": card.loseAnswerOf(ins: try ins(step, at))
            case "lose_answer_of_pin": card.loseAnswerOfPinPresentation()
            case "rp_fail_next_post":
                switch step["mode"] as? String {
                case "no_answer": rp.failNextPost(fault: .noAnswer)
                case "answer_lost": rp.failNextPost(fault: .answerLost)
                case "status_503": rp.failNextPost(fault: .status503)
                default: XCTFail("\(at): unknown post fault")
                }
            case "rp_distrust_auth_ca": rp.distrustAuthCa()
            case "advance_clock": clock.advance(secs: Int64(try XCTUnwrap(step["secs"] as? Int, at)))
            case "expect": check(flow.summary(), against: step, at)
            default: XCTFail("\(at): unknown step")
            }
            XCTAssertTrue(flow.waitIdle(), "\(at): network work did not end")
        }
        let want = try XCTUnwrap(scenario["expect"] as? [String: Any], name)
        let end = flow.summary()
        check(end, against: want, "\(name): end")
        // The observer saw every change in order; the last one it saw is the state now.
        XCTAssertEqual(flow.lastSeen(), end.summary, "\(name): the observer's last state")
        let counts: [(String, UInt32)] = [
            ("presentations", card.pinPresentations()), ("signatures", card.signatures()),
            ("tries_left", login ? card.authPinTries() : card.signPinTries()), ("apdus", card.exchanges()),
            ("rp_accepted", rp.accepted()),
        ]
        for (key, got) in counts {
            if let expected = want[key] as? Int {
                XCTAssertEqual(Int(got), expected, "\(name): \(key)")
            }
        }
    }

    private func check(_ end: (summary: StateSummary, text: String), against want: [String: Any], _ at: String) {
        let (got, state) = end
        XCTAssertEqual(got.name, want["state"] as? String, "\(at): state \(state)")
        if let notice = want["notice"] {
            XCTAssertEqual(got.notice, notice as? String, "\(at): notice of \(state)")
        }
        if let tries = want["known_tries"] {
            XCTAssertEqual(got.knownTries.map(Int.init), tries as? Int, "\(at): known tries of \(state)")
        }
        if let resend = want["can_resend"] {
            XCTAssertEqual(got.canResend, resend as? Bool, "\(at): can_resend of \(state)")
        }
        if let wayOut = want["way_out"] {
            XCTAssertEqual(got.wayOut, wayOut as? String, "\(at): way out of \(state)")
        }
        if let lastTry = want["last_try"] {
            XCTAssertEqual(got.lastTry, lastTry as? Bool, "\(at): last try of \(state)")
        }
        if let done = want["reader_done"] {
            XCTAssertEqual(got.readerDone, done as? Bool, "\(at): reader done at \(state)")
        }
    }

    private func ins(_ step: [String: Any], _ at: String) throws -> UInt8 {
        try XCTUnwrap((step["ins"] as? String).flatMap { UInt8($0, radix: 16) }, "\(at): ins")
    }
}

/// The flow a row drives: a signing or a log-in, with the same events; states named by `describe…State`.
protocol Driven {
    func start()
    func accept()
    func enterPin(typed: Data)
    func cardPresent(transport: CardTransport) -> Bool
    func confirmLastTry()
    func declineLastTry()
    func file() throws
    func resend()
    func cancel()
    func waitIdle() -> Bool
    func summary() -> (summary: StateSummary, text: String)
    /// What the observer saw last, named the same way.
    func lastSeen() -> StateSummary?
}

struct Signing: Driven {
    let flow: SigningFlow
    let seen: SeenStates
    init(_ flow: SigningFlow, _ seen: SeenStates) { self.flow = flow; self.seen = seen }
    func start() { flow.start() }
    func accept() { flow.accept() }
    func enterPin(typed: Data) { flow.enterPin(typed: typed) }
    func cardPresent(transport: CardTransport) -> Bool { flow.cardPresent(transport: transport) }
    func confirmLastTry() { flow.confirmLastTry() }
    func declineLastTry() { flow.declineLastTry() }
    func file() throws { flow.file() }
    func resend() { flow.resend() }
    func cancel() { flow.cancel() }
    func waitIdle() -> Bool { flow.waitIdle(timeoutMs: 10_000) }
    func summary() -> (summary: StateSummary, text: String) {
        let state = flow.state()
        return (describeState(state: state), "\(state)")
    }
    func lastSeen() -> StateSummary? { seen.states.last.map { describeState(state: $0) } }
}

struct LogIn: Driven {
    struct NoFiling: Error {}
    let flow: LoginFlow
    let seen: SeenLoginStates
    init(_ flow: LoginFlow, _ seen: SeenLoginStates) { self.flow = flow; self.seen = seen }
    func start() { flow.start() }
    func accept() { flow.accept() }
    func enterPin(typed: Data) { flow.enterPin(typed: typed) }
    func cardPresent(transport: CardTransport) -> Bool { flow.cardPresent(transport: transport) }
    func confirmLastTry() { flow.confirmLastTry() }
    func declineLastTry() { flow.declineLastTry() }
    func file() throws { throw NoFiling() }  // a log-in has no filing step
    func resend() { flow.resend() }
    func cancel() { flow.cancel() }
    func waitIdle() -> Bool { flow.waitIdle(timeoutMs: 10_000) }
    func summary() -> (summary: StateSummary, text: String) {
        let state = flow.state()
        return (describeLoginState(state: state), "\(state)")
    }
    func lastSeen() -> StateSummary? { seen.states.last.map { describeLoginState(state: $0) } }
}

/// Every log-in state the flow delivered, in order.
final class SeenLoginStates: LoginObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [LoginState] = []

    func onState(state: LoginState) {
        lock.lock()
        seen.append(state)
        lock.unlock()
    }

    var states: [LoginState] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }
}

/// Every state the flow delivered, in order (the observer is called on the flow's threads).
final class SeenStates: FlowObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [FlowState] = []

    func onState(state: FlowState) {
        lock.lock()
        seen.append(state)
        lock.unlock()
    }

    var states: [FlowState] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }
}
