//! The CLI's catalog (l10n/messages.toml): parsing and the checks every entry must pass, and the pieces of a
//! text (plain text, `{placeholders}`, `{count|one|other}` plural choices) that the Rust generator and the
//! phones' checks read.

use std::collections::BTreeSet;

/// One message: its key, its two texts, its placeholders (sorted by name) and, of those, the counts: the
/// placeholders some text chooses a word by (`{tries|try|tries}`), which are numbers.
#[derive(Debug)]
pub struct Entry {
    pub key: String,
    pub ja: String,
    pub en: String,
    pub placeholders: Vec<String>,
    pub counts: Vec<String>,
}

/// A piece of a text: literal text, a placeholder, or a plural choice on a count placeholder.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Value(&'a str),
    /// `{count|one|other}`: `one` when the count is 1, else `other` (English; Japanese has no plural).
    Plural {
        count: &'a str,
        one: &'a str,
        other: &'a str,
    },
}

pub(crate) fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// A text cut into pieces. Braces are only ever placeholders, `{name}`, or plural choices, `{name|one|other}`:
/// a stray `{` or `}`, a name that is not snake_case, or a choice without exactly two non-empty words is an
/// error.
pub fn pieces(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err(format!("a '}}' without '{{' in {text:?}"));
        }
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let after = &rest[i + 1..];
        let end = after.find(['}', '{']).filter(|&e| after[e..].starts_with('}'));
        let end = end.ok_or_else(|| format!("a '{{' without '}}' in {text:?}"))?;
        let inside = &after[..end];
        let mut parts = inside.split('|');
        let name = parts.next().unwrap_or_default();
        if !is_snake_case(name) {
            return Err(format!("placeholder {{{name}}} is not a snake_case name in {text:?}"));
        }
        let words: Vec<&str> = parts.collect();
        match words[..] {
            [] => out.push(Piece::Value(name)),
            [one, other] if !one.is_empty() && !other.is_empty() => out.push(Piece::Plural { count: name, one, other }),
            _ => return Err(format!("{{{inside}}} is not a plural choice {{{name}|one|other}} in {text:?}")),
        }
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The names of a text's placeholders (plain and in plural choices).
pub fn placeholders(text: &str) -> Result<BTreeSet<String>, String> {
    Ok(pieces(text)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Value(n) | Piece::Plural { count: n, .. } => Some(n.to_string()),
            Piece::Text(_) => None,
        })
        .collect())
}

/// The placeholders a text chooses a plural by.
fn counts(text: &str) -> Result<BTreeSet<String>, String> {
    Ok(pieces(text)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Plural { count, .. } => Some(count.to_string()),
            _ => None,
        })
        .collect())
}

/// Parses and checks the catalog: every key snake_case, exactly `ja` and `en`, both non-empty, both with
/// the same placeholders. Entries come back sorted by key.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("messages.toml: {e}"))?;
    let mut entries = Vec::new();
    for (key, value) in table {
        if !is_snake_case(&key) {
            return Err(format!("key {key:?} is not snake_case"));
        }
        let t = value.as_table().ok_or_else(|| format!("{key}: expected a table with ja and en"))?;
        if let Some(other) = t.keys().find(|k| *k != "ja" && *k != "en") {
            return Err(format!("{key}: unexpected field {other:?} (only ja and en)"));
        }
        let text_of = |lang: &str| -> Result<String, String> {
            match t.get(lang).map(|v| v.as_str()) {
                Some(Some(s)) if !s.trim().is_empty() => Ok(s.to_string()),
                Some(Some(_)) => Err(format!("{key}: {lang} is empty")),
                Some(None) => Err(format!("{key}: {lang} is not a string")),
                None => Err(format!("{key}: no {lang} text")),
            }
        };
        let (ja, en) = (text_of("ja")?, text_of("en")?);
        let (pj, pe) = (
            placeholders(&ja).map_err(|e| format!("{key}: {e}"))?,
            placeholders(&en).map_err(|e| format!("{key}: {e}"))?,
        );
        if pj != pe {
            return Err(format!("{key}: ja has placeholders {pj:?}, en has {pe:?}"));
        }
        let mut c = counts(&ja)?;
        c.extend(counts(&en)?);
        entries.push(Entry { key, ja, en, placeholders: pe.into_iter().collect(), counts: c.into_iter().collect() });
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(entries)
}
