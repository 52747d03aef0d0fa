import Foundation
import KazasuFFI
@testable import Kazasu

/// A Swift-implemented `HttpTransport` (the FFI's foreign trait) that serves the exported fake relying party's
/// answers — the bytes a city's site would send — and can turn hostile: serve the city's request from another
/// origin (a forged QR code), rewrite the JSON, answer with a redirect, or throw.
final class RelyingPartyHTTP: HttpTransport, @unchecked Sendable {
    struct SwiftLayerBroke: Error {}

    let rp: FakeRelyingParty
    private let lock = NSLock()
    private var calls: [(method: String, url: String)] = []
    private var posted: [Data] = []

    /// The origin the relying party really lives at; another origin in a URL is mapped onto it (a mirror).
    let realOrigin: String
    /// Rewrites a 200 GET body before it is returned.
    var tamperRequest: ((Data) -> Data)?
    /// Answer every GET with this status and an empty body instead (e.g. 302).
    var getStatus: UInt32?
    /// Throw on the n-th GET / POST (1-based): a Swift error of its own, or the FFI's HttpFailure.
    var throwOnGet: Int?
    var throwOnPost: Int?
    /// The n-th POST reaches the relying party, but its answer is lost (the transport throws afterwards).
    var loseAnswerOfPost: Int?
    var throwFFIFailure = false
    /// Each GET waits for this before answering (a slow network).
    var holdGet: DispatchSemaphore?

    init(rp: FakeRelyingParty, realOrigin: String) {
        self.rp = rp
        self.realOrigin = realOrigin
    }

    var gets: Int { lock.withLock { calls.filter { $0.method == "GET" }.count } }
    var posts: Int { lock.withLock { calls.filter { $0.method == "POST" }.count } }
    var urls: [String] { lock.withLock { calls.map(\.url) } }
    var postedBodies: [Data] { lock.withLock { posted } }

    func get(url: String, maxBody: UInt32) throws -> HttpReply {
        let n: Int = lock.withLock {
            calls.append(("GET", url))
            return calls.filter { $0.method == "GET" }.count
        }
        holdGet?.wait()
        if n == throwOnGet { throw failure() }
        if let getStatus { return HttpReply(status: getStatus, body: Data()) }
        var reply = rp.answerGet(url: mirrored(url))
        if reply.status == 200, let tamperRequest { reply = HttpReply(status: 200, body: tamperRequest(reply.body)) }
        return bounded(reply, maxBody)
    }

    func postJson(url: String, body: Data, maxBody: UInt32) throws -> HttpReply {
        let n: Int = lock.withLock {
            calls.append(("POST", url))
            posted.append(body)
            return calls.filter { $0.method == "POST" }.count
        }
        if n == throwOnPost { throw failure() }
        let reply = rp.answerPost(url: mirrored(url), body: body)
        if n == loseAnswerOfPost { throw failure() }
        return bounded(reply, maxBody)
    }

    private func failure() -> Error {
        throwFFIFailure ? HttpFailure.Network(reason: "offline") : SwiftLayerBroke()
    }

    /// As the app's URLSession transport does: at most maxBody + 1 bytes.
    private func bounded(_ reply: HttpReply, _ maxBody: UInt32) -> HttpReply {
        HttpReply(status: reply.status, body: reply.body.prefix(Int(maxBody) + 1))
    }

    private func mirrored(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let origin = "\(components.scheme ?? "https")://\(host)" + (components.port.map { ":\($0)" } ?? "")
        return origin == realOrigin ? url : realOrigin + url.dropFirst(origin.count)
    }
}

let cityOrigin = "https://city.example.jp"

/// Changes one member of the request JSON's `display` part (the document stays as the relying party made it).
func rewriteDisplay(_ body: Data, _ change: (inout [String: Any]) -> Void) -> Data {
    guard var json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
          var display = json["display"] as? [String: Any] else { return body }
    change(&display)
    json["display"] = display
    return (try? JSONSerialization.data(withJSONObject: json)) ?? body
}

/// The signature and certificate of a submission the app posted (the JSON of docs/handoff.md §3).
func submissionParts(_ body: Data) -> (signature: Data, certificate: Data, algorithm: String)? {
    guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
          let signature = (json["signature"] as? String).flatMap({ Data(base64Encoded: $0) }),
          let certificate = (json["certificate_chain"] as? [String])?.first.flatMap({ Data(base64Encoded: $0) }),
          let algorithm = json["digest_algorithm"] as? String else { return nil }
    return (signature, certificate, algorithm)
}
