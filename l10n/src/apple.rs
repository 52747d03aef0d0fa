//! Apple's `Localizable.strings` and the Swift key enum (`L10n`, with `Words.notice(_:)`) from the phones'
//! entries.

use crate::phones::{Lang, Phone, PhoneEntry};

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// One language's Localizable.strings; an entry with two or more placeholders says which is which.
pub fn localizable_strings(entries: &[PhoneEntry], lang: Lang, header: &str) -> String {
    let mut lines = vec![format!("/* {header} */")];
    for e in entries.iter().filter(|e| e.on(Phone::Ios)) {
        if e.args.len() > 1 {
            let names: Vec<String> =
                e.args.iter().enumerate().map(|(i, a)| format!("%{}$@ = {{{a}}}", i + 1)).collect();
            lines.push(format!("/* {} */", names.join(", ")));
        }
        lines.push(format!("\"{}\" = \"{}\";", e.key, escape(&e.positional(lang, "@"))));
    }
    lines.push(String::new());
    lines.join("\n")
}

/// ios/Sources/Kazasu/L10n.swift: every key of the strings files as a case of `L10n` (so that Swift code
/// names no key the files lack), and what each notice says.
pub fn swift(entries: &[PhoneEntry], header: &str) -> String {
    let mut out = format!(
        "// {header}\nimport KazasuFFI\n\n/// Every key of Localizable.strings (ja = the app's language, en = the fallback), named after the flow's \
         states\n/// and notices (`state_hold_card`, `notice_wrong_pin`).\npublic enum L10n: String, CaseIterable, Sendable {{\n"
    );
    for e in entries.iter().filter(|e| e.on(Phone::Ios)) {
        out.push_str(&format!("    case {}\n", e.key));
    }
    out.push_str("}\n\n");
    out.push_str(&crate::notice::swift(entries));
    out
}
