import Foundation
import Kazasu
import KazasuFFI
import SwiftUI

/// Entry point: the home screen, the target of the same-device hand-off (custom scheme `kazasu://…` and
/// universal links, both delivered through `onOpenURL`) and of the QR scanner's text. Each starts the core's
/// signing flow — or its log-in flow, for a `/login` link — in a sheet: the request (or the log-in challenge) is
/// fetched, checked and shown before anything else happens.
@main
struct KazasuApp: App {
    @State private var signing: Signing?

    init() {
        // The core's memory of filed requests lives in a file, so that a request filed before a restart is still
        // refused before the password (without the directory it stays in memory for this run).
        if let support = try? FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        {
            rememberSignedRequestsIn(path: support.appendingPathComponent("signed-requests").path)
        }
    }

    var body: some Scene {
        WindowGroup {
            HomeView(signing: $signing)
                .onOpenURL { url in
                    if let link = IncomingLink(url: url) { signing = Signing(link: link) }
                }
        }
    }
}

/// One signing (or log-in) in a sheet: a link (opened or scanned), or (debug builds) a test text held by the app.
struct Signing: Identifiable {
    let id = UUID()
    var link: IncomingLink?
    var sample: String?
}

@MainActor
struct HomeView: View {
    @Binding var signing: Signing?
    @State private var scanning = false
    @State private var scanned: IncomingLink?
    private let words = Words()
    /// URLSession, no redirects, bounded bodies; one ephemeral session per request.
    private let http = URLSessionHttpTransport()

    var body: some View {
        NavigationView {
            ScrollView {
                VStack(alignment: .leading, spacing: 16) {
                    Text(words(.main_intro))
                    if !NFCCardReader.isAvailable {
                        Text(words(.nfc_unavailable)).foregroundColor(.red)
                    }
                    Button(words(.main_scan)) { scanning = true }
                        .buttonStyle(.borderedProminent)
                    if let link = signing?.link {
                        // The link as received (the sheet shows what the core made of it).
                        Text(words(.main_received_link, link.text)).textSelection(.enabled)
                    }
                    #if DEBUG
                    Button(words(.main_sample)) {
                        signing = Signing(sample: "これはテスト用の文面です。\nThis is a test document.")
                    }
                    #endif
                }
                .padding()
            }
            .navigationTitle(words(.app_name))
        }
        // The scanned text starts the hand-off once the scanner sheet is gone (one sheet at a time).
        .sheet(isPresented: $scanning, onDismiss: {
            if let link = scanned { signing = Signing(link: link) }
            scanned = nil
        }) {
            QRScannerView(words: words) { text in
                scanned = IncomingLink(scanned: text)
            }
        }
        .sheet(item: $signing) { item in
            if let link = item.link, link.isLogin {
                // A log-in link (the core says so): the log-in screens, over the same HTTP.
                LoginView(model: LoginModel(words: words) { observer in
                    LoginFlow.forLink(link: link.text, http: http, observer: observer, clock: nil)
                })
            } else {
                signView(item)
            }
        }
    }

    private func signView(_ item: Signing) -> SignView {
        SignView(model: SignModel(words: words, shownText: item.sample) { observer in
            if let text = item.sample {
                return SigningFlow.forBytes(label: "sample.txt", data: Data(text.utf8), algorithm: .sha256,
                                            observer: observer, clock: nil)
            }
            return SigningFlow.forLink(link: item.link?.text ?? "", http: http, observer: observer, clock: nil)
        })
    }
}
