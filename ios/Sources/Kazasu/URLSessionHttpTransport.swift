import Foundation
#if canImport(FoundationNetworking)
// Linux (the tests): URLSession lives in swift-corelibs-foundation's FoundationNetworking there.
import FoundationNetworking
#endif
import KazasuFFI

/// HTTP for the hand-off, over URLSession, as the core's `HttpTransport` asks for it:
/// - **no redirects**: a 3xx answer is handed to the core as it is (which refuses it) — following one would leave
///   the origin the person is shown;
/// - **bounded bodies**: at most `maxBody + 1` bytes are kept (the core tells "too long" from that extra byte) and
///   the download is cancelled as soon as that many arrived;
/// - TLS as the system checks it (no custom trust evaluation), no cookies, no cache, no credentials.
///
/// The core calls it synchronously on its hand-off thread (never the main thread), so each call blocks that
/// thread until URLSession answers, fails, or the deadline passes. One ephemeral session per request: nothing is
/// shared between the fetch and the submission.
///
/// Plain Foundation, so it lives in the package and is tested on Linux (swift-corelibs-foundation's URLSession
/// over libcurl) against a loopback HTTP server; on the phone it is Apple's URLSession.
public final class URLSessionHttpTransport: HttpTransport, @unchecked Sendable {
    /// How long one request may take in all (connect, TLS, answer).
    public let deadline: TimeInterval

    public init(deadline: TimeInterval = 20) {
        self.deadline = deadline
    }

    /// What came back: the status and at most `limit` body bytes.
    struct Answer {
        let status: Int
        let body: Data
    }

    enum Failure: Error {
        case badURL
        case notHTTP
        case timedOut
        case network(String)

        var reason: String {
            switch self {
            case .badURL: return "URL not accepted by Foundation"
            case .notHTTP: return "not an HTTP answer"
            case .timedOut: return "timed out"
            case .network(let what): return what
            }
        }
    }

    // MARK: HttpTransport (called by the core on its hand-off thread)

    public func get(url: String, maxBody: UInt32) throws -> HttpReply {
        try reply(perform(method: "GET", url: url, body: nil, maxBody: Int(maxBody)))
    }

    public func postJson(url: String, body: Data, maxBody: UInt32) throws -> HttpReply {
        try reply(perform(method: "POST", url: url, body: body, maxBody: Int(maxBody)))
    }

    /// What the core gets: the status (a 3xx too) and the bounded body; no answer at all is `HttpFailure.Network`
    /// with a short category (never the URL's query or any body bytes).
    private func reply(_ answer: @autoclosure () throws -> Answer) throws -> HttpReply {
        do {
            let a = try answer()
            return HttpReply(status: UInt32(clamping: a.status), body: a.body)
        } catch let failure as Failure {
            throw HttpFailure.Network(reason: failure.reason)
        }
    }

    private func perform(method: String, url text: String, body: Data?, maxBody: Int) throws -> Answer {
        // The core hands over URLs it has already checked (https, or http to loopback); URL must agree.
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http"
        else { throw Failure.badURL }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData, timeoutInterval: deadline)
        request.httpMethod = method
        request.httpShouldHandleCookies = false
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }

        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.timeoutIntervalForRequest = deadline
        configuration.timeoutIntervalForResource = deadline

        // `limit` = maxBody + 1, so that "one byte too many" reaches the core, which reports it as too long.
        let exchange = BoundedExchange(limit: max(0, maxBody) + 1)
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
        let task = session.dataTask(with: request)
        task.resume()
        // A little longer than URLSession's own resource timeout: that one normally fires first.
        let outcome = exchange.outcome.wait(timeout: deadline + 5)
        // Whatever happened, this session is done: the task is cancelled if still running, and invalidating the
        // session releases its delegate.
        session.invalidateAndCancel()
        switch outcome {
        case nil:
            throw Failure.timedOut
        case .success(let answer)?:
            return answer
        case .failure(let failure)?:
            throw failure
        }
    }
}

/// The delegate of one request: refuses redirects, keeps at most `limit` body bytes, and delivers the outcome
/// once (``OneShot``) — whichever comes first of "limit reached", completion, or failure.
final class BoundedExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let limit: Int
    let outcome = OneShot<Result<URLSessionHttpTransport.Answer, URLSessionHttpTransport.Failure>>()
    private let lock = NSLock()
    private var status: Int?
    private var body = Data()

    init(limit: Int) {
        self.limit = limit
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // nil: do not follow; the redirect response itself completes the task (and the core refuses its status).
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            outcome.resolve(.failure(.notHTTP))
            completionHandler(.cancel)
            return
        }
        lock.lock()
        status = http.statusCode
        lock.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        let room = limit - body.count
        if room > 0 { body.append(data.prefix(room)) }
        let full = body.count >= limit ? URLSessionHttpTransport.Answer(status: status ?? 0, body: body) : nil
        lock.unlock()
        if let full {
            // Enough to know it is too long: stop downloading.
            outcome.resolve(.success(full))
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error {
            // A cancellation after "limit reached" is ignored here (the outcome is already resolved).
            outcome.resolve(.failure(.network(BoundedExchange.describe(error))))
            return
        }
        lock.lock()
        let answer = status.map { URLSessionHttpTransport.Answer(status: $0, body: body) }
        lock.unlock()
        outcome.resolve(answer.map { .success($0) } ?? .failure(.notHTTP))
    }

    /// A short, non-sensitive description of a network failure (for the core's error; shown as a category only).
    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        return "\(ns.domain) \(ns.code)"
    }
}
