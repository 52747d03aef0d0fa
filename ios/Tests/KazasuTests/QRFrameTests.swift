import XCTest
import KazasuFFI
@testable import Kazasu

/// Camera frames to the core's QR decoder, as the scanner screen passes them (luma plane + bytesPerRow).
final class QRFrameTests: XCTestCase {
    /// The modules of a QR code (version 4) for `encoded`, made once with kazasu-qr's `to_modules` (the same
    /// generator the portal uses). '#' = dark.
    static let encoded = "kazasu://sign?r=https%3A%2F%2Fcity.example%2Fr%2F7Q2K"
    static let modules: [String] = [
        "#######.#....###..#.##..#.#######",
        "#.....#..####....#..###...#.....#",
        "#.###.#.##...#..##..###...#.###.#",
        "#.###.#..#..#........###..#.###.#",
        "#.###.#...#.##.#.###...#..#.###.#",
        "#.....#.#.##.###..#..##...#.....#",
        "#######.#.#.#.#.#.#.#.#.#.#######",
        ".........##.#..##.##..##.........",
        "#.#...##...#......##...##..#..#.#",
        "#.#.#.....#.##.#.####.###.#....##",
        ".###.###.#..#..#...##.##...#..#.#",
        "..#.##.#####.#..##.....###..##...",
        ".##...###..#.#.#.#.#..##..##....#",
        "....#...#..........#...#.###..#.#",
        "#..######.#.#..#..##..##....#.#.#",
        ".###.....#.##.#...#.....###....##",
        "##....##.###.#.###.#..#####..#.#.",
        "...#.#.###..#..#...##.###.#...###",
        "....####..#...########.#.##.##..#",
        "###.....##..#..##.#.#.#....#.#.#.",
        ".##..###..###.######..#.#.##.#.#.",
        ".#..##.#..#..#..#.#.####..##.##.#",
        "###.###..#...#..####.#.#...###..#",
        "..####........###.###.#.###.##.#.",
        "##....#.#.#..##.#.##...#######..#",
        "........#.##.##.##.##...#...#...#",
        "#######.#.#..#.##..##.#.#.#.#.#.#",
        "#.....#..##.#.##.#..#..##...##.##",
        "#.###.#..#.#####.#.#.#.######..##",
        "#.###.#..##..##....#.#.###.###.##",
        "#.###.#.#.#...##.#.######...#.###",
        "#.....#..#.#.#....###...######...",
        "#######.#.#..#.#..##....#####...#",
    ]

    /// Renders the code like a camera frame: `scale` pixels per module, a quiet zone, grey levels rather than
    /// pure black/white, and rows `padding` bytes longer than the image (as CVPixelBuffer rows often are).
    private func frame(scale: Int, padding: Int) -> (luma: Data, width: Int, height: Int, bytesPerRow: Int) {
        let n = Self.modules.count
        let side = (n + 8) * scale
        let bytesPerRow = side + padding
        var luma = [UInt8](repeating: 0x11, count: bytesPerRow * side)  // padding bytes: junk
        for y in 0..<side {
            for x in 0..<side {
                let mx = x / scale - 4, my = y / scale - 4
                var dark = false
                if (0..<n).contains(mx), (0..<n).contains(my) {
                    let row = Self.modules[my]
                    dark = row[row.index(row.startIndex, offsetBy: mx)] == "#"
                }
                luma[y * bytesPerRow + x] = dark ? 40 : 210
            }
        }
        return (Data(luma), side, side, bytesPerRow)
    }

    func testACodeInAPaddedFrameIsDecodedThroughTheCore() throws {
        XCTAssertEqual(Self.modules.count, 33)
        let f = frame(scale: 4, padding: 24)
        XCTAssertEqual(try QRFrame.decode(luma: f.luma, width: f.width, height: f.height, bytesPerRow: f.bytesPerRow),
                       Self.encoded)
        // From raw memory (how the scanner reads a locked CVPixelBuffer plane).
        let text = try f.luma.withUnsafeBytes { raw in
            try QRFrame.decode(base: raw.baseAddress!, width: f.width, height: f.height, bytesPerRow: f.bytesPerRow)
        }
        XCTAssertEqual(text, Self.encoded)
        XCTAssertEqual(IncomingLink(scanned: text ?? "")?.text, Self.encoded)
    }

    func testAScanningScreensScannerHandsOnTheFirstTextOnce() throws {
        let f = frame(scale: 4, padding: 24)
        let scanner = QrScanner()
        let read = {
            try f.luma.withUnsafeBytes { raw in
                try QRFrame.scan(scanner, base: raw.baseAddress!, width: f.width, height: f.height,
                                 bytesPerRow: f.bytesPerRow)
            }
        }
        XCTAssertEqual(try read(), Self.encoded)
        XCTAssertNil(try read(), "the same code in the next frame is not handed on again")
        var x: UInt8 = 0
        XCTAssertThrowsError(try QRFrame.scan(QrScanner(), base: &x, width: 10, height: 10, bytesPerRow: 5))
    }

    func testTheStrideMatters() throws {
        let f = frame(scale: 4, padding: 24)
        // Read with the wrong stride the code is sheared beyond recognition: no text (or at least not ours).
        let wrong = try QRFrame.decode(luma: f.luma, width: f.width, height: f.height, bytesPerRow: f.width)
        XCTAssertNotEqual(wrong, Self.encoded)
    }

    func testAFrameWithoutACodeIsNilAndImpossibleSizesAreErrorsNotCrashes() throws {
        XCTAssertNil(try QRFrame.decode(luma: Data(repeating: 200, count: 64 * 64), width: 64, height: 64, bytesPerRow: 64))
        XCTAssertThrowsError(try QRFrame.decode(luma: Data(count: 100), width: 64, height: 64, bytesPerRow: 80))
        XCTAssertNil(QRFrame.requiredBytes(width: 10, height: 10, bytesPerRow: 5))
        XCTAssertNil(QRFrame.requiredBytes(width: 0, height: 10, bytesPerRow: 5))
        XCTAssertNil(QRFrame.requiredBytes(width: 1, height: Int.max, bytesPerRow: Int.max))
        XCTAssertEqual(QRFrame.requiredBytes(width: 10, height: 3, bytesPerRow: 16), 42)
        var x: UInt8 = 0
        XCTAssertThrowsError(try QRFrame.decode(base: &x, width: 10, height: 10, bytesPerRow: 5))
    }

    func testIncomingLinksAreTheAppsSchemeOrUniversalLinksAndStayUnparsed() {
        let custom = URL(string: "kazasu://sign?r=https%3A%2F%2Fcity.example%2Fr%2Fabc")!
        XCTAssertEqual(IncomingLink(url: custom)?.text, custom.absoluteString)
        let universal = URL(string: "https://city.example/kazasu/r/abc")!
        XCTAssertEqual(IncomingLink(url: universal)?.text, universal.absoluteString)
        XCTAssertNil(IncomingLink(url: URL(string: "http://city.example/r/abc")!))
        XCTAssertNil(IncomingLink(url: URL(string: "file:///etc/passwd")!))
        XCTAssertNil(IncomingLink(scanned: "  \n"))
    }
}
