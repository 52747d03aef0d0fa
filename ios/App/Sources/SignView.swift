import Kazasu
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

    var messages: Messages { controller.messages }

    func startCardContact() {
        guard controller.pendingCardPurpose != nil else { return }
        let controller = self.controller
        reader.begin(
            work: { link, alert in await controller.cardConnected(link, alert: alert) },
            endedWithoutCard: { controller.readerSessionEndedWithoutCard() })
    }
}

/// Request → (card: tries) → PIN → [last-try confirmation] → (card: sign) → progress → result; the same
/// screens as the Android app.
@MainActor
struct SignView: View {
    @StateObject var model: SignModel
    @State private var typed = ""
    @Environment(\.dismiss) private var dismiss
    private let pinInput = PinInput()

    private var m: Messages { model.messages }
    private var request: SignRequest { model.controller.request }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                Text(request.title).font(.title2).bold()
                Text(m(.reviewRequester, request.requester)).foregroundColor(.secondary)
                content
            }
            .padding()
        }
        .onDisappear {
            typed = ""
            pinInput.clear()
            model.controller.dispose()
        }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .review:
            Text(m(.reviewWhat))
            if let text = request.documentText {
                Text(text).textSelection(.enabled).padding(8).border(Color.secondary)
            } else {
                Text(m(.reviewNotText)).foregroundColor(.red)
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
