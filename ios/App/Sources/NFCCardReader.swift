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

/// One `NFCTagReaderSession(pollingOption: .iso14443)` per card contact. The session's alert message shows the
/// progress the package computes (読み取り中… / 署名中…); the session is invalidated with the package's message
/// on every error, and with a short success message otherwise.
final class NFCCardReader: NSObject, NFCTagReaderSessionDelegate {
    typealias Work = @MainActor (CardLink, @escaping @MainActor (String) -> Void) async -> ReaderSessionEnd

    static var isAvailable: Bool { NFCTagReaderSession.readingAvailable }

    private let messages: Messages
    private var session: NFCTagReaderSession?
    private var link: NFCTagLink?
    private var work: Work?
    private var endedWithoutCard: (@MainActor () -> Void)?
    private var cardUsed = false

    init(messages: Messages) {
        self.messages = messages
    }

    /// Shows the reader sheet; when a card is connected, runs `work` over it and ends the session as it says.
    func begin(work: @escaping Work, endedWithoutCard: @escaping @MainActor () -> Void) {
        guard session == nil, let s = NFCTagReaderSession(pollingOption: .iso14443, delegate: self, queue: .main)
        else { return }
        self.work = work
        self.endedWithoutCard = endedWithoutCard
        cardUsed = false
        s.alertMessage = messages(.readerHold)
        session = s
        s.begin()
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        // Whatever ended the session, nothing more may go to the card: a pending command becomes CardLost.
        link?.close()
        link = nil
        self.session = nil
        if !cardUsed {
            let ended = endedWithoutCard
            Task { @MainActor in ended?() }
        }
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard tags.count == 1, let first = tags.first else {
            session.alertMessage = messages(.readerMultipleTags)
            DispatchQueue.main.asyncAfter(deadline: .now() + 1) { session.restartPolling() }
            return
        }
        guard case .iso7816(let tag) = first else {
            session.invalidate(errorMessage: messages.text(for: .notJpkiCard))
            return
        }
        session.connect(to: first) { [weak self] error in
            guard let self else { return }
            if error != nil {
                session.invalidate(errorMessage: self.messages.text(for: .cardLost))
                return
            }
            let link = NFCTagLink(tag: tag)
            self.link = link
            self.cardUsed = true
            guard let work = self.work else {
                session.invalidate()
                return
            }
            Task { @MainActor in
                let end = await work(link) { text in session.alertMessage = text }
                switch end {
                case .success(let message):
                    session.alertMessage = message
                    session.invalidate()
                case .failure(let message):
                    session.invalidate(errorMessage: message)
                }
                link.close()
            }
        }
    }
}
