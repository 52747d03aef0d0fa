import Kazasu
import KazasuFFI
import SwiftUI

/// The SwiftUI face of the core's `LoginFlow`, as ``SignModel`` is `SigningFlow`'s: publishes each state,
/// forwards the person's events, and opens an NFC reader session only while the flow waits for a card.
@MainActor
final class LoginModel: ObservableObject {
    @Published private(set) var state: LoginState
    let flow: LoginFlow
    let words: Words
    private let reader: NFCCardReader

    init(words: Words, makeFlow: (LoginObserver) -> LoginFlow) {
        let observer = MainQueueLoginObserver()
        flow = makeFlow(observer)
        state = flow.state()
        self.words = words
        reader = NFCCardReader(words: words)
        observer.deliver = { [weak self] in self?.show($0) }
        flow.start()  // the first state, and the fetch of the challenge
    }

    private func show(_ new: LoginState) {
        let waitedForCard: Bool
        if case .holdCard = state { waitedForCard = true } else { waitedForCard = false }
        state = new
        if case .working(let step) = new { reader.show(words.loginReader(step)) }
        // Right after the password (or the last-try confirmation) the reader sheet opens by itself.
        if case .holdCard(nil) = new, !waitedForCard { readCard() }
    }

    func readCard() {
        guard case .holdCard = state, NFCCardReader.isAvailable else { return }
        let flow = self.flow, words = self.words
        reader.begin { link in
            _ = await CardTap.present(link, to: flow)
            return words.loginReaderClosing(flow.state())
        }
    }
}

/// One screen per log-in state: which site asks (its origin first and largest), that no personal data is sent,
/// where the log-in was started with the relay warning, the 4-digit password with the tries left, the last-try
/// confirmation, the card, progress, sending, and every end — with the words of ``Words``.
@MainActor
struct LoginView: View {
    @StateObject var model: LoginModel
    @State private var typed = ""
    @Environment(\.dismiss) private var dismiss

    private var w: Words { model.words }
    private var flow: LoginFlow { model.flow }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                content
                wayOut
            }
            .padding()
        }
        .onDisappear {
            typed = ""
            flow.cancel()
        }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .fetching:
            ProgressView()
            Text(w(.login_fetching))
        case .reviewLogin(let challenge, let context):
            Text(w(.login_review_origin)).font(.footnote).foregroundColor(.secondary)
            Text(challenge.origin).font(.title2).bold()
            if !challenge.originIsHttps { Text(w(.state_review_request_dev_origin)).foregroundColor(.red) }
            Text(w(.login_review_relying_party)).font(.footnote).foregroundColor(.secondary)
            Text(challenge.relyingParty).font(.headline)
            Text(w(.login_nothing_personal)).bold()
            // Where and when the log-in was started, with the warning against a relayed one.
            VStack(alignment: .leading, spacing: 8) {
                Text(w.loginContext(context)).bold()
                Text(w(.login_relay_warning)).bold().foregroundColor(.red)
            }
            .padding(8).border(Color.red, width: 2)
            Text(w(.state_review_request_expires, w.time(challenge.expiresAt))).bold()
            Button(w(.login_review_accept)) { flow.accept() }.buttonStyle(.borderedProminent)
        case .enterPin(let knownTries, let lastTry, let notice):
            notice.map { Text(w.loginNotice($0)).foregroundColor(.orange) }
            Text(w(.login_enter_pin))
            knownTries.map { Text(w(.state_enter_pin_tries_left, String($0))).bold() }
            if lastTry { Text(w(.login_enter_pin_last_try_hint)).foregroundColor(.red) }
            // Digits only; the length (exactly 4) is the core's to check.
            SecureField(w(.login_enter_pin_placeholder), text: $typed)
                .keyboardType(.numberPad)
            Button(w(.state_enter_pin_next)) {
                flow.enterPin(typed: Data(typed.utf8))
                typed = ""
            }
            .buttonStyle(.borderedProminent)
            .disabled(typed.isEmpty)
        case .confirmLastTry:
            Text(w(.login_confirm_last_try)).font(.headline).foregroundColor(.red)
            Text(w(.login_confirm_last_try_body))
            Button(w(.state_confirm_last_try_confirm)) { flow.confirmLastTry() }.buttonStyle(.borderedProminent)
            Button(w(.state_confirm_last_try_decline)) { flow.declineLastTry() }
        case .holdCard(let notice):
            notice.map { Text(w.loginNotice($0)).foregroundColor(.orange) }
            Text(w(.login_hold_card))
            if NFCCardReader.isAvailable {
                Button(w(.state_hold_card_start)) { model.readCard() }.buttonStyle(.borderedProminent)
            } else {
                Text(w(.nfc_unavailable)).foregroundColor(.red)
            }
        case .working(let step):
            ProgressView()
            Text(w.loginStep(step))
        case .submitting:
            ProgressView()
            Text(w(.login_submitting))
        case .submitFailed(let notice, let canResend):
            Text(w.loginNotice(notice)).foregroundColor(.red)
            Text(w(.login_submit_failed))
            if canResend {
                Button(w(.state_submit_failed_resend)) { flow.resend() }.buttonStyle(.borderedProminent)
            }
        case .loggedIn(let origin, let relyingParty):
            Text(origin).font(.title2).bold()
            Text(relyingParty).font(.headline)
            Text(w(.login_logged_in)).font(.headline)
        case .probablyReceived:
            Text(w(.login_probably_received))
        case .blocked:
            Text(w(.login_blocked)).font(.headline).foregroundColor(.red)
            Text(w(.login_blocked_body))
        case .failed(let notice):
            Text(w(.login_failed)).font(.headline)
            Text(w.loginNotice(notice)).foregroundColor(.red)
        case .cancelled:
            Text(w(.login_cancelled))
        }
    }

    /// The extra button the core gives each screen (none where the screen's own buttons are the way out).
    @ViewBuilder private var wayOut: some View {
        switch loginWayOutOf(state: model.state) {
        case .none: EmptyView()
        case .cancel: Button(w(.cancel)) { flow.cancel() }
        case .discard: Button(w(.login_submit_failed_discard)) { flow.cancel() }
        case .close: Button(w(.close)) { dismiss() }
        }
    }
}
