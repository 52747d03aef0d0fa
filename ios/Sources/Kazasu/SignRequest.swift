import Foundation
import KazasuFFI

/// What the person is asked to sign. `document` is the exact byte string shown on screen (UTF-8 text) and the
/// exact byte string signed: the core hashes these bytes and nothing else (what you see is what you sign).
public struct SignRequest: Equatable, Sendable {
    /// Who asks (the city or service), shown at the top.
    public let requester: String
    /// A short title of the form.
    public let title: String
    /// The bytes to sign.
    public let document: Data
    public let algorithm: HashAlgorithm

    public init(requester: String, title: String, document: Data, algorithm: HashAlgorithm = .sha256) {
        self.requester = requester
        self.title = title
        self.document = document
        self.algorithm = algorithm
    }

    /// The text shown to the person, decoded from the very bytes that are signed; nil if they are not UTF-8
    /// (such a request must not be shown as text, nor signed).
    public var documentText: String? {
        String(data: document, encoding: .utf8)
    }
}
