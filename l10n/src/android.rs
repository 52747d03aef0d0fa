//! Android's string resources (`res/values*/strings.xml`) from the phones' entries.

use crate::phones::{Lang, Phone, PhoneEntry};

/// A text as aapt reads it back: XML escapes, aapt's own backslash escapes, and the whole text in double quotes
/// when aapt would otherwise trim or collapse its white space (", " would become ",").
fn escape(text: &str) -> String {
    let text = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let text = text.replace('\\', "\\\\").replace('\'', "\\'").replace('"', "\\\"").replace('\n', "\\n");
    let text = if text.starts_with(['@', '?']) { format!("\\{text}") } else { text };
    if text != text.trim() || text.contains("  ") {
        format!("\"{text}\"")
    } else {
        text
    }
}

/// One language's strings.xml (English is Android's fallback, `values/`).
pub fn strings_xml(entries: &[PhoneEntry], lang: Lang, header: &str) -> String {
    let mut lines = vec![
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>".to_string(),
        format!("<!-- {header} -->"),
        "<resources>".to_string(),
    ];
    for e in entries.iter().filter(|e| e.on(Phone::Android)) {
        lines.push(format!("    <string name=\"{}\">{}</string>", e.key, escape(&e.positional(lang, "s"))));
    }
    lines.push("</resources>".to_string());
    lines.push(String::new());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aapt_gets_its_escapes_and_keeps_the_white_space() {
        assert_eq!(escape("it's <b> & \"x\"\nnext"), "it\\'s &lt;b&gt; &amp; \\\"x\\\"\\nnext");
        assert_eq!(escape("@home"), "\\@home");
        assert_eq!(escape("a,  b"), "\"a,  b\"");
        assert_eq!(escape(" 、"), "\" 、\"");
    }
}
