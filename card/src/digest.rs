//! Hashes and the PKCS#1 v1.5 DigestInfo the card signs (the card adds the padding, the host sends
//! `DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING hash }`, RFC 8017 §9.2 note 1).

use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    #[default]
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// DER of the DigestInfo up to the hash value (RFC 8017 §9.2 note 1).
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlgorithm::Sha256 => &[
                0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20,
            ],
            HashAlgorithm::Sha384 => &[
                0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00,
                0x04, 0x30,
            ],
            HashAlgorithm::Sha512 => &[
                0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00,
                0x04, 0x40,
            ],
        }
    }

    /// DER of the AlgorithmIdentifier (with NULL parameters) inside the DigestInfo.
    pub fn algorithm_identifier(self) -> &'static [u8] {
        &self.digest_info_prefix()[2..17]
    }

    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<HashAlgorithm> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Some(HashAlgorithm::Sha256),
            "sha384" => Some(HashAlgorithm::Sha384),
            "sha512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// The DigestInfo of `data` under `alg`: what COMPUTE DIGITAL SIGNATURE receives.
pub fn digest_info(alg: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    digest_info_of_hash(alg, &alg.digest(data)).unwrap_or_default()
}

/// The DigestInfo of a hash computed elsewhere; `None` when its length does not fit the algorithm.
pub fn digest_info_of_hash(alg: HashAlgorithm, hash: &[u8]) -> Option<Vec<u8>> {
    if hash.len() != alg.output_len() {
        return None;
    }
    let mut out = alg.digest_info_prefix().to_vec();
    out.extend_from_slice(hash);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_digest_info_of_abc_has_the_known_bytes() {
        let di = digest_info(HashAlgorithm::Sha256, b"abc");
        assert_eq!(di.len(), 51);
        assert_eq!(
            di[..19],
            [
                0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20
            ]
        );
        // FIPS 180-2 test vector for SHA-256("abc").
        assert_eq!(di[19..23], [0xBA, 0x78, 0x16, 0xBF]);
        assert_eq!(di[47..], [0xF2, 0x00, 0x15, 0xAD]);
    }

    #[test]
    fn digest_info_lengths_match_their_der_headers() {
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
            let di = digest_info(alg, b"");
            assert_eq!(di.len(), 2 + di[1] as usize, "{alg:?}");
            assert_eq!(di.len(), 19 + alg.output_len());
            assert_eq!(HashAlgorithm::from_name(alg.name()), Some(alg));
        }
        // SHA-512("abc") begins DDAF35A1 (FIPS 180-2).
        assert_eq!(digest_info(HashAlgorithm::Sha512, b"abc")[19..23], [0xDD, 0xAF, 0x35, 0xA1]);
        assert!(digest_info_of_hash(HashAlgorithm::Sha384, &[0; 32]).is_none());
    }
}
