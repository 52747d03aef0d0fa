//! Which keys each platform's code names, read from its sources: Kotlin's `R.string.key` (and layouts'
//! `@string/key`), Swift's `.key` (a snake_case case of `L10n`; the flow's own Swift names are camelCase). A key
//! the code names must be in that phone's files; a key an iPhone is given must be named by its code (so
//! `only = "ios"` stays true). The CLI's keys are functions its compiler checks.

use std::path::{Path, PathBuf};

use crate::phones::{Phone, PhoneEntry};

/// Where each phone's product code lives (tests may name keys to check them, not to show them).
const ANDROID: &[&str] = &["android/app/src/main"];
const IOS: &[&str] = &["ios/Sources/Kazasu", "ios/App"];

/// The keys `text` names right after `prefix`.
fn names_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let rest = &text[i + prefix.len()..];
        let end =
            rest.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).unwrap_or(rest.len());
        if rest.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push(&rest[..end]);
        }
    }
    out
}

fn files(root: &Path, dirs: &[&str], ext: &[&str], out: &mut Vec<PathBuf>) {
    fn walk(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(read) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, ext, out);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| ext.contains(&e)) {
                out.push(p);
            }
        }
    }
    for d in dirs {
        walk(&root.join(d), ext, out);
    }
}

/// The keys a phone's code names (for Swift: every lower-case name after a dot), with the file that names each (relative to `root`). `generated` are files
/// about to be written (their text on disk may be stale).
pub fn used(root: &Path, phone: Phone, generated: &[(String, String)]) -> Vec<(String, String)> {
    let (dirs, ext): (&[&str], &[&str]) = match phone {
        Phone::Android => (ANDROID, &["kt", "xml"]),
        Phone::Ios => (IOS, &["swift"]),
    };
    let mut paths = Vec::new();
    files(root, dirs, ext, &mut paths);
    let mut rels: Vec<String> =
        paths.iter().map(|p| p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")).collect();
    // A generated file not written yet is read from what is about to be written.
    for (p, _) in generated {
        let ours =
            dirs.iter().any(|d| p.starts_with(&format!("{d}/"))) && ext.iter().any(|e| p.ends_with(&format!(".{e}")));
        if ours && !rels.contains(p) {
            rels.push(p.clone());
        }
    }
    let mut out = Vec::new();
    for rel in rels {
        let path = root.join(&rel);
        // The string files themselves name every key: they are what is checked against.
        if rel.ends_with("strings.xml") {
            continue;
        }
        let text = match generated.iter().find(|(p, _)| *p == rel) {
            Some((_, t)) => t.clone(),
            None => std::fs::read_to_string(&path).unwrap_or_default(),
        };
        let names = match phone {
            Phone::Android => [names_after(&text, "R.string."), names_after(&text, "@string/")].concat(),
            Phone::Ios => names_after(&text, "."),
        };
        out.extend(names.into_iter().map(|n| (n.to_string(), rel.clone())));
    }
    out
}

/// The problems: keys the code names that its phone lacks, and keys an iPhone is given that its code never
/// names; and the notes: keys Android is given that its code does not name yet (words waiting for a screen).
pub fn check(root: &Path, entries: &[PhoneEntry], generated: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    let (mut problems, mut notes) = (Vec::new(), Vec::new());
    for phone in [Phone::Android, Phone::Ios] {
        let name = match phone {
            Phone::Android => "Android",
            Phone::Ios => "iOS",
        };
        let used = used(root, phone, generated);
        // Swift's own names after a dot are camelCase (`.cancel` may be a case of the flow's WayOut): only a
        // snake_case name is surely a key.
        let surely_key = |k: &str| phone == Phone::Android || k.contains('_');
        for (key, file) in used.iter().filter(|(k, _)| surely_key(k)) {
            if !entries.iter().any(|e| e.key == *key && e.on(phone)) {
                problems.push(format!("{file} names {key}, which {name}'s words lack (l10n/app.toml)"));
            }
        }
        for e in entries.iter().filter(|e| e.on(phone)) {
            if !used.iter().any(|(k, _)| *k == e.key) {
                let unused = format!("{name} is given [{}], which its code never names", e.key);
                match phone {
                    Phone::Ios => problems.push(unused),
                    Phone::Android => notes.push(unused),
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    (problems, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phones;

    #[test]
    fn a_key_the_code_names_but_its_phone_lacks_and_an_ios_key_no_swift_names_are_problems() {
        let root = std::env::temp_dir().join(format!("kazasu-words-usage-{}", std::process::id()));
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("android/app/src/main/kotlin/A.kt", "getString(R.string.both_words) + getString(R.string.ios_words)");
        write("ios/Sources/Kazasu/W.swift", "w(.both_words) + w(.android_words)");
        let app = "[both_words]\nja = \"あ\"\nen = \"a\"\n\
                   [ios_words]\nja = \"い\"\nen = \"i\"\nonly = \"ios\"\n\
                   [android_words]\nja = \"う\"\nen = \"u\"\nonly = \"android\"\n";
        let entries = phones::load(app, "").unwrap();
        let (problems, notes) = check(&root, &entries, &[]);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            problems,
            [
                "android/app/src/main/kotlin/A.kt names ios_words, which Android's words lack (l10n/app.toml)",
                "iOS is given [ios_words], which its code never names",
                "ios/Sources/Kazasu/W.swift names android_words, which iOS's words lack (l10n/app.toml)",
            ]
        );
        assert_eq!(notes, ["Android is given [android_words], which its code never names"]);
    }

    #[test]
    fn the_keys_are_read_after_their_prefix() {
        let kt = "getString(R.string.notice_wrong_pin, x) + R.string.cancel)";
        assert_eq!(names_after(kt, "R.string."), ["notice_wrong_pin", "cancel"]);
        assert_eq!(names_after("w(.state_done) f(.blocked)", "."), ["state_done", "blocked"]);
    }
}
