//! `kazasu-words`: writes the phones' files from the catalogs in l10n/; `--check` writes nothing and fails when
//! the catalogs have a problem, a file is stale, or a platform names a key it lacks (CI).

use std::path::Path;
use std::process::ExitCode;

use kazasu_words::{catalog, phone_files, usage};

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(_) => {
            eprintln!("usage: kazasu-words [--check]   (writes the phones' files from l10n/*.toml; --check: CI)");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |name: &str| std::fs::read_to_string(root.join("l10n").join(name));
    let (app, messages) = match (read("app.toml"), read("messages.toml")) {
        (Ok(a), Ok(m)) => (a, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("kazasu-words: l10n/: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut problems = Vec::new();
    if let Err(e) = catalog::parse(&messages) {
        problems.push(format!("l10n/messages.toml: {e}"));
    }
    let entries = kazasu_words::load(&app, &messages).unwrap_or_else(|p| {
        problems.extend(p);
        Vec::new()
    });
    if !problems.is_empty() {
        eprintln!("kazasu-words: the catalog has problems:\n  {}", problems.join("\n  "));
        return ExitCode::FAILURE;
    }
    let files = phone_files(&entries);
    let (problems, notes) = usage::check(&root, &entries, &files);
    for note in notes {
        println!("kazasu-words: note: {note}");
    }
    if !problems.is_empty() {
        eprintln!("kazasu-words: the code and the words disagree:\n  {}", problems.join("\n  "));
        return ExitCode::FAILURE;
    }
    let mut stale = Vec::new();
    for (path, text) in &files {
        let full = root.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        stale.push(path.as_str());
        if !check {
            if let Err(e) =
                full.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&full, text))
            {
                eprintln!("kazasu-words: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if check && !stale.is_empty() {
        eprintln!("kazasu-words: stale (run cargo run -p kazasu-words and commit): {}", stale.join(", "));
        return ExitCode::FAILURE;
    }
    let done =
        if stale.is_empty() || check { "files up to date".to_string() } else { format!("wrote {}", stale.join(", ")) };
    println!("kazasu-words: {} phone messages; {done}", entries.len());
    ExitCode::SUCCESS
}
