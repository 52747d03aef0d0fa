import Kazasu
import SwiftUI

/// Entry point: the home screen, the target of the same-device hand-off (custom scheme `kazasu://…` and
/// universal links, both delivered through `onOpenURL`) and of the QR scanner's text. Each starts the hand-off:
/// the request is fetched, checked by the core and shown before anything else happens.
@main
struct KazasuApp: App {
    @State private var received: HandoffItem?

    var body: some Scene {
        WindowGroup {
            HomeView(received: $received)
                .onOpenURL { url in
                    if let link = IncomingLink(url: url) { received = HandoffItem(link: link) }
                }
        }
    }
}

/// One hand-off in a sheet: a link (opened or scanned) the flow starts from.
struct HandoffItem: Identifiable {
    let id = UUID()
    let link: IncomingLink
}

@MainActor
struct HomeView: View {
    @Binding var received: HandoffItem?
    @State private var scanning = false
    @State private var scanned: IncomingLink?
    @State private var sample: SampleRequest?
    private let messages = Messages()
    /// URLSession, no redirects, bounded bodies; one ephemeral session per request.
    private let http = URLSessionHttpTransport()

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
                        // The link as received (the sheet shows what the core made of it).
                        Text(messages(.mainReceivedLink, received.link.text)).textSelection(.enabled)
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
        // The scanned text starts the hand-off once the scanner sheet is gone (one sheet at a time).
        .sheet(isPresented: $scanning, onDismiss: {
            if let link = scanned { received = HandoffItem(link: link) }
            scanned = nil
        }) {
            QRScannerView(messages: messages) { text in
                scanned = IncomingLink(scanned: text)
            }
        }
        .sheet(item: $received) { item in
            SignView(model: SignModel(link: item.link, http: http, messages: messages))
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
