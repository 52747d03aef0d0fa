//! Choosing the CRL by distribution point, in J-LIS's shape: the certificate's CRL distribution point is a
//! directory name per municipality and each CRL names its point in issuingDistributionPoint. The certificates and
//! CRLs are made here with the openssl CLI (`openssl x509 -req`, `openssl ca -gencrl`) from the committed TEST-ONLY
//! sign CA key, in a scratch directory.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use kazasu_pki::anchors::TrustAnchors;
use kazasu_pki::crl::{distribution_points, select, CrlSelectError};
use kazasu_pki::verify::{verify_chain, VerifyError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/test-pki").join(name)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The directory names of two municipalities' distribution points; `ise_loud` is Ise's written in other case
/// and spacing (the same name under RFC 5280's comparison).
const SECTIONS: &str = "
[ise]
C = JP
O = JPKI
OU = Ise-shi
CN = Ise-shi CRLDP
[ise_loud]
C = JP
O = jpki
OU = ISE-SHI
CN = ISE-SHI   crldp
[tsu]
C = JP
O = JPKI
OU = Tsu-shi
CN = Tsu-shi CRLDP
";

struct Ca {
    dir: tempfile::TempDir,
    /// The CA's certificate and key (the sign CA by default).
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Ca {
    fn sign_ca() -> Ca {
        Ca {
            dir: tempfile::tempdir().unwrap(),
            cert: fixture("sign-ca.pem"),
            key: fixture("sign-ca.TEST-ONLY.key.pem"),
        }
    }

    fn auth_ca() -> Ca {
        Ca {
            dir: tempfile::tempdir().unwrap(),
            cert: fixture("auth-ca.pem"),
            key: fixture("auth-ca.TEST-ONLY.key.pem"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn anchors(&self) -> TrustAnchors {
        let der = openssl::x509::X509::from_pem(&std::fs::read(&self.cert).unwrap()).unwrap().to_der().unwrap();
        TrustAnchors::from_der(&der).unwrap()
    }

    /// An end-entity certificate of this CA whose CRL distribution point is `point` (a section of SECTIONS as
    /// dirName), or none.
    fn leaf(&self, name: &str, serial: &str, point: Option<&str>) -> (PathBuf, Vec<u8>) {
        let cdp =
            point.map(|p| format!("crlDistributionPoints = cdp\n[cdp]\nfullname = dirName:{p}\n")).unwrap_or_default();
        let cnf = format!(
            "[leaf]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, nonRepudiation\n{cdp}{SECTIONS}"
        );
        std::fs::write(self.path("leaf.cnf"), cnf).unwrap();
        let (csr, pem) = (format!("{name}.csr"), format!("{name}.pem"));
        let key = fixture("sign.TEST-ONLY.key.pem");
        openssl(
            &["req", "-new", "-key", key.to_str().unwrap(), "-subj", &format!("/CN={name}"), "-out", &csr],
            self.dir.path(),
        );
        let (ca, ca_key) = (self.cert.to_str().unwrap(), self.key.to_str().unwrap());
        openssl(
            &["x509", "-req", "-in", &csr, "-CA", ca, "-CAkey", ca_key, "-set_serial", serial, "-days", "30"]
                .into_iter()
                .chain(["-extfile", "leaf.cnf", "-extensions", "leaf", "-out", &pem])
                .collect::<Vec<_>>(),
            self.dir.path(),
        );
        let der = openssl::x509::X509::from_pem(&std::fs::read(self.path(&pem)).unwrap()).unwrap().to_der().unwrap();
        (self.path(&pem), der)
    }

    /// A CRL of this CA listing `revoked`, with an IDP made of `idp` (lines of an openssl IDP section, e.g.
    /// `fullname = dirName:ise`), or none.
    fn crl(&self, name: &str, idp: Option<&str>, revoked: &[&Path]) -> Vec<u8> {
        let db = self.path(&format!("{name}.index"));
        std::fs::write(&db, "").unwrap();
        std::fs::write(self.path(&format!("{name}.crlnumber")), "01\n").unwrap();
        let ext = idp
            .map(|lines| {
                format!(
                    "crl_extensions = crl_ext\n[crl_ext]\nissuingDistributionPoint = critical, @idp\n[idp]\n{lines}\n"
                )
            })
            .unwrap_or_default();
        let cnf = format!(
            "[ca]\ndefault_ca = test\n[test]\ndatabase = {name}.index\ncrlnumber = {name}.crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\n{ext}{SECTIONS}"
        );
        let cnf_name = format!("{name}.cnf");
        std::fs::write(self.path(&cnf_name), cnf).unwrap();
        let (ca, ca_key) = (self.cert.to_str().unwrap(), self.key.to_str().unwrap());
        for cert in revoked {
            openssl(
                &["ca", "-config", &cnf_name, "-revoke", cert.to_str().unwrap(), "-cert", ca, "-keyfile", ca_key],
                self.dir.path(),
            );
        }
        let out = format!("{name}.crl");
        openssl(
            &["ca", "-config", &cnf_name, "-gencrl", "-cert", ca, "-keyfile", ca_key, "-out", &out],
            self.dir.path(),
        );
        std::fs::read(self.path(&out)).unwrap()
    }
}

#[test]
fn the_crl_whose_issuing_distribution_point_names_the_certificates_point_is_the_one_checked() {
    let ca = Ca::sign_ca();
    let (leaf_path, leaf) = ca.leaf("ise-resident", "0x1001", Some("ise"));
    let tsu = ca.crl("tsu", Some("fullname = dirName:tsu\nonlyuser = TRUE"), &[]);
    let ise = ca.crl("ise", Some("fullname = dirName:ise\nonlyuser = TRUE"), &[&leaf_path]);
    let crls = [tsu.clone(), ise.clone()];
    assert_eq!(select(&leaf, &crls).unwrap(), &ise[..]);
    // Ise's CRL lists the certificate: revoked, although Tsu's (current, signed by the CA) does not list it.
    let chosen = select(&leaf, &crls).unwrap();
    assert_eq!(verify_chain(&leaf, &ca.anchors(), now(), Some(chosen)), Err(VerifyError::Revoked));
    // Tsu's partition handed straight to verify_chain is not taken as "not revoked": it does not cover Ise.
    assert_eq!(verify_chain(&leaf, &ca.anchors(), now(), Some(&tsu)), Err(VerifyError::CrlOutOfScope));
}

#[test]
fn without_a_crl_for_the_certificates_point_it_is_refused_in_its_own_words() {
    let ca = Ca::sign_ca();
    let (_, leaf) = ca.leaf("ise-resident", "0x1002", Some("ise"));
    let tsu = ca.crl("tsu", Some("fullname = dirName:tsu"), &[]);
    let err = select(&leaf, &[tsu]).unwrap_err();
    assert_eq!(err, CrlSelectError::NoneApplies { points: distribution_points(&leaf).unwrap() });
    assert!(err.to_string().contains("CN=Ise-shi CRLDP"), "{err}");
    let none: [Vec<u8>; 0] = [];
    assert!(matches!(select(&leaf, &none), Err(CrlSelectError::NoneApplies { .. })));
}

#[test]
fn a_crl_without_issuing_distribution_point_covers_everything_but_a_named_point_wins() {
    let ca = Ca::sign_ca();
    let (_, leaf) = ca.leaf("ise-resident", "0x1003", Some("ise"));
    let (_, no_point) = ca.leaf("no-point", "0x1004", None);
    let complete = ca.crl("complete", None, &[]);
    let ise = ca.crl("ise", Some("fullname = dirName:ise"), &[]);
    assert_eq!(select(&leaf, std::slice::from_ref(&complete)).unwrap(), &complete[..]);
    assert_eq!(select(&leaf, &[complete.clone(), ise.clone()]).unwrap(), &ise[..]);
    assert_eq!(select(&leaf, &[ise.clone(), complete.clone()]).unwrap(), &ise[..]);
    // A certificate without a distribution point is covered only by a complete CRL.
    assert_eq!(select(&no_point, &[ise.clone(), complete.clone()]).unwrap(), &complete[..]);
    assert!(select(&no_point, &[ise]).is_err());
}

#[test]
fn directory_names_are_compared_as_names_not_as_bytes() {
    let ca = Ca::sign_ca();
    let (_, leaf) = ca.leaf("ise-resident", "0x1005", Some("ise"));
    let loud = ca.crl("loud", Some("fullname = dirName:ise_loud"), &[]);
    assert_eq!(select(&leaf, std::slice::from_ref(&loud)).unwrap(), &loud[..]);
}

#[test]
fn a_crl_narrowed_to_ca_certificates_or_some_reasons_never_applies() {
    let ca = Ca::sign_ca();
    let (_, leaf) = ca.leaf("ise-resident", "0x1006", Some("ise"));
    let only_ca = ca.crl("onlyca", Some("fullname = dirName:ise\nonlyCA = TRUE"), &[]);
    let some_reasons = ca.crl("reasons", Some("fullname = dirName:ise\nonlysomereasons = keyCompromise"), &[]);
    assert!(matches!(select(&leaf, &[only_ca, some_reasons]), Err(CrlSelectError::NoneApplies { .. })));
}

#[test]
fn another_issuers_crl_is_passed_over_and_garbage_is_an_error() {
    let ca = Ca::sign_ca();
    let (_, leaf) = ca.leaf("ise-resident", "0x1007", Some("ise"));
    let foreign = Ca::auth_ca().crl("auth", None, &[]);
    assert!(matches!(select(&leaf, &[foreign]), Err(CrlSelectError::NoneApplies { .. })));
    assert!(matches!(select(&leaf, &[b"junk".to_vec()]), Err(CrlSelectError::Unreadable { .. })));
}

#[test]
fn the_committed_crl_applies_to_the_committed_sign_certificate() {
    let sign = std::fs::read(fixture("sign.der")).unwrap();
    let crl = std::fs::read(fixture("sign-ca.crl.der")).unwrap();
    assert_eq!(select(&sign, std::slice::from_ref(&crl)).unwrap(), &crl[..]);
}
