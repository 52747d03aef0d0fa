//! Identifiers of the JPKI application on the マイナンバーカード: AIDs, elementary files, instruction bytes.
//!
//! J-LIS does not publish the card's APDU specification. Every value here is one that several independent
//! public clients agree on (see `shared/jpki-facts.md`): OpenSC `src/libopensc/card-jpki.c` and `jpki.h`,
//! jpki/myna `src/reader.rs`, soltia48/myna-card `src/ap/jpki.rs`, nunnun/jpki-local-signer.

/// AID of the 公的個人認証 (JPKI) application. OpenSC `jpki.h` (`AID_JPKI`), myna, myna-card.
pub const AID_JPKI_AP: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// AID of the 券面事項入力補助AP (not used by Kazasu; listed for the iOS select-identifiers). myna, jsapdu.
pub const AID_KENKAKU_AP: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// AID of the 住基AP (not used by Kazasu; listed for the iOS select-identifiers). myna, jsapdu.
pub const AID_JUKI_AP: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00];

/// An elementary file inside the JPKI AP, addressed by its two-byte file identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(pub u16);

impl FileId {
    pub const fn bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

/// Signature certificate; readable only after the sign PIN (6982 before). OpenSC `JPKI_SIGN_CERT`.
pub const EF_SIGN_CERT: FileId = FileId(0x0001);
/// CA certificate of the signature certificate. OpenSC `JPKI_SIGN_CA`.
pub const EF_SIGN_CA_CERT: FileId = FileId(0x0002);
/// Token information, 32 bytes, space padded. OpenSC `pkcs15-jpki.c`, myna `jpki.rs`.
pub const EF_TOKEN_INFO: FileId = FileId(0x0006);
/// Authentication (利用者証明用) certificate; no PIN needed on the physical card. OpenSC `JPKI_AUTH_CERT`.
pub const EF_AUTH_CERT: FileId = FileId(0x000A);
/// CA certificate of the authentication certificate. OpenSC `JPKI_AUTH_CA`.
pub const EF_AUTH_CA_CERT: FileId = FileId(0x000B);
/// Authentication private key (used with COMPUTE DIGITAL SIGNATURE). OpenSC `JPKI_AUTH_KEY`.
pub const EF_AUTH_KEY: FileId = FileId(0x0017);
/// Authentication PIN: 4 digits, 3 tries. OpenSC `JPKI_AUTH_PIN`, `JPKI_AUTH_PIN_MAX_TRIES`.
pub const EF_AUTH_PIN: FileId = FileId(0x0018);
/// Signature private key. OpenSC `JPKI_SIGN_KEY`.
pub const EF_SIGN_KEY: FileId = FileId(0x001A);
/// Signature PIN (署名用パスワード): 6–16 of A–Z and 0–9, 5 tries. OpenSC `JPKI_SIGN_PIN`.
pub const EF_SIGN_PIN: FileId = FileId(0x001B);

/// Tries a fresh sign PIN has. OpenSC `JPKI_SIGN_PIN_MAX_TRIES`.
pub const SIGN_PIN_MAX_TRIES: u8 = 5;
/// Tries a fresh auth PIN has. OpenSC `JPKI_AUTH_PIN_MAX_TRIES`.
pub const AUTH_PIN_MAX_TRIES: u8 = 3;

/// Token-info prefixes (EF 0006). myna `jpki.rs`, OpenSC `pkcs15-jpki.c`, jsapdu `constants.ts`.
pub const TOKEN_MY_NUMBER_CARD: &str = "JPKIAPICCTOKEN2";
pub const TOKEN_JUKI_CARD: &str = "JPKIAPICCTOKEN";
pub const TOKEN_ANDROID_PHONE: &str = "JPKIAPGPSETOKEN";
pub const TOKEN_IPHONE: &str = "JPKIAPIOSTOKEN";

/// Instruction bytes (ISO/IEC 7816-4 and the JPKI proprietary class 0x80 signature command).
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const VERIFY: u8 = 0x20;
    pub const READ_BINARY: u8 = 0xB0;
    pub const GET_RESPONSE: u8 = 0xC0;
    /// COMPUTE DIGITAL SIGNATURE, sent with CLA 0x80, P1 00, P2 80. OpenSC `jpki_compute_signature`.
    pub const COMPUTE_DIGITAL_SIGNATURE: u8 = 0x2A;
}
