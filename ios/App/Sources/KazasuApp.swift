import Kazasu
import SwiftUI

/// Entry point: the home screen, the target of the same-device hand-off (custom scheme `kazasu://…` and
/// universal links, both delivered through `onOpenURL`) and of the QR scanner's text.
@main
struct KazasuApp: App {
    @State private var received: IncomingLink?

    var body: some Scene {
        WindowGroup {
            HomeView(received: $received)
                .onOpenURL { url in
                    if let link = IncomingLink(url: url) { received = link }
                }
        }
    }
}

@MainActor
struct HomeView: View {
    @Binding var received: IncomingLink?
    @State private var scanning = false
    @State private var sample: SampleRequest?
    private let messages = Messages()

    var body: some View {
        NavigationView {
            ScrollView {
                VStack(alignment: .leading, spacing: 16) {
                    Text(messages(.mainIntro))
                    if !NFCCardReader.isAvailable {
                        Text(messages(.nfcUnavailable)).foregroundColor(.red)
                    }
                    Button(messages(.mainScan)) { scanning = true }
                        .buttonStyle(.borderedProminent)
                    if let received {
                        // Fetching and checking the request behind the link is the hand-off protocol's job (core);
                        // until the FFI exports it, the link is shown as received.
                        Text(messages(.mainReceivedLink, received.text)).textSelection(.enabled)
                        Text(messages(.mainLinkNotYet)).foregroundColor(.orange)
                    }
                    #if DEBUG
                    Button(messages(.mainSample)) {
                        sample = SampleRequest(request: SignRequest(
                            requester: "テスト市", title: "テスト申請",
                            document: Data("これはテスト用の文面です。\nThis is a test document.".utf8)))
                    }
                    #endif
                }
                .padding()
            }
            .navigationTitle(messages(.appName))
        }
        .sheet(isPresented: $scanning) {
            QRScannerView(messages: messages) { text in received = IncomingLink(scanned: text) }
        }
        .sheet(item: $sample) { sample in
            SignView(model: SignModel(request: sample.request, messages: messages))
        }
    }
}

/// A request shown in a sheet (debug builds: a test document to try the screens with a card).
struct SampleRequest: Identifiable {
    let id = UUID()
    let request: SignRequest
}
