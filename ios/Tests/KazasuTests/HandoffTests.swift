import XCTest
import KazasuFFI
@testable import Kazasu

/// The hand-off (docs/handoff.md) through the real bindings: the core fetches through a Swift `HttpTransport`
/// serving the exported fake relying party, the software card signs over a Swift `CardLink`, the relying party
/// verifies the submission with the core's verification (chain to the test sign CA, CRL, single use).
@MainActor
final class HandoffTests: XCTestCase {
    private let ja = Messages(language: "ja")!

    private struct Setup {
        let rp: FakeRelyingParty
        let http: RelyingPartyHTTP
        let clock: TestClock
        let card: SoftwareCard
        let requestURL: String
    }

    private func setup(validity: Int64 = 600) throws -> Setup {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let url = try rp.createRequest(validitySecs: validity)
        return Setup(rp: rp, http: RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin), clock: TestClock(rp.now()),
                     card: SoftwareCard(), requestURL: url)
    }

    private func controller(_ s: Setup, link: String? = nil) -> SignController {
        SignController(link: IncomingLink(scanned: link ?? s.requestURL)!, http: s.http, messages: ja, clock: s.clock.clock)
    }

    /// Fetched, shown, tries read: the flow waits for the PIN.
    private func atPinEntry(_ s: Setup) async throws -> SignController {
        let c = controller(s)
        await c.fetch()
        XCTAssertEqual(c.state, .review)
        c.accept()
        _ = await c.cardConnected(SoftwareCardLink(card: s.card))
        return c
    }

    // MARK: the round trip

    func testTheHandOffRoundTripShowsTheRequestSignsExactlyItsDocumentAndTheRelyingPartyVerifiesIt() async throws {
        let s = try setup()
        // The same-device button's deep link, as iOS hands it to onOpenURL.
        let deep = try s.rp.deepLink(requestUrl: s.requestURL)
        XCTAssertTrue(deep.hasPrefix("kazasu://sign?r="), deep)
        let c = SignController(link: IncomingLink(url: URL(string: deep)!)!, http: s.http, messages: ja, clock: s.clock.clock)
        XCTAssertEqual(c.state, .fetching)
        XCTAssertNil(c.pendingCardPurpose, "no card before the request is fetched and shown")

        await c.fetch()
        XCTAssertEqual(c.state, .review)
        let shown = try XCTUnwrap(c.display)
        XCTAssertEqual(shown.origin, cityOrigin)
        XCTAssertTrue(shown.originIsHttps)
        XCTAssertEqual(shown.relyingParty, "伊勢市（テスト）")
        XCTAssertEqual(shown.title, "住民票の写しの交付申請")
        XCTAssertEqual(shown.fields.map(\.label), ["交付を受ける通数", "使用目的", "備考"])
        XCTAssertEqual(shown.fields.map(\.value), ["2", "年金の手続き", ""])
        XCTAssertEqual(shown.expiresAt, s.rp.now() + 600)
        // Every shown line is in the text that will be signed.
        for line in [shown.origin, shown.relyingParty, shown.title] + shown.fields.map(\.value) where !line.isEmpty {
            XCTAssertTrue(shown.signedText.contains(line), line)
        }
        XCTAssertEqual(s.http.urls, [s.requestURL], "exactly one GET, of the request URL")

        c.accept()
        let first = await c.cardConnected(SoftwareCardLink(card: s.card))
        XCTAssertEqual(first, .success(message: "残り回数を確認しました"))
        XCTAssertEqual(c.state, .enterPin(remaining: 5, notice: nil))
        c.submitPin(typedPin(softwareCardSignPin()))
        let end = await c.cardConnected(SoftwareCardLink(card: s.card))
        XCTAssertEqual(end, .success(message: "署名しました"), "the reader sheet ends before the signature is sent")
        await c.submissionTask?.value

        guard case .submitted(let receipt) = c.state else { return XCTFail("not submitted: \(c.state)") }
        XCTAssertEqual(receipt.requestId, shown.requestId)
        XCTAssertTrue(receipt.name?.contains("花子") ?? false, "\(String(describing: receipt.name))")
        XCTAssertTrue(receipt.address?.hasPrefix("三重県伊勢市") ?? false)
        XCTAssertEqual(receipt.dateOfBirth, "1985-04-01")
        XCTAssertEqual(ja.receiptRows(receipt).map(\.label), ["氏名", "住所", "生年月日"])
        XCTAssertEqual(s.rp.accepted(), 1)
        XCTAssertEqual(s.card.pinPresentations(), 1)
        XCTAssertEqual(s.card.signatures(), 1)
        XCTAssertFalse(c.holdsPin)

        // What was posted is a signature over exactly the bytes shown (checked by OpenSSL and by Swift code).
        let posted = try XCTUnwrap(s.http.postedBodies.first.flatMap(submissionParts))
        XCTAssertEqual(posted.algorithm, "sha256")
        let shownBytes = Data(shown.signedText.utf8)
        XCTAssertTrue(verifySignatureForTests(
            certificate: posted.certificate, algorithm: .sha256, data: shownBytes, signature: posted.signature))
        XCTAssertTrue(IndependentCheck.verifySHA256(
            certificate: posted.certificate, data: shownBytes, signature: posted.signature))
        XCTAssertEqual(s.http.urls.last, s.requestURL + "/submit")
    }

    func testTheQrTextAndTheDeepLinkNameTheSameRequestAndOtherTextIsNoLink() async throws {
        let s = try setup()
        let deep = try s.rp.deepLink(requestUrl: s.requestURL)
        XCTAssertEqual(try Handoff.requestURL(of: IncomingLink(scanned: s.requestURL)!), s.requestURL)
        XCTAssertEqual(try Handoff.requestURL(of: IncomingLink(url: URL(string: deep)!)!), s.requestURL)
        for bad in ["http://city.example.jp/r/abcdefgh", "https://city.example.jp@evil.example/r/abcdefgh",
                    "WIFI:S:net;T:WPA;P:x;;", "kazasu://sign?r=%FF"] {
            XCTAssertThrowsError(try Handoff.requestURL(of: IncomingLink(scanned: bad)!), bad) { error in
                guard case HandoffFailure.InvalidLink = error else { return XCTFail("\(bad): \(error)") }
            }
        }
    }

    func testALinkThatIsNotARequestEndsTheFlowWithoutAnyHttpOrCard() async throws {
        let s = try setup()
        let c = controller(s, link: "http://evil.example/r/abcdefgh")
        await c.fetch()
        XCTAssertEqual(c.state, .failed(.invalidLink))
        XCTAssertEqual(s.http.gets, 0)
        XCTAssertNil(c.pendingCardPurpose)
        XCTAssertEqual(ja.text(for: .invalidLink), "かざすの申請用のQRコードまたはリンクではありません。")
    }

    // MARK: expiry: no PIN for an out-of-date request

    func testARequestThatExpiresBeforeThePinIsAskedNeverGetsAPinPrompt() async throws {
        let s = try setup(validity: 60)
        let c = controller(s)
        await c.fetch()
        c.accept()
        s.clock.advance(61)
        let end = await c.cardConnected(SoftwareCardLink(card: s.card))
        XCTAssertEqual(c.state, .failed(.expired), "the tries were read, but no PIN entry follows")
        XCTAssertEqual(end, .failure(message: ja.text(for: .expired)))
        XCTAssertNil(c.pendingCardPurpose)
        XCTAssertEqual(s.card.pinPresentations(), 0)
        XCTAssertEqual(s.http.posts, 0)
    }

    func testAnExpiredRequestIsNotAcceptedForTheCard() async throws {
        let s = try setup(validity: 60)
        let c = controller(s)
        await c.fetch()
        s.clock.advance(3600)
        c.accept()
        XCTAssertEqual(c.state, .failed(.expired))
        XCTAssertNil(c.pendingCardPurpose, "not even the tries are read")
        XCTAssertEqual(s.card.exchanges(), 0)
    }

    func testAPinTypedAfterTheRequestExpiredIsDroppedAndNeverPresented() async throws {
        let s = try setup(validity: 60)
        let c = try await atPinEntry(s)
        XCTAssertEqual(c.state, .enterPin(remaining: 5, notice: nil))
        s.clock.advance(61)
        let input = typedPin(softwareCardSignPin())
        c.submitPin(input)
        XCTAssertTrue(input.isWiped)
        XCTAssertEqual(c.state, .failed(.expired))
        XCTAssertFalse(c.holdsPin)
        XCTAssertEqual(s.card.pinPresentations(), 0)
    }

    func testSigningAnExpiredRequestNeverTouchesTheCardAndLeavesThePinUnused() async throws {
        let s = try setup(validity: 60)
        let request = try await Handoff.fetch(link: IncomingLink(scanned: s.requestURL)!, http: s.http, now: s.rp.now())
        let pin = try signPin(softwareCardSignPin())
        do {
            _ = try await Handoff.sign(request, over: SoftwareCardLink(card: s.card), pin: pin, confirmedLastTry: false,
                                       now: s.rp.now() + 61)
            XCTFail("signed an expired request")
        } catch HandoffFailure.Expired(let expiresAt) {
            XCTAssertEqual(expiresAt, request.display().expiresAtUtc)
        }
        XCTAssertEqual(s.card.exchanges(), 0, "the core checks the expiry before the card is opened")
        XCTAssertFalse(pin.isUsed())
    }

    // MARK: hostile requests never reach the card

    func testTheCitysRequestServedFromAForeignOriginIsRefusedBeforeAnythingIsShown() async throws {
        let s = try setup()
        // A forged QR code: evil.example mirrors the city's request byte for byte.
        let forged = s.requestURL.replacingOccurrences(of: cityOrigin, with: "https://evil.example")
        let c = controller(s, link: forged)
        await c.fetch()
        XCTAssertEqual(c.state, .failed(.originMismatch(expected: "https://evil.example", found: cityOrigin)))
        XCTAssertNil(c.display, "nothing of the forged request is shown")
        XCTAssertEqual(s.http.urls, [forged])
        c.accept()
        XCTAssertNil(c.pendingCardPurpose)
        XCTAssertEqual(s.card.exchanges(), 0)
        XCTAssertEqual(ja.text(for: .originMismatch(expected: "https://evil.example", found: cityOrigin)),
                       "この申請は読み取ったサイト(https://evil.example)ではなく、別のサイト(https://city.example.jp)のものです。偽のQRコードの可能性があるため、署名しません。")
    }

    func testARequestThatShowsSomethingElseThanItSignsIsRefused() async throws {
        let s = try setup()
        s.http.tamperRequest = { body in rewriteDisplay(body) { $0["title"] = "アンケートへの回答" } }
        let c = controller(s)
        await c.fetch()
        XCTAssertEqual(c.state, .failed(.displayMismatch))
        XCTAssertNil(c.display)
        XCTAssertEqual(s.card.exchanges(), 0)
    }

    func testARequestWithAnUnknownMemberOrOverTheSizeLimitIsInvalid() async throws {
        for tamper in [
            { (body: Data) in rewriteDisplay(body) { $0["extra"] = "x" } },
            { (_: Data) in Data(repeating: 0x20, count: 64 * 1024 + 1) },
        ] {
            let s = try setup()
            s.http.tamperRequest = tamper
            let c = controller(s)
            await c.fetch()
            guard case .failed(.invalidRequest) = c.state else { return XCTFail("\(c.state)") }
            XCTAssertEqual(s.card.exchanges(), 0)
        }
    }

    func testARedirectIsNotFollowedAndEndsTheFlow() async throws {
        let s = try setup()
        s.http.getStatus = 302
        let c = controller(s)
        await c.fetch()
        XCTAssertEqual(c.state, .failed(.httpStatus(302)))
        XCTAssertEqual(s.http.gets, 1)
    }

    func testARequestSignedOnceIsRefusedWhenItComesBack() async throws {
        let s = try setup()
        let c = try await atPinEntry(s)
        c.submitPin(typedPin(softwareCardSignPin()))
        _ = await c.cardConnected(SoftwareCardLink(card: s.card))
        await c.submissionTask?.value
        guard case .submitted = c.state else { return XCTFail("\(c.state)") }

        let again = controller(s)
        await again.fetch()
        XCTAssertEqual(again.state, .failed(.replayed))
        XCTAssertEqual(s.card.signatures(), 1)
    }

    // MARK: errors of the Swift HTTP stack

    func testAnErrorThrownByTheSwiftHttpTransportArrivesAsATypedNetworkFailure() async throws {
        for ffiError in [false, true] {
            let s = try setup()
            s.http.throwOnGet = 1
            s.http.throwFFIFailure = ffiError
            do {
                _ = try await Handoff.fetch(link: IncomingLink(scanned: s.requestURL)!, http: s.http, now: s.rp.now())
                XCTFail("fetched through a failing transport")
            } catch HandoffFailure.Network(let reason) {
                XCTAssertFalse(reason.isEmpty)
            }
            let c = controller(s)
            s.http.throwOnGet = 2
            await c.fetch()
            guard case .failed(.network) = c.state else { return XCTFail("\(c.state)") }
            XCTAssertEqual(ja.text(for: .network(reason: "x")), "申請先に接続できませんでした。通信環境を確認してください。")
        }
    }

    func testASubmissionThatFailsKeepsTheSignatureAndIsSentAgainWithoutCardOrPin() async throws {
        let s = try setup()
        s.http.throwOnPost = 1
        let c = try await atPinEntry(s)
        c.submitPin(typedPin(softwareCardSignPin()))
        _ = await c.cardConnected(SoftwareCardLink(card: s.card))
        await c.submissionTask?.value
        guard case .submitFailed(.network) = c.state else { return XCTFail("\(c.state)") }
        XCTAssertNil(c.pendingCardPurpose, "no card contact offered: the signature exists")
        c.cancel()
        guard case .submitFailed = c.state else { return XCTFail("cancel must not drop a made signature silently") }

        c.resend()
        XCTAssertEqual(c.state, .submitting)
        await c.submissionTask?.value
        guard case .submitted = c.state else { return XCTFail("\(c.state)") }
        XCTAssertEqual(s.http.posts, 2)
        XCTAssertEqual(s.card.signatures(), 1, "sent twice, signed once")
        XCTAssertEqual(s.card.pinPresentations(), 1)
        XCTAssertEqual(s.rp.accepted(), 1)
    }

    func testAResendAfterALostAnswerThatTheSiteCallsAlreadySignedIsReportedAsProbablyReceived() async throws {
        let s = try setup()
        s.http.loseAnswerOfPost = 1
        let c = try await atPinEntry(s)
        c.submitPin(typedPin(softwareCardSignPin()))
        _ = await c.cardConnected(SoftwareCardLink(card: s.card))
        await c.submissionTask?.value
        guard case .submitFailed(.network) = c.state else { return XCTFail("\(c.state)") }
        XCTAssertEqual(s.rp.accepted(), 1, "the first sending did arrive")
        c.resend()
        await c.submissionTask?.value
        XCTAssertEqual(c.state, .failed(.probablyReceived))
        XCTAssertTrue(ja.text(for: .probablyReceived).contains("すでに受け取っています"))
        XCTAssertEqual(s.card.signatures(), 1)
    }

    func testCancellingWhileFetchingKeepsNothingOfTheRequest() async throws {
        let s = try setup()
        let slow = DispatchSemaphore(value: 0)
        s.http.holdGet = slow
        let c = controller(s)
        let fetching = Task { await c.fetch() }
        // The GET is on its way (the transport holds it), then the person cancels, then the answer comes.
        while s.http.gets == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        c.cancel()
        slow.signal()
        await fetching.value
        XCTAssertEqual(c.state, .cancelled)
        XCTAssertNil(c.display)
        XCTAssertNil(c.pendingCardPurpose)
    }

    func testAWrongPinInAHandOffReturnsToPinEntryWithTheTriesLeft() async throws {
        let s = try setup()
        let c = try await atPinEntry(s)
        c.submitPin(typedPin(wrongPinText))
        let end = await c.cardConnected(SoftwareCardLink(card: s.card))
        XCTAssertEqual(end, .failure(message: "パスワードが違います。残り4回です。"))
        XCTAssertEqual(c.state, .enterPin(remaining: 4, notice: .wrongPin(remaining: 4)))
        XCTAssertEqual(s.http.posts, 0)
        c.submitPin(typedPin(softwareCardSignPin()))
        _ = await c.cardConnected(SoftwareCardLink(card: s.card))
        await c.submissionTask?.value
        guard case .submitted = c.state else { return XCTFail("\(c.state)") }
    }
}
