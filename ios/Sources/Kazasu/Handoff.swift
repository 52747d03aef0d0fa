import Foundation
import KazasuFFI

/// The hand-off protocol (`docs/handoff.md`) as async calls for the screens: link → fetch → show → sign →
/// submit. Every check (link, origin, sizes, UTF-8, display == document, expiry, nonces already signed) is the
/// core's; this file only moves the blocking FFI calls off the caller's thread.
///
/// HTTP is the app's ``HttpTransport`` (URLSession, redirects refused, bodies bounded). The core calls it
/// synchronously, so every call that may reach the network runs on a thread of its own — never the main thread
/// or Swift concurrency's pool — and resumes its caller exactly once.
public enum Handoff {
    /// Seconds since the Unix epoch: the phone's clock, as the core's expiry checks take it.
    public typealias Clock = @Sendable () -> Int64

    public static let systemClock: Clock = { Int64(Date().timeIntervalSince1970) }

    /// The https URL of the request inside a scanned QR text or a `kazasu://sign?r=…` link; `InvalidLink` for
    /// anything else. Pure (no I/O).
    public static func requestURL(of link: IncomingLink) throws -> String {
        try requestUrlOfLink(text: link.text)
    }

    /// GETs the request behind `link` and checks it at `now`. Nothing is signed and no PIN is asked here.
    public static func fetch(link: IncomingLink, http: HttpTransport, now: Int64) async throws -> SigningRequest {
        let url = try requestURL(of: link)
        return try await CardOperations.onCardThread(name: "jp.kazasu.handoff") {
            try SigningRequest.fetch(http: http, url: url, now: now)
        }
    }

    /// Signs exactly `request`'s document over `link` (PIN once, counter first, last try only when
    /// `confirmedLastTry`). The core checks the expiry at `now` and its memory of signed nonces before the card
    /// is touched. Card failures arrive as `HandoffFailure.Card(error:)`.
    public static func sign(
        _ request: SigningRequest,
        over link: CardLink,
        pin: SignPin,
        confirmedLastTry: Bool,
        now: Int64,
        progress: @escaping @Sendable (SignStep) -> Void = { _ in }
    ) async throws -> SignedDocument {
        let transport = LinkTransport(link: link)
        let relay = ProgressRelay(progress)
        return try await CardOperations.onCardThread {
            let session = CardSession(transport: transport)
            return try session.signRequest(
                pin: pin, confirmedLastTry: confirmedLastTry, request: request, now: now, progress: relay)
        }
    }

    /// POSTs the signature to the request's submit URL and returns what the relying party transcribed. Never
    /// signs again; a failure leaves `signed` with the caller, who may send it again when the person asks.
    public static func submit(_ request: SigningRequest, signed: SignedDocument, http: HttpTransport)
        async throws -> SubmissionReceipt
    {
        try await CardOperations.onCardThread(name: "jp.kazasu.handoff") {
            try request.submit(http: http, signedDocument: signed)
        }
    }

    /// Any error from the calls above as the FFI's `HandoffFailure` (a bare `KazasuError` becomes `.Card`).
    public static func failure(_ error: Error) -> HandoffFailure {
        switch error {
        case let failure as HandoffFailure: return failure
        case let card as KazasuError: return .Card(error: card)
        default: return .Internal(detail: "unexpected error type \(type(of: error))")
        }
    }
}
