import XCTest
import KazasuFFI
@testable import Kazasu

final class PinInputTests: XCTestCase {
    func testOnlyPinCharactersAreKeptAndUpperCased() {
        let p = PinInput()
        for c in "aB3-ｚ９ Ａ" { p.append(c) }
        XCTAssertEqual(p.count, 6)
        let bytes = p.consume { Array($0) }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "AB3Z9A")
        XCTAssertTrue(p.isWiped)
    }

    func testAtMostSixteenCharactersAndBackspace() {
        let p = PinInput()
        for _ in 0..<20 { p.append("7") }
        XCTAssertEqual(p.count, PinInput.maxLength)
        XCTAssertFalse(p.append("1"))
        p.backspace()
        XCTAssertEqual(p.count, 15)
        XCTAssertTrue(p.isCompleteLength)
        p.clear()
        XCTAssertTrue(p.isWiped)
        p.append("A")
        XCTAssertFalse(p.isCompleteLength)
    }

    func testThePinNeverAppearsInDescriptions() {
        let p = typedPin("SECRET99")
        XCTAssertFalse("\(p)".contains("SECRET"))
        XCTAssertFalse(String(reflecting: p).contains("SECRET"))
    }

    func testTheBufferIsWipedEvenWhenTheCoreRefusesThePin() {
        let p = typedPin("AB12")
        XCTAssertThrowsError(try p.makeSignPin()) { error in
            guard case KazasuError.InvalidPin(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.contains("AB12"))
        }
        XCTAssertTrue(p.isWiped)
    }

    func testAPinBuiltFromTheInputIsUsableOnce() throws {
        let pin = try typedPin("abc123").makeSignPin()
        XCTAssertFalse(pin.isUsed())
        pin.discard()
        XCTAssertTrue(pin.isUsed())
    }
}
