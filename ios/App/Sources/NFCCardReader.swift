import CoreNFC
import Foundation
import Kazasu

/// The card link over CoreNFC: `NFCISO7816Tag.sendCommand` as the package's ``CardLink``. Bytes only — every
/// APDU is built, chained and interpreted by the Rust core. Each command is one ``ExchangeGate`` exchange: one
/// continuation, resumed exactly once (by CoreNFC's completion, or with `.tagLost` when the session ends first).
final class NFCTagLink: CardLink, @unchecked Sendable {
    private let tag: NFCISO7816Tag
    let gate = ExchangeGate()

    init(tag: NFCISO7816Tag) {
        self.tag = tag
    }

    func transmit(_ command: Data) async throws -> Data {
        // The command may carry the PIN (VERIFY): it is never logged, and nothing here keeps it.
        guard let apdu = NFCISO7816APDU(data: command) else {
            throw LinkFailure.other(reason: "CoreNFC does not accept this command APDU")
        }
        let tag = self.tag
        return try await gate.exchange { complete in
            tag.sendCommand(apdu: apdu) { response, sw1, sw2, error in
                if let error {
                    complete(.failure(NFCTagLink.failure(error)))
                    return
                }
                var answer = response
                answer.append(sw1)
                answer.append(sw2)
                complete(.success(answer))
            }
        }
    }

    /// Short APDUs only: every iPhone and every マイナンバーカード carry them (the core chains reads and the
    /// 256-byte signature fits one short answer).
    var supportsExtendedLength: Bool { false }
    var maxTransceiveLength: Int { 0 }

    /// Session ended (tag connection lost, sheet closed, timeout): the command in flight and every later one
    /// fail as a lost card.
    func close() {
        gate.close(.tagLost)
    }

    static func failure(_ error: Error) -> LinkFailure {
        guard let nfc = error as? NFCReaderError else { return .other(reason: "\(type(of: error))") }
        switch nfc.code {
        case .readerTransceiveErrorTagConnectionLost,
             .readerTransceiveErrorTagNotConnected,
             .readerTransceiveErrorSessionInvalidated,
             .readerSessionInvalidationErrorUserCanceled,
             .readerSessionInvalidationErrorSessionTimeout,
             .readerSessionInvalidationErrorSessionTerminatedUnexpectedly,
             .readerSessionInvalidationErrorSystemIsBusy:
            return .tagLost
        case .readerTransceiveErrorRetryExceeded:
            return .timeout
        default:
            return .other(reason: "NFCReaderError \(nfc.code.rawValue)")
        }
    }
}

/// One `NFCTagReaderSession(pollingOption: .iso14443)` per tap, opened only while the flow waits for a card. The
/// card found is handed to the flow (``CardTap``, off the main thread); the sheet shows the flow's progress and
/// closes with the words for the state the tap left.
final class NFCCardReader: NSObject, NFCTagReaderSessionDelegate {
    typealias Tap = @MainActor (CardLink) async -> (ok: Bool, text: String)

    static var isAvailable: Bool { NFCTagReaderSession.readingAvailable }

    private let words: Words
    private var session: NFCTagReaderSession?
    private var link: NFCTagLink?
    private var tap: Tap?

    init(words: Words) {
        self.words = words
    }

    /// Shows the reader sheet; the card it finds goes to `tap`, whose answer closes the sheet.
    func begin(tap: @escaping Tap) {
        guard session == nil, let s = NFCTagReaderSession(pollingOption: .iso14443, delegate: self, queue: .main)
        else { return }
        self.tap = tap
        s.alertMessage = words(.reader_hold)
        session = s
        s.begin()
    }

    /// The sheet's line while the card works.
    func show(_ text: String) {
        session?.alertMessage = text
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        // Whatever ended the session, nothing more may go to the card: a pending command becomes CardLost.
        link?.close()
        link = nil
        self.session = nil
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard tags.count == 1, let first = tags.first else {
            session.alertMessage = words(.reader_multiple_tags)
            DispatchQueue.main.asyncAfter(deadline: .now() + 1) { session.restartPolling() }
            return
        }
        guard case .iso7816(let tag) = first else {
            session.invalidate(errorMessage: words.notice(.notJpkiCard))
            return
        }
        session.connect(to: first) { [weak self] error in
            guard let self, error == nil, let tap = self.tap else {
                session.invalidate(errorMessage: self?.words.notice(.cardLost) ?? "")
                return
            }
            let link = NFCTagLink(tag: tag)
            self.link = link
            Task { @MainActor in
                let end = await tap(link)
                if end.ok {
                    session.alertMessage = end.text
                    session.invalidate()
                } else {
                    session.invalidate(errorMessage: end.text)
                }
                link.close()
            }
        }
    }
}
