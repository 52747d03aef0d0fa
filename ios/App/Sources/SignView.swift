import Kazasu
import KazasuFFI
import SwiftUI

/// The SwiftUI face of the package's ``SignController``: publishes its state, starts one NFC reader session
/// per card contact. No flow logic here.
@MainActor
final class SignModel: ObservableObject {
    @Published private(set) var state: SignState
    let controller: SignController
    private let reader: NFCCardReader

    init(request: SignRequest, messages: Messages) {
        controller = SignController(request: request, messages: messages)
        reader = NFCCardReader(messages: messages)
        state = controller.state
        controller.onChange = { [weak self] in self?.state = $0 }
    }

    /// A hand-off: the request behind `link` is fetched over `http` (``start()``), shown, signed, submitted.
    init(link: IncomingLink, http: HttpTransport, messages: Messages) {
        controller = SignController(link: link, http: http, messages: messages)
        reader = NFCCardReader(messages: messages)
        state = controller.state
        controller.onChange = { [weak self] in self?.state = $0 }
    }

    var messages: Messages { controller.messages }

    /// Hand-off: fetch and check the request (nothing happens for a held document or a second call).
    func start() async {
        await controller.fetch()
    }

    func startCardContact() {
        guard controller.pendingCardPurpose != nil else { return }
        let controller = self.controller
        reader.begin(
            work: { link, alert in await controller.cardConnected(link, alert: alert) },
            endedWithoutCard: { controller.readerSessionEndedWithoutCard() })
    }
}

/// [Fetch →] request → (card: tries) → PIN → [last-try confirmation] → (card: sign) → progress → [send →]
/// result; the same screens as the Android app. A hand-off shows the requesting site's origin first and largest,
/// then the name it gives itself, the title, every field and the expiry, and the exact text that is signed.
@MainActor
struct SignView: View {
    @StateObject var model: SignModel
    @State private var typed = ""
    @Environment(\.dismiss) private var dismiss
    private let pinInput = PinInput()

    private var m: Messages { model.messages }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                header
                content
            }
            .padding()
        }
        .task { await model.start() }
        .onDisappear {
            typed = ""
            pinInput.clear()
            model.controller.dispose()
        }
    }

    /// Who asks: for a hand-off the origin (what proves who it is) above the name the site gives itself.
    @ViewBuilder private var header: some View {
        if let display = model.controller.display {
            Text(m(.handoffOrigin)).font(.footnote).foregroundColor(.secondary)
            Text(display.origin).font(.title2).bold()
            if !display.originIsHttps {
                Text(m(.handoffDevOrigin)).foregroundColor(.red)
            }
            Text(m(.handoffRelyingParty)).font(.footnote).foregroundColor(.secondary)
            Text(display.relyingParty).font(.headline)
            Text(display.title).font(.headline)
        } else if let request = model.controller.request {
            Text(request.title).font(.title2).bold()
            Text(m(.reviewRequester, request.requester)).foregroundColor(.secondary)
        }
    }

    /// Every field of the request, the expiry, and the exact text that is signed.
    @ViewBuilder private func requestDetails(_ display: RequestDisplay) -> some View {
        Text(m(.handoffFields)).font(.headline)
        ForEach(Array(display.fields.enumerated()), id: \.offset) { _, field in
            VStack(alignment: .leading, spacing: 2) {
                Text(field.label).font(.footnote).foregroundColor(.secondary)
                Text(field.value.isEmpty ? m(.handoffEmptyValue) : field.value)
            }
        }
        Text(m(.handoffExpires, m.time(display.expiresAt))).bold()
        Text(m(.handoffSignedText)).font(.footnote).foregroundColor(.secondary)
        Text(display.signedText).font(.footnote).textSelection(.enabled).padding(8).border(Color.secondary)
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .fetching:
            ProgressView()
            Text(m(.handoffFetching))
            Button(m(.cancel)) { model.controller.cancel() }
        case .review:
            if let display = model.controller.display {
                requestDetails(display)
            } else if let request = model.controller.request {
                Text(m(.reviewWhat))
                if let text = request.documentText {
                    Text(text).textSelection(.enabled).padding(8).border(Color.secondary)
                } else {
                    Text(m(.reviewNotText)).foregroundColor(.red)
                }
            }
            if !NFCCardReader.isAvailable {
                Text(m(.nfcUnavailable)).foregroundColor(.red)
            } else {
                Button(m(.reviewAccept)) { model.controller.accept() }.buttonStyle(.borderedProminent)
            }
            Button(m(.cancel)) { model.controller.cancel() }
        case .holdCard(let purpose, let notice):
            notice.map { Text(m.text(for: $0)).foregroundColor(.orange) }
            Text(m(purpose == .readTries ? .holdReadTries : .holdSign))
            Button(m(.holdStart)) { model.startCardContact() }.buttonStyle(.borderedProminent)
            Button(m(.cancel)) { model.controller.cancel() }
        case .enterPin(let remaining, let notice):
            notice.map { Text(m.text(for: $0)).foregroundColor(.orange) }
            Text(m(.pinTitle))
            // The tries left are shown before anything is typed.
            Text(m(.pinRemaining, String(remaining))).bold()
            if model.state.isLastTry {
                Text(m(.pinLastTryHint)).foregroundColor(.red)
            }
            SecureField(m(.pinPlaceholder), text: $typed)
                .textInputAutocapitalization(.characters)
                .disableAutocorrection(true)  // iOS 13+ (autocorrectionDisabled is 16+)
                .keyboardType(.asciiCapable)
                .onChange(of: typed) { value in
                    // Only PIN characters, upper-cased, at most 16 (the same filter as the core's).
                    let kept = String(value.compactMap { PinInput.normalise($0).map { Character(UnicodeScalar($0)) } }
                        .prefix(PinInput.maxLength))
                    if kept != value { typed = kept }
                }
            Button(m(.pinNext)) {
                pinInput.set(from: typed)
                typed = ""
                model.controller.submitPin(pinInput)
            }
            .buttonStyle(.borderedProminent)
            .disabled(!(PinInput.minLength...PinInput.maxLength).contains(typed.count))
            Button(m(.cancel)) { model.controller.cancel() }
        case .confirmLastTry:
            Text(m(.lastTryTitle)).font(.headline).foregroundColor(.red)
            Text(m(.lastTryBody))
            Button(m(.lastTryConfirm)) { model.controller.confirmLastTry() }.buttonStyle(.borderedProminent)
            Button(m(.lastTryDecline)) { model.controller.declineLastTry() }
        case .working(let step):
            ProgressView()
            Text(m.progress(step))
        case .done(let result):
            Text(m(.doneTitle)).font(.headline)
            ForEach(m.identityRows(result.identity), id: \.label) { row in
                HStack(alignment: .top) {
                    Text(row.label).foregroundColor(.secondary)
                    Text(row.value)
                }
            }
            Text(m(.doneDetails, String(result.signature.count), String(result.certificate.count)))
                .font(.footnote)
            Button(m(.close)) { dismiss() }
        case .submitting:
            ProgressView()
            Text(m(.handoffSubmitting))
        case .submitted(let receipt):
            Text(m(.handoffSubmittedTitle)).font(.headline)
            Text(m(.handoffTranscribed))
            ForEach(m.receiptRows(receipt), id: \.label) { row in
                HStack(alignment: .top) {
                    Text(row.label).foregroundColor(.secondary)
                    Text(row.value)
                }
            }
            Button(m(.close)) { dismiss() }
        case .submitFailed(let notice):
            Text(m.text(for: notice)).foregroundColor(.red)
            Text(m(.handoffNotSent))
            Button(m(.handoffResend)) { model.controller.resend() }.buttonStyle(.borderedProminent)
            Button(m(.close)) { dismiss() }
        case .blocked:
            Text(m(.blockedTitle)).font(.headline).foregroundColor(.red)
            Text(m(.blockedBody))
            Button(m(.close)) { dismiss() }
        case .failed(let notice):
            Text(m.text(for: notice)).foregroundColor(.red)
            Button(m(.close)) { dismiss() }
        case .cancelled:
            Text(m(.cancelled))
            Button(m(.close)) { dismiss() }
        }
    }
}
