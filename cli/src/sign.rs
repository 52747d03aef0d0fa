//! `kazasu sign FILE`: a file signed with the card, the signature beside it (FILE.kazasu.json with the
//! certificate, and FILE.p7s, a detached CMS).

use std::path::Path;
use std::time::Instant;

use kazasu_core::cms::detached_signed_data;
use kazasu_core::flow::Flow;
use kazasu_core::HashAlgorithm;
use kazasu_pcsc as pcsc_reader;

use crate::card::certificate;
use crate::failure::Failure;
use crate::io::{read_file, write_out};
use crate::messages::{self, exit, text, Lang};
use crate::prompt::PinArgs;
use crate::source::{self, SourceArgs};
use crate::{bundle, drive, show};

pub fn sign(
    source: &SourceArgs,
    lang: Lang,
    file: &Path,
    hash: &str,
    out_dir: Option<&Path>,
    pin: &PinArgs,
) -> Result<(), Failure> {
    let started = Instant::now();
    let alg =
        HashAlgorithm::from_name(hash).ok_or_else(|| Failure::new(text::unknown_hash(lang, hash), exit::USAGE))?;
    // The exact bytes that will be signed, read once; the digest shown is the one signed.
    let data = read_file(lang, file)?;
    let shown = hex::encode(HashAlgorithm::Sha256.digest(&data));
    eprintln!("{}", text::file_to_sign(lang, data.len() as u64, file.display(), shown));
    let data: std::sync::Arc<[u8]> = data.into();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let mut flow = Flow::for_bytes(name.clone(), data.clone(), alg);
    drive::show_consent(&flow, lang);
    pcsc_reader::log_phase("cli: read file, digest, consent", started);
    let mut transport = pcsc_reader::timed("cli: open the card link", || source::open(source, lang))?;
    drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &|_| {
        Failure::new(text::card_operation_failed(lang), exit::FAILURE)
    })?;
    pcsc_reader::timed("cli: release the card link", || drop(transport));
    let started = Instant::now();
    let signed = flow.signature().ok_or_else(|| Failure::new(text::card_operation_failed(lang), exit::FAILURE))?;
    let (signature, certificate_der) = (&signed.signature, &signed.certificate);

    let cert = certificate(lang, certificate_der)?;
    let dir = out_dir.map(Path::to_path_buf).unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf());
    let json_path = dir.join(format!("{name}.kazasu.json"));
    let p7s_path = dir.join(format!("{name}.p7s"));
    let b = bundle::Bundle::new(&name, &data, alg, signature, &cert);
    let mut json = serde_json::to_string_pretty(&b).unwrap_or_default();
    json.push('\n');
    write_out(lang, Some(&json_path), json.as_bytes())?;
    let p7s = detached_signed_data(&cert, &[], alg, signature).map_err(|e| {
        messages::detail("cms", e);
        Failure::new(text::card_operation_failed(lang), exit::FAILURE)
    })?;
    write_out(lang, Some(&p7s_path), &p7s)?;
    print!("{}", show::describe(&cert, lang));
    println!("{}", text::signed_files(lang, json_path.display(), p7s_path.display()));
    pcsc_reader::log_phase("cli: output (certificate, JSON, CMS, files)", started);
    Ok(())
}
