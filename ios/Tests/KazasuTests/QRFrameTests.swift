import XCTest
import KazasuFFI
@testable import Kazasu

/// Camera frames to the core's QR scanner, as the scanner screen passes them (luma plane + bytesPerRow).
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

    /// One frame from raw memory (how the scanner reads a locked CVPixelBuffer plane) through `scanner`.
    private func scan(_ luma: Data, _ width: Int, _ height: Int, bytesPerRow: Int,
                      with scanner: QrScanner = QrScanner()) throws -> String? {
        try luma.withUnsafeBytes { raw in
            try QRFrame.scan(scanner, base: raw.baseAddress!, width: width, height: height, bytesPerRow: bytesPerRow)
        }
    }

    func testACodeInAPaddedFrameIsReadThroughTheCoreOnceAScreen() throws {
        XCTAssertEqual(Self.modules.count, 33)
        let f = frame(scale: 4, padding: 24)
        let scanner = QrScanner()
        let text = try scan(f.luma, f.width, f.height, bytesPerRow: f.bytesPerRow, with: scanner)
        XCTAssertEqual(text, Self.encoded)
        XCTAssertEqual(IncomingLink(scanned: text ?? "")?.text, Self.encoded)
        XCTAssertNil(try scan(f.luma, f.width, f.height, bytesPerRow: f.bytesPerRow, with: scanner),
                     "the same code in the next frame is not handed on again")
    }

    func testTheStrideMatters() throws {
        let f = frame(scale: 4, padding: 24)
        // Read with the wrong stride the code is sheared beyond recognition: no text (or at least not ours).
        XCTAssertNotEqual(try scan(f.luma, f.width, f.height, bytesPerRow: f.width), Self.encoded)
    }

    func testAFrameWithoutACodeIsNilAndImpossibleSizesAreErrorsNotCrashes() throws {
        XCTAssertNil(try scan(Data(repeating: 200, count: 64 * 64), 64, 64, bytesPerRow: 64))
        // Sizes that describe no plane are refused before a byte is read.
        XCTAssertThrowsError(try scan(Data(count: 100), 0, 10, bytesPerRow: 10))
        XCTAssertNil(QRFrame.requiredBytes(width: 10, height: 10, bytesPerRow: 5))
        XCTAssertNil(QRFrame.requiredBytes(width: 0, height: 10, bytesPerRow: 5))
        XCTAssertNil(QRFrame.requiredBytes(width: 1, height: Int.max, bytesPerRow: Int.max))
        XCTAssertEqual(QRFrame.requiredBytes(width: 10, height: 3, bytesPerRow: 16), 42)
        var x: UInt8 = 0
        XCTAssertThrowsError(try QRFrame.scan(QrScanner(), base: &x, width: 10, height: 10, bytesPerRow: 5))
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
