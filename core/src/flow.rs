//! The whole signing flow in one call, as a phone or the CLI runs it on one tap: open the JPKI AP, read the
//! counter and verify the sign PIN (under the rules of [`crate::jpki`]), read the sign certificate, sign.

use crate::channel::Traffic;
use crate::digest::HashAlgorithm;
use crate::error::CardError;
use crate::jpki::{JpkiSession, LastTry};
use crate::pin::SignPin;
use crate::transport::Transport;

/// What one signing flow returns.
#[derive(Clone, Debug)]
pub struct Signed {
    /// RSA PKCS#1 v1.5 signature over the DigestInfo of the data.
    pub signature: Vec<u8>,
    /// DER of the signature certificate read from the card.
    pub certificate: Vec<u8>,
    pub algorithm: HashAlgorithm,
    /// APDUs and bytes this flow exchanged.
    pub traffic: Traffic,
}

/// Signs `data` with the card's sign key. `data` must be exactly the bytes the person was shown.
pub fn sign<T: Transport>(
    transport: T,
    pin: SignPin,
    last_try: LastTry,
    algorithm: HashAlgorithm,
    data: &[u8],
) -> Result<Signed, CardError> {
    let mut session = JpkiSession::open(transport)?;
    session.verify_sign_pin(pin, last_try)?;
    let certificate = session.read_sign_certificate()?;
    let signature = session.sign(algorithm, data)?;
    Ok(Signed { signature, certificate, algorithm, traffic: session.traffic() })
}
