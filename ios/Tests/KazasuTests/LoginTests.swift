import Foundation
import KazasuFFI
import XCTest
@testable import Kazasu

/// A log-in through the Swift bindings of `LoginFlow`, as the app drives it: the Swift HTTP transport serving the
/// fake relying party's bytes, the card tapped through the package's `CardTap` and a Swift `CardLink`, the
/// relying party verifying with the core's verify_login and logging in the browser session that asked.
final class LoginTests: XCTestCase {
    /// Logs in to the challenge at `url` as a person does; returns the account its session is logged in to.
    private func logIn(_ rp: FakeRelyingParty, _ http: RelyingPartyHTTP, _ card: SoftwareCard, _ url: String) async throws
        -> String?
    {
        let seen = SeenLoginStates()
        let clock = KazasuFFI.TestClock(now: rp.now())
        let flow = LoginFlow.forLink(link: try rp.loginLink(challengeUrl: url), http: http, observer: seen,
                                     clock: clock.clock())
        defer { flow.cancel() }
        flow.start()
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        guard case .reviewLogin(let challenge, _) = flow.state() else {
            XCTFail("not the review: \(flow.state())")
            return nil
        }
        XCTAssertEqual(challenge.origin, cityOrigin)
        XCTAssertNil(rp.sessionAccount(challengeUrl: url), "no session before the card answered")
        flow.accept()
        flow.enterPin(typed: Data(softwareCardAuthPin().utf8))
        let used = await CardTap.present(SoftwareCardLink(card: card), to: flow)
        XCTAssertTrue(used)
        XCTAssertTrue(flow.waitIdle(timeoutMs: 10_000))
        XCTAssertEqual(flow.state(), .loggedIn(origin: cityOrigin, relyingParty: challenge.relyingParty))
        XCTAssertEqual(Words(language: "ja")!.loginReaderClosing(flow.state()).text, "カードでの認証が終わりました")
        return rp.sessionAccount(challengeUrl: url)
    }

    func testALogInThroughTheSwiftBindingsGivesTheSessionThatAskedAnAccountAndTheSameCardTheSameOne() async throws {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let http = RelyingPartyHTTP(rp: rp, realOrigin: cityOrigin)
        let card = SoftwareCard()
        let first = try rp.createLoginChallenge(validitySecs: 300)
        let second = try rp.createLoginChallenge(validitySecs: 300)
        let account = try await logIn(rp, http, card, first)
        XCTAssertNotNil(account)
        let again = try await logIn(rp, http, card, second)
        XCTAssertEqual(again, account, "another browser session, the same card: the same account")
        XCTAssertEqual(rp.accepted(), 2)
        XCTAssertEqual([http.gets, http.posts], [2, 2])
        XCTAssertNil(rp.sessionAccount(challengeUrl: try rp.createLoginChallenge(validitySecs: 300)))
    }

    func testTheCoreSaysWhichLinksOpenTheLogInScreen() throws {
        let rp = try FakeRelyingParty(origin: cityOrigin)
        let url = try rp.createLoginChallenge(validitySecs: 300)
        let login = try rp.loginLink(challengeUrl: url)
        XCTAssertTrue(try XCTUnwrap(IncomingLink(scanned: login)).isLogin)
        XCTAssertTrue(try XCTUnwrap(IncomingLink(url: try XCTUnwrap(URL(string: login)))).isLogin)
        let encoded = try XCTUnwrap(url.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        XCTAssertTrue(try XCTUnwrap(IncomingLink(scanned: "https://kazasu.example/login?r=\(encoded)")).isLogin)
        let sign = try rp.deepLink(requestUrl: try rp.createRequest(validitySecs: 600))
        XCTAssertFalse(try XCTUnwrap(IncomingLink(scanned: sign)).isLogin)
        XCTAssertFalse(try XCTUnwrap(IncomingLink(scanned: url)).isLogin, "a plain https URL is a signing request's")
        XCTAssertFalse(try XCTUnwrap(IncomingLink(scanned: "kazasu://login?r=http%3A%2F%2Fcity.example.jp%2Flogin%2Fx")).isLogin)
    }
}
