import Foundation
import KazasuFFI
@testable import Kazasu

/// A Swift-implemented card link around the software card the FFI exports for tests: the real core talks APDUs
/// through the real bindings to a Swift `CardLink`, which forwards the bytes to the software card.
/// `throwOnExchange`: the n-th exchange throws a Swift error of its own (not a `LinkFailure`), as a buggy or
/// failing NFC layer might.
final class SoftwareCardLink: CardLink, @unchecked Sendable {
    struct NFCLayerBroke: Error {}

    let card: SoftwareCard
    private let lock = NSLock()
    private var exchanges = 0
    private let throwOnExchange: Int?
    private(set) var commands: [Data] = []

    init(card: SoftwareCard, throwOnExchange: Int? = nil) {
        self.card = card
        self.throwOnExchange = throwOnExchange
    }

    var exchangeCount: Int { lock.withLock { exchanges } }

    func transmit(_ command: Data) async throws -> Data {
        let n: Int = lock.withLock {
            exchanges += 1
            commands.append(command)
            return exchanges
        }
        if n == throwOnExchange { throw NFCLayerBroke() }
        // Suspend once, as a real radio exchange would, so the bridge really waits for an async answer.
        await Task.yield()
        do {
            return try card.transceive(command: command)
        } catch KazasuFFI.TransportError.CardLost {
            throw LinkFailure.tagLost
        }
    }

    var supportsExtendedLength: Bool { card.supportsExtendedLength() }
    var maxTransceiveLength: Int { 0 }
}

/// A link shaped like the app's CoreNFC one: every APDU goes through an ``ExchangeGate`` whose completion is
/// called later on another queue (as `NFCISO7816Tag.sendCommand` calls its completion handler). `dropAfter`
/// ends the "reader session" after that many exchanges: the gate is closed while the next command is in flight,
/// and the completion for it arrives late (it must be dropped).
final class GatedLink: CardLink, @unchecked Sendable {
    let card: SoftwareCard
    let gate = ExchangeGate()
    private let queue = DispatchQueue(label: "fake.corenfc")
    private let lock = NSLock()
    private var sent = 0
    private let dropAfter: Int?

    init(card: SoftwareCard, dropAfter: Int? = nil) {
        self.card = card
        self.dropAfter = dropAfter
    }

    func transmit(_ command: Data) async throws -> Data {
        try await gate.exchange { complete in
            let n: Int = lock.withLock {
                sent += 1
                return sent
            }
            if let dropAfter, n > dropAfter {
                // The session is invalidated (tag connection lost) while this command is pending; CoreNFC's
                // completion comes afterwards.
                gate.close(.tagLost)
                queue.asyncAfter(deadline: .now() + .milliseconds(20)) { complete(.failure(.tagLost)) }
                return
            }
            queue.async { [card] in
                do {
                    complete(.success(try card.transceive(command: command)))
                } catch {
                    complete(.failure(.tagLost))
                }
            }
        }
    }

    var supportsExtendedLength: Bool { false }
    var maxTransceiveLength: Int { 0 }
}

let shownDocument = Data("転入届\n新住所: 三重県伊勢市…\n届出日: 2026年11月27日".utf8)

/// The software card's signature password as the person types it.
var rightPin: Data { Data(softwareCardSignPin().utf8) }

/// A password of the right form that is not the software card's.
let wrongPin = Data("WRONG99".utf8)

/// A flow signing `shownDocument`, accepted and with `pin` typed: waiting for the card.
func bytesFlowWaitingForCard(pin: Data = rightPin, observer: FlowObserver = SeenStates()) -> SigningFlow {
    let flow = SigningFlow.forBytes(label: "転入届.txt", data: shownDocument, algorithm: .sha256, observer: observer,
                                    clock: nil)
    flow.start()
    flow.accept()
    flow.enterPin(typed: pin)
    return flow
}
