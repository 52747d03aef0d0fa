import XCTest
import KazasuFFI
@testable import Kazasu

/// The core's one signing flow (`SigningFlow`) driven through the Swift pieces the app plugs into it: a Swift
/// `CardLink` behind ``LinkTransport`` and ``CardTap`` (the CoreNFC-shaped ``ExchangeGate`` too), a Swift
/// `HttpTransport` serving the exported fake relying party, and ``MainQueueObserver``. The flow's decisions
/// themselves are replayed from the scenario table (ScenarioTests).
final class FlowTests: XCTestCase {
    // MARK: the card, through the Swift bridge

    func testOneTapOverASwiftLinkSignsExactlyTheShownBytesIn8Apdus() async throws {
        let card = SoftwareCard()
        let link = SoftwareCardLink(card: card)
        let seen = SeenStates()
        let flow = bytesFlowWaitingForCard(observer: seen)
        guard case .reviewBytes(let shown, let disclosure) = seen.states.first else { return XCTFail("\(seen.states)") }
        XCTAssertEqual(disclosure, Disclosure(items: [.name, .address, .dateOfBirth, .gender],
                                              recipient: .whoeverReceivesTheSignature))
        XCTAssertEqual(shown.size, UInt64(shownDocument.count))
        XCTAssertEqual(shown.sha256Hex, IndependentCheck.sha256(shownDocument).map { String(format: "%02x", $0) }.joined())
        let used = await CardTap.present(link, to: flow)
        XCTAssertTrue(used)
        guard case .signed(let signed) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertTrue(verifySignatureForTests(
            certificate: signed.certificate, algorithm: .sha256, data: shownDocument, signature: signed.signature))
        XCTAssertEqual(link.exchangeCount, 8)
        XCTAssertEqual(card.pinPresentations(), 1)
        // The card's progress reached the observer, in order, between the tap and the signature.
        let steps = seen.states.compactMap { state -> SignStep? in
            if case .working(let step) = state { return step }
            return nil
        }
        XCTAssertEqual(steps.first, .connecting)
        XCTAssertEqual(steps.last, .signing)
        XCTAssertEqual(seen.states.last, flow.state())
    }

    func testTheCoreNfcShapedGateCarriesAWholeOneTapSigningOnAShortLink() async throws {
        let card = SoftwareCard.shortOnly()
        let link = GatedLink(card: card)
        let flow = bytesFlowWaitingForCard()
        let used = await CardTap.present(link, to: flow)
        XCTAssertTrue(used)
        guard case .signed = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(card.exchanges(), 15)
        XCTAssertEqual(link.gate.inFlight, 0)
        XCTAssertEqual(link.gate.droppedCompletions, 0)
    }

    /// Whichever exchange the reader session ends at, the tap signs nothing, spends no try it cannot account for,
    /// sends nothing after the end, and the late completion is dropped.
    func testAReaderSessionEndingAtAnyExchangeSignsNothingAndNeverPresentsThePasswordTwice() async throws {
        for cut in 0..<8 {
            let card = SoftwareCard.shortOnly()
            let link = GatedLink(card: card, dropAfter: cut)
            let flow = bytesFlowWaitingForCard()
            _ = await CardTap.present(link, to: flow)
            let state = describeState(state: flow.state())
            XCTAssertTrue(["HoldCard", "EnterPin"].contains(state.name), "cut \(cut): \(state)")
            XCTAssertTrue(["CardLost", "VerifyOutcomeUnknown", "CardLostAfterPin"].contains(state.notice ?? ""),
                          "cut \(cut): \(state)")
            XCTAssertEqual(card.signatures(), 0, "cut \(cut)")
            XCTAssertLessThanOrEqual(card.pinPresentations(), 1, "cut \(cut)")
            XCTAssertEqual(card.exchanges(), UInt32(cut), "cut \(cut): nothing went out after the session ended")
            try await Task.sleep(nanoseconds: 50_000_000)
            XCTAssertEqual(link.gate.droppedCompletions, 1, "cut \(cut)")
        }
    }

    func testAnErrorOfItsOwnThrownByTheSwiftLinkIsALostCardNotACrash() async throws {
        for n in 1...8 {
            let card = SoftwareCard()
            let flow = bytesFlowWaitingForCard()
            _ = await CardTap.present(SoftwareCardLink(card: card, throwOnExchange: n), to: flow)
            let state = describeState(state: flow.state())
            XCTAssertTrue(["CardLost", "VerifyOutcomeUnknown", "CardLostAfterPin"].contains(state.notice ?? ""),
                          "exchange \(n): \(state)")
            XCTAssertLessThanOrEqual(card.pinPresentations(), 1, "exchange \(n)")
            XCTAssertEqual(card.signatures(), 0, "exchange \(n): the broken exchange never reached the card")
            XCTAssertEqual(card.signPinTries(), 5, "exchange \(n)")
        }
    }

    func testAFlowThatWantsNoCardLeavesItUntouched() async throws {
        let card = SoftwareCard()
        let flow = SigningFlow.forBytes(label: "x", data: shownDocument, algorithm: .sha256, observer: SeenStates(),
                                        clock: nil)
        flow.start()
        let used = await CardTap.present(SoftwareCardLink(card: card), to: flow)
        XCTAssertFalse(used, "nothing was accepted yet")
        XCTAssertEqual(card.exchanges(), 0)
    }

    // MARK: the hand-off, through a Swift HttpTransport

    private func handoff(_ rp: FakeRelyingParty, _ http: RelyingPartyHTTP, link: String? = nil, _ seen: SeenStates)
        throws -> SigningFlow
    {
        let url = try link ?? rp.createRequest(validitySecs: 600)
        let flow = SigningFlow.forLink(link: url, http: http, observer: seen, clock: TestClock(now: rp.now()).clock())
        flow.start()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        return flow
    }

    func testAHandOffShowsTheRequestSignsItsTextInOneTapAndTheSiteVerifiesIt() async throws {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let http = RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin)
        let card = SoftwareCard()
        let requestURL = try rp.createRequest(validitySecs: 600)
        let seen = SeenStates()
        let flow = try handoff(rp, http, link: try rp.deepLink(requestUrl: requestURL), seen)
        XCTAssertEqual(seen.states.first, .fetching)
        guard case .reviewRequest(let shown, _, _) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(shown.origin, cityOrigin)
        XCTAssertEqual(shown.relyingParty, "伊勢市（テスト）")
        XCTAssertEqual(shown.fields.map(\.value), ["2", "年金の手続き", ""])
        XCTAssertEqual(http.urls, [requestURL])
        flow.accept()
        flow.enterPin(typed: rightPin)
        let used = await CardTap.present(SoftwareCardLink(card: card), to: flow)
        XCTAssertTrue(used)
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        // Signed, nothing sent: the application is shown once more, with what the certificate says.
        guard case .confirmFiling(let filing, let result) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(filing, shown)
        XCTAssertEqual(result.identity.dateOfBirthIso, "1985-04-01")
        XCTAssertEqual(http.posts, 0)
        XCTAssertEqual(rp.accepted(), 0)
        flow.file()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        guard case .done(let receipt, _) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(receipt.dateOfBirth, "1985-04-01")
        XCTAssertEqual(rp.accepted(), 1)
        // What was posted is a signature over exactly the text shown (checked by OpenSSL and by Swift code).
        let posted = try XCTUnwrap(http.postedBodies.first.flatMap(submissionParts))
        let shownBytes = Data(shown.signedText.utf8)
        XCTAssertTrue(verifySignatureForTests(
            certificate: posted.certificate, algorithm: .sha256, data: shownBytes, signature: posted.signature))
        XCTAssertTrue(IndependentCheck.verifySHA256(
            certificate: posted.certificate, data: shownBytes, signature: posted.signature))
        XCTAssertEqual(http.urls.last, requestURL + "/submit")
    }

    func testHostileOrBrokenAnswersEndTheFlowBeforeAnyCard() async throws {
        let cases: [(String, (RelyingPartyHTTP) -> Void, String?, String)] = [
            ("forged origin", { _ in }, "https://evil.example", "OriginMismatch"),
            ("display differs", { $0.tamperRequest = { rewriteDisplay($0) { $0["title"] = "アンケート" } } }, nil,
             "DisplayMismatch"),
            ("unknown member", { $0.tamperRequest = { rewriteDisplay($0) { $0["extra"] = "x" } } }, nil, "InvalidRequest"),
            ("too large", { $0.tamperRequest = { _ in Data(repeating: 0x20, count: 64 * 1024 + 1) } }, nil,
             "InvalidRequest"),
            ("redirect", { $0.getStatus = 302 }, nil, "HttpStatus"),
            ("Swift error", { $0.throwOnGet = 1 }, nil, "Network"),
            ("HttpFailure", { $0.throwOnGet = 1; $0.throwFFIFailure = true }, nil, "Network"),
        ]
        for (name, setUp, origin, notice) in cases {
            let rp = try FakeRelyingParty(origin: cityOrigin)
            let http = RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin)
            setUp(http)
            let url = try rp.createRequest(validitySecs: 600)
            let link = origin.map { url.replacingOccurrences(of: cityOrigin, with: $0) }
            let flow = try handoff(rp, http, link: link ?? url, SeenStates())
            XCTAssertEqual(describeState(state: flow.state()), StateSummary(
                name: "Failed", notice: notice, knownTries: nil, lastTry: nil, canResend: nil, wayOut: "Close",
                readerDone: false), name)
            let card = SoftwareCard()
            let used = await CardTap.present(SoftwareCardLink(card: card), to: flow)
            XCTAssertFalse(used, name)
            XCTAssertEqual(card.exchanges(), 0, name)
        }
    }

    /// A hand-off accepted, the password typed and the card tapped: signed, and nothing posted before 申請する.
    private func signedWaitingToFile(_ rp: FakeRelyingParty, _ http: RelyingPartyHTTP, link: String,
                                     _ seen: SeenStates = SeenStates(), card: SoftwareCard = SoftwareCard())
        async throws -> SigningFlow
    {
        let flow = try handoff(rp, http, link: link, seen)
        flow.accept()
        flow.enterPin(typed: rightPin)
        let used = await CardTap.present(SoftwareCardLink(card: card), to: flow)
        XCTAssertTrue(used)
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        XCTAssertEqual(describeState(state: flow.state()).name, "ConfirmFiling")
        XCTAssertEqual(http.posts, 0, "nothing is posted before 申請する")
        return flow
    }

    /// The app names a file for the memory of filed requests at start-up (the Rust tests restart it): a request
    /// is written there when it is filed, not when it is only signed, and refused when it comes back.
    func testARequestFiledOnceIsRefusedWhenItComesBackAndWrittenToTheMemoryFileTheAppNames() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kazasu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("signed-requests")
        rememberSignedRequestsIn(path: file.path)
        func lines() -> Int {
            ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let before = lines()
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let http = RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin)
        let url = try rp.createRequest(validitySecs: 600)
        let first = try await signedWaitingToFile(rp, http, link: url)
        XCTAssertEqual(lines(), before, "signed only: not remembered yet")
        first.file()
        XCTAssertTrue(first.waitIdle(timeoutMs: 10_000))
        guard case .done = first.state() else { return XCTFail("\(first.state())") }
        XCTAssertEqual(lines(), before + 1)
        let again = try handoff(rp, http, link: url, SeenStates())
        XCTAssertEqual(describeState(state: again.state()).notice, "AlreadySigned")
    }

    func testTheReviewSaysWhereAndWhenTheRequestWasCreatedAndWhoReceivesWhat() throws {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let clock = TestClock(now: rp.now())
        let seen = SeenStates()
        let flow = SigningFlow.forLink(link: try rp.createRequest(validitySecs: 600),
                                       http: RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin), observer: seen,
                                       clock: clock.clock())
        flow.start()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        guard case .reviewRequest(let request, let context, let disclosure) = flow.state() else {
            return XCTFail("\(flow.state())")
        }
        XCTAssertEqual(context, CreationContext(createdFrom: "Windows · Chrome", createdAt: rp.now(), age: .justNow))
        XCTAssertEqual(disclosure, Disclosure(items: [.name, .address, .dateOfBirth, .gender],
                                              recipient: .origin(origin: request.origin)))
        XCTAssertEqual(request.origin, cityOrigin)
        // The age is the flow's, at the time the state is asked: the shell computes none.
        clock.advance(secs: 150)
        guard case .reviewRequest(_, let later, _) = flow.state() else { return XCTFail("\(flow.state())") }
        XCTAssertEqual(later.age, .minutes(count: 2))
        let ja = try XCTUnwrap(Words(language: "ja"))
        XCTAssertEqual(ja.context(later), "この申請は Windows · Chrome で2分前に作成されました。")
    }

    func testCancellingTheReviewOfASignedRequestSendsNothingAndFilingAfterwardsDoesNothing() async throws {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let http = RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin)
        let seen = SeenStates()
        let card = SoftwareCard()
        let flow = try await signedWaitingToFile(rp, http, link: try rp.createRequest(validitySecs: 600), seen,
                                                 card: card)
        XCTAssertEqual(card.signatures(), 1)
        // The reader sheet closes as done: the card's part is over.
        XCTAssertTrue(try XCTUnwrap(Words(language: "ja")).readerClosing(flow.state()).ok)
        flow.cancel()
        flow.file()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        XCTAssertEqual(flow.state(), .cancelled)
        XCTAssertEqual(http.posts, 0, "nothing was sent")
        XCTAssertEqual(rp.accepted(), 0)
        XCTAssertFalse(seen.states.contains { if case .submitting = $0 { return true } else { return false } })
    }

    // MARK: the screen's observer

    func testTheMainQueueObserverDeliversEveryStateInOrderOnTheMainThread() throws {
        let observer = MainQueueObserver()
        let got = SeenStates()
        let allOnMain = OneShot<Bool>()
        let done = expectation(description: "the last state arrived")
        observer.deliver = { state in
            if !Thread.isMainThread { allOnMain.resolve(false) }
            got.onState(state: state)
            if case .signed = state { done.fulfill() }
        }
        let flow = bytesFlowWaitingForCard(observer: observer)
        let card = SoftwareCard()
        Thread { _ = flow.cardPresent(transport: LinkTransport(link: SoftwareCardLink(card: card))) }.start()
        wait(for: [done], timeout: 20)
        XCTAssertNil(allOnMain.wait(timeout: 0), "a state was delivered off the main thread")
        let names = got.states.map { describeState(state: $0).name }
        XCTAssertEqual(names.first, "ReviewBytes")
        XCTAssertEqual(names.last, "Signed")
        XCTAssertEqual(Array(names.prefix(3)), ["ReviewBytes", "EnterPin", "HoldCard"])
    }
}
