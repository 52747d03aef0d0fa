// Stand-in for the CoreNFC declarations the app uses (tag reader session, ISO 7816 tags). Type-check only;
// see README.md.
import Foundation

public struct NFCReaderError: Error {
    public enum Code: Int {
        case readerErrorUnsupportedFeature = 1
        case readerErrorSecurityViolation = 2
        case readerErrorInvalidParameter = 3
        case readerErrorInvalidParameterLength = 4
        case readerErrorParameterOutOfBound = 5
        case readerErrorRadioDisabled = 6
        case readerTransceiveErrorTagConnectionLost = 100
        case readerTransceiveErrorRetryExceeded = 101
        case readerTransceiveErrorTagResponseError = 102
        case readerTransceiveErrorSessionInvalidated = 103
        case readerTransceiveErrorTagNotConnected = 104
        case readerTransceiveErrorPacketTooLong = 105
        case readerSessionInvalidationErrorUserCanceled = 200
        case readerSessionInvalidationErrorSessionTimeout = 201
        case readerSessionInvalidationErrorSessionTerminatedUnexpectedly = 202
        case readerSessionInvalidationErrorSystemIsBusy = 203
        case readerSessionInvalidationErrorFirstNDEFTagRead = 204
    }
    public var code: Code
}

open class NFCISO7816APDU {
    public init?(data: Data) {}
}

public protocol NFCISO7816Tag: AnyObject {
    func sendCommand(apdu: NFCISO7816APDU, completionHandler: @escaping (Data, UInt8, UInt8, Error?) -> Void)
}

public enum NFCTag {
    case feliCa(AnyObject)
    case iso7816(NFCISO7816Tag)
    case iso15693(AnyObject)
    case miFare(AnyObject)
}

public protocol NFCTagReaderSessionDelegate: AnyObject {
    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession)
    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error)
    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag])
}

open class NFCTagReaderSession {
    public struct PollingOption: OptionSet {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let iso14443 = PollingOption(rawValue: 1)
        public static let iso15693 = PollingOption(rawValue: 2)
        public static let iso18092 = PollingOption(rawValue: 4)
    }
    open class var readingAvailable: Bool { false }
    public init?(pollingOption: PollingOption, delegate: NFCTagReaderSessionDelegate, queue: DispatchQueue? = nil) {}
    open var alertMessage: String = ""
    open func begin() {}
    open func invalidate() {}
    open func invalidate(errorMessage: String) {}
    open func restartPolling() {}
    open func connect(to tag: NFCTag, completionHandler: @escaping (Error?) -> Void) {}
}
