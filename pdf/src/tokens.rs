//! Token-level edits of an object's original bytes, so that an incremental update changes nothing it need not.
//!
//! `lopdf` reads numbers as `f32` (`595.3039370079` becomes `595.30396`), so an object it parsed and wrote again
//! differs from the original, and a validator comparing revisions (pyHanko's modification analysis) sees an
//! earlier signer's page changed. Here an object to be changed is copied from the bytes `lopdf`'s
//! cross-reference table locates (in the file, or in an object stream), and the one intended edit is spliced in
//! — an element at the end of an array, a key at the end of a dictionary, one value replaced or removed — while
//! every other token stays as written. The lexer only finds where tokens start and end (ISO 32000-1 7.2:
//! white space, comments, delimiters, nested literal strings); it builds no values: `lopdf` reads those.

use std::ops::Range;

fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// One token: where it is, and what kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    DictOpen,
    DictClose,
    ArrayOpen,
    ArrayClose,
    Name,
    /// A literal `( … )` or hexadecimal `< … >` string.
    String,
    /// A number, `true`, `false`, `null`, `R`, `obj`, `endobj`, `stream`, …
    Word,
    /// `{` or `}` (PostScript calculator functions only).
    Brace,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// The next token at or after `pos`, skipping white space and comments; `None` at the end or on a string or
/// dictionary delimiter that never closes.
pub(crate) fn next(b: &[u8], mut pos: usize) -> Option<Token> {
    loop {
        while pos < b.len() && is_white(b[pos]) {
            pos += 1;
        }
        if b.get(pos) == Some(&b'%') {
            while pos < b.len() && b[pos] != b'\n' && b[pos] != b'\r' {
                pos += 1;
            }
            continue;
        }
        break;
    }
    let start = pos;
    let c = *b.get(pos)?;
    let (kind, end) = match c {
        b'<' if b.get(pos + 1) == Some(&b'<') => (Kind::DictOpen, pos + 2),
        b'>' if b.get(pos + 1) == Some(&b'>') => (Kind::DictClose, pos + 2),
        b'<' => (Kind::String, pos + 1 + b[pos + 1..].iter().position(|&x| x == b'>')? + 1),
        b'[' => (Kind::ArrayOpen, pos + 1),
        b']' => (Kind::ArrayClose, pos + 1),
        b'{' | b'}' => (Kind::Brace, pos + 1),
        b'(' => {
            let mut depth = 0usize;
            let mut i = pos;
            loop {
                match *b.get(i)? {
                    b'\\' => i += 1,
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            (Kind::String, i + 1)
        }
        b'/' => {
            let mut i = pos + 1;
            while i < b.len() && !is_white(b[i]) && !is_delimiter(b[i]) {
                i += 1;
            }
            (Kind::Name, i)
        }
        b')' | b'>' => return None,
        _ => {
            let mut i = pos;
            while i < b.len() && !is_white(b[i]) && !is_delimiter(b[i]) {
                i += 1;
            }
            (Kind::Word, i)
        }
    };
    Some(Token { kind, start, end })
}

fn is_integer(b: &[u8], t: Token) -> bool {
    t.kind == Kind::Word && b[t.start..t.end].iter().all(u8::is_ascii_digit)
}

/// Nesting of dictionaries and arrays followed at most this deep: a hostile file ends in an error, not a
/// stack overflow.
const MAX_DEPTH: usize = 64;

/// The span of the one complete value starting at the first token at or after `pos` (a reference `n g R` is one
/// value).
pub(crate) fn value(b: &[u8], pos: usize) -> Option<Range<usize>> {
    value_at(b, pos, 0)
}

fn value_at(b: &[u8], pos: usize, depth: usize) -> Option<Range<usize>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let t = next(b, pos)?;
    match t.kind {
        Kind::DictOpen => Some(t.start..dictionary_at(b, t.start, depth)?.close.end),
        Kind::ArrayOpen => {
            let mut p = t.end;
            loop {
                let n = next(b, p)?;
                if n.kind == Kind::ArrayClose {
                    return Some(t.start..n.end);
                }
                p = value_at(b, p, depth + 1)?.end;
            }
        }
        Kind::Name | Kind::String => Some(t.start..t.end),
        Kind::Word if is_integer(b, t) => {
            // `n g R`?
            if let Some(g) = next(b, t.end).filter(|g| is_integer(b, *g)) {
                if let Some(r) = next(b, g.end).filter(|r| r.kind == Kind::Word && &b[r.start..r.end] == b"R") {
                    return Some(t.start..r.end);
                }
            }
            Some(t.start..t.end)
        }
        Kind::Word => Some(t.start..t.end),
        Kind::DictClose | Kind::ArrayClose | Kind::Brace => None,
    }
}

/// One entry of a dictionary: its key (as written, without the slash) and the spans of key and value.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: Vec<u8>,
    pub key_start: usize,
    pub value: Range<usize>,
}

/// A dictionary's entries and where its `>>` is.
#[derive(Clone, Debug)]
pub(crate) struct Dict {
    pub entries: Vec<Entry>,
    pub close: Range<usize>,
}

impl Dict {
    /// The last entry with `key` (a name with `#xx` escapes is compared decoded).
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// `/Na#6De` → `Name`.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' {
            if let Some(v) =
                raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The dictionary whose `<<` is the first token at or after `pos`.
pub(crate) fn dictionary(b: &[u8], pos: usize) -> Option<Dict> {
    dictionary_at(b, pos, 0)
}

fn dictionary_at(b: &[u8], pos: usize, depth: usize) -> Option<Dict> {
    let open = next(b, pos).filter(|t| t.kind == Kind::DictOpen)?;
    let mut entries = Vec::new();
    let mut p = open.end;
    loop {
        let t = next(b, p)?;
        match t.kind {
            Kind::DictClose => return Some(Dict { entries, close: t.start..t.end }),
            Kind::Name => {
                let value = value_at(b, t.end, depth + 1)?;
                p = value.end;
                entries.push(Entry { key: decode_name(&b[t.start + 1..t.end]), key_start: t.start, value });
            }
            _ => return None,
        }
    }
}

/// The body of the indirect object `n g obj … endobj` at `pos` (the span of its value), checking its number.
/// `None` for a stream: the objects edited here are dictionaries and arrays.
pub(crate) fn indirect_body(b: &[u8], pos: usize, id: (u32, u16)) -> Option<Range<usize>> {
    let n = next(b, pos).filter(|t| is_integer(b, *t))?;
    let g = next(b, n.end).filter(|t| is_integer(b, *t))?;
    let obj = next(b, g.end).filter(|t| t.kind == Kind::Word && &b[t.start..t.end] == b"obj")?;
    let number: u32 = std::str::from_utf8(&b[n.start..n.end]).ok()?.parse().ok()?;
    let generation: u16 = std::str::from_utf8(&b[g.start..g.end]).ok()?.parse().ok()?;
    if (number, generation) != id {
        return None;
    }
    let body = value(b, obj.end)?;
    let after = next(b, body.end)?;
    (after.kind == Kind::Word && &b[after.start..after.end] == b"endobj").then_some(body)
}

/// Edits of one object's bytes, each at a position of the original: applied together, later ones first, so
/// every position stays that of the original.
#[derive(Clone, Debug, Default)]
pub(crate) struct Edits {
    edits: Vec<(Range<usize>, Vec<u8>)>,
}

impl Edits {
    /// Replaces `range` (possibly empty: an insertion) by `text`.
    pub fn replace(&mut self, range: Range<usize>, text: impl Into<Vec<u8>>) {
        self.edits.push((range, text.into()));
    }

    /// Appends `item` as the last element of the array spanning `array`.
    pub fn push_to_array(&mut self, array: &Range<usize>, item: &str) {
        let close = array.end - 1;
        self.replace(close..close, format!(" {item}"));
    }

    /// Adds `/key value` at the end of `dict`.
    pub fn add_entry(&mut self, dict: &Dict, key: &str, value: &str) {
        self.replace(dict.close.start..dict.close.start, format!(" /{key} {value} "));
    }

    /// Removes an entry: its key and its value.
    pub fn remove_entry(&mut self, entry: &Entry) {
        self.replace(entry.key_start..entry.value.end, Vec::new());
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Adds `other`'s edits (of the same original) to these.
    pub fn extend(&mut self, other: Edits) {
        self.edits.extend(other.edits);
    }

    /// `original` with the edits made; `None` when two overlap or one lies outside.
    pub fn apply(&self, original: &[u8]) -> Option<Vec<u8>> {
        let mut edits: Vec<_> = self.edits.iter().collect();
        edits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = Vec::with_capacity(original.len() + 64);
        let mut at = 0;
        for (range, text) in edits {
            if range.start < at || range.end > original.len() || range.start > range.end {
                return None;
            }
            out.extend_from_slice(&original[at..range.start]);
            out.extend_from_slice(text);
            at = range.end;
        }
        out.extend_from_slice(&original[at..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dictionary_is_read_to_its_end_past_strings_comments_and_references() {
        let b = b"<</Type/Page/MediaBox[0 0 595.3039370079 841.8897637795]/T(a \\) >> ( b) c)%c >>\n/P 3 0 R/Ann#6Fts[1 0 R]>>";
        let d = dictionary(b, 0).unwrap();
        let keys: Vec<_> = d.entries.iter().map(|e| String::from_utf8(e.key.clone()).unwrap()).collect();
        assert_eq!(keys, ["Type", "MediaBox", "T", "P", "Annots"]);
        assert_eq!(&b[d.get(b"MediaBox").unwrap().value.clone()], b"[0 0 595.3039370079 841.8897637795]");
        assert_eq!(&b[d.get(b"T").unwrap().value.clone()], b"(a \\) >> ( b) c)");
        assert_eq!(&b[d.get(b"P").unwrap().value.clone()], b"3 0 R");
        assert_eq!(d.close.end, b.len());
    }

    #[test]
    fn edits_keep_every_other_byte_as_written() {
        let b = b"<< /Annots [ 4 0 R ] /MediaBox [0 0 595.3039370079 841.8897637795] /NeedAppearances true >>";
        let d = dictionary(b, 0).unwrap();
        let mut e = Edits::default();
        e.push_to_array(&d.get(b"Annots").unwrap().value, "9 0 R");
        e.remove_entry(d.get(b"NeedAppearances").unwrap());
        e.add_entry(&d, "SigFlags", "3");
        let out = e.apply(b).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<< /Annots [ 4 0 R  9 0 R] /MediaBox [0 0 595.3039370079 841.8897637795]   /SigFlags 3 >>"
        );
    }

    #[test]
    fn an_indirect_object_is_found_by_its_number_and_a_stream_or_another_number_is_not() {
        let b = b"12 0 obj\n<</A 1>>\nendobj\n13 0 obj <</Length 1>>stream\nx\nendstream endobj";
        assert_eq!(indirect_body(b, 0, (12, 0)), Some(9..17));
        assert_eq!(indirect_body(b, 0, (13, 0)), None);
        assert_eq!(indirect_body(b, 25, (13, 0)), None);
    }

    #[test]
    fn unclosed_or_too_deep_input_gives_none_not_a_panic() {
        assert!(dictionary(b"<< /A (never closed", 0).is_none());
        assert!(dictionary(b"<< /A [1 2", 0).is_none());
        let deep = [b"<< /A ".repeat(100), b">>".repeat(100)].concat();
        assert!(dictionary(&deep, 0).is_none());
        assert!(value(b")", 0).is_none());
    }
}
