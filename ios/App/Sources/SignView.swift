import Kazasu
import KazasuFFI
import SwiftUI

/// The SwiftUI face of the core's `SigningFlow`: publishes each state the flow delivers, forwards the person's
/// events, and opens an NFC reader session only while the flow waits for a card. No flow decision here.
@MainActor
final class SignModel: ObservableObject {
    @Published private(set) var state: FlowState
    let flow: SigningFlow
    let words: Words
    /// Bytes the app itself holds, shown as text besides the core's summary (debug sample only).
    let shownText: String?
    private let reader: NFCCardReader

    init(words: Words, shownText: String? = nil, makeFlow: (FlowObserver) -> SigningFlow) {
        let observer = MainQueueObserver()
        flow = makeFlow(observer)
        state = flow.state()
        self.words = words
        self.shownText = shownText
        reader = NFCCardReader(words: words)
        observer.deliver = { [weak self] in self?.show($0) }
        flow.start()  // the first state, and the fetch of a hand-off
    }

    private func show(_ new: FlowState) {
        let waitedForCard: Bool
        if case .holdCard = state { waitedForCard = true } else { waitedForCard = false }
        state = new
        if case .working(let step) = new { reader.show(words.reader(step)) }
        // Right after the password (or the last-try confirmation) the reader sheet opens by itself.
        if case .holdCard(nil) = new, !waitedForCard { readCard() }
    }

    func readCard() {
        guard case .holdCard = state, NFCCardReader.isAvailable else { return }
        let flow = self.flow, words = self.words
        reader.begin { link in
            _ = await CardTap.present(link, to: flow)
            return words.readerClosing(flow.state())
        }
    }
}

/// One screen per flow state: the request (with where it was created and what signing discloses) or the bytes,
/// the password with the tries left, the last-try confirmation, the card, progress, the application once more
/// before 申請する, sending, and every end — with the words of ``Words``.
@MainActor
struct SignView: View {
    @StateObject var model: SignModel
    @State private var typed = ""
    @Environment(\.dismiss) private var dismiss

    private var w: Words { model.words }
    private var flow: SigningFlow { model.flow }

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
            Text(w(.state_fetching))
        case .reviewRequest(let request, let context, let disclosure):
            origin(request)
            // Where and when the request was created, with the warning against a relayed one, before the rest.
            VStack(alignment: .leading, spacing: 8) {
                Text(w.context(context)).bold()
                Text(w(.relay_warning)).bold().foregroundColor(.red)
            }
            .padding(8).border(Color.red, width: 2)
            application(request)
            Text(w(.state_review_request_signed_text)).font(.footnote).foregroundColor(.secondary)
            Text(request.signedText).font(.footnote).textSelection(.enabled).padding(8).border(Color.secondary)
            Text(w.disclosure(disclosure)).bold()
            accept
        case .reviewBytes(let bytes, let disclosure):
            Text(w(.state_review_bytes)).font(.headline)
            Text(bytes.label).font(.title2).bold()
            model.shownText.map { Text($0).textSelection(.enabled).padding(8).border(Color.secondary) }
            Text(w(.state_review_bytes_size, String(bytes.size)))
            Text(w(.state_review_bytes_sha256, bytes.sha256Hex)).font(.footnote).textSelection(.enabled)
            Text(w.disclosure(disclosure)).bold()
            accept
        case .enterPin(let knownTries, let lastTry, let notice):
            notice.map { Text(w.notice($0)).foregroundColor(.orange) }
            Text(w(.state_enter_pin))
            // The tries left, when the flow knows them, are shown before anything is typed.
            knownTries.map { Text(w(.state_enter_pin_tries_left, String($0))).bold() }
            if lastTry { Text(w(.state_enter_pin_last_try_hint)).foregroundColor(.red) }
            SecureField(w(.state_enter_pin_placeholder), text: $typed)
                .textInputAutocapitalization(.characters)
                .disableAutocorrection(true)  // iOS 13+ (autocorrectionDisabled is 16+)
                .keyboardType(.asciiCapable)
            Button(w(.state_enter_pin_next)) {
                // The core checks, upper-cases and keeps the password (zeroized); the field is cleared at once.
                flow.enterPin(typed: Data(typed.utf8))
                typed = ""
            }
            .buttonStyle(.borderedProminent)
            .disabled(typed.isEmpty)
        case .confirmLastTry:
            Text(w(.state_confirm_last_try)).font(.headline).foregroundColor(.red)
            Text(w(.state_confirm_last_try_body))
            Button(w(.state_confirm_last_try_confirm)) { flow.confirmLastTry() }.buttonStyle(.borderedProminent)
            Button(w(.state_confirm_last_try_decline)) { flow.declineLastTry() }
        case .holdCard(let notice):
            notice.map { Text(w.notice($0)).foregroundColor(.orange) }
            Text(w(.state_hold_card))
            if NFCCardReader.isAvailable {
                Button(w(.state_hold_card_start)) { model.readCard() }.buttonStyle(.borderedProminent)
            } else {
                Text(w(.nfc_unavailable)).foregroundColor(.red)
            }
        case .working(let step):
            ProgressView()
            Text(w.step(step))
        case .confirmFiling(let request, let result):
            // Signed, nothing sent: the application once more, with the applicant as the certificate states it.
            Text(w(.state_confirm_filing)).font(.headline)
            origin(request)
            application(request)
            Text(w(.state_confirm_filing_applicant)).font(.headline)
            rows(w.identityRows(result.identity))
            Button(w(.state_confirm_filing_file)) { flow.file() }.buttonStyle(.borderedProminent)
            Button(w(.state_confirm_filing_cancel)) { flow.cancel() }
        case .submitting:
            ProgressView()
            Text(w(.state_submitting))
        case .submitFailed(let notice, let canResend):
            Text(w.notice(notice)).foregroundColor(.red)
            Text(w(.state_submit_failed))
            if canResend {
                Button(w(.state_submit_failed_resend)) { flow.resend() }.buttonStyle(.borderedProminent)
            }
        case .signed(let result):
            Text(w(.state_signed)).font(.headline)
            rows(w.identityRows(result.identity))
            Text(w(.state_signed_details, String(result.signature.count), String(result.certificate.count)))
                .font(.footnote)
        case .done(let receipt, _):
            Text(w(.state_done)).font(.headline)
            rows(w.receiptRows(receipt))
        case .probablyReceived:
            Text(w(.state_probably_received))
        case .blocked:
            Text(w(.state_blocked)).font(.headline).foregroundColor(.red)
            Text(w(.state_blocked_body))
        case .failed(let notice):
            Text(w(.state_failed)).font(.headline)
            Text(w.notice(notice)).foregroundColor(.red)
        case .cancelled:
            Text(w(.state_cancelled))
        }
    }

    /// Who asks: the origin (what proves who it is), first and largest.
    @ViewBuilder private func origin(_ r: RequestDisplay) -> some View {
        Text(w(.state_review_request_origin)).font(.footnote).foregroundColor(.secondary)
        Text(r.origin).font(.title2).bold()
        if !r.originIsHttps { Text(w(.state_review_request_dev_origin)).foregroundColor(.red) }
    }

    /// The application: the name the site gives itself, every field of the request, and the expiry.
    @ViewBuilder private func application(_ r: RequestDisplay) -> some View {
        Text(w(.state_review_request_relying_party)).font(.footnote).foregroundColor(.secondary)
        Text(r.relyingParty).font(.headline)
        Text(r.title).font(.headline)
        Text(w(.state_review_request_fields)).font(.headline)
        ForEach(Array(r.fields.enumerated()), id: \.offset) { _, field in
            VStack(alignment: .leading, spacing: 2) {
                Text(field.label).font(.footnote).foregroundColor(.secondary)
                Text(field.value.isEmpty ? w(.state_review_request_empty_value) : field.value)
            }
        }
        Text(w(.state_review_request_expires, w.time(r.expiresAt))).bold()
    }

    private func rows(_ rows: [(label: String, value: String)]) -> some View {
        ForEach(rows, id: \.label) { row in
            HStack(alignment: .top) {
                Text(row.label).foregroundColor(.secondary)
                Text(row.value)
            }
        }
    }

    private var accept: some View {
        Button(w(.state_review_accept)) { flow.accept() }.buttonStyle(.borderedProminent)
    }

    /// The extra button the core gives each screen (none where the screen's own buttons are the way out).
    @ViewBuilder private var wayOut: some View {
        switch wayOutOf(state: model.state) {
        case .none: EmptyView()
        case .cancel: Button(w(.cancel)) { flow.cancel() }
        case .discard: Button(w(.state_submit_failed_discard)) { flow.cancel() }
        case .close: Button(w(.close)) { dismiss() }
        }
    }
}
