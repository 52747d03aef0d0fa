//! Property test of the canonical document: every valid document renders to bytes that parse back to the
//! same document, and parsing accepts only that one spelling (rendering what it parsed gives the bytes back).

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_handoff::{Document, Field, MAX_VALIDITY_SECS};
use proptest::prelude::*;

/// Displayable text: letters, digits, kana, kanji, full-width and inner spaces, punctuation; trimmed and
/// without control or invisible characters, as the format requires.
fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        prop::char::range('a', 'z'),
        prop::char::range('0', '9'),
        prop::char::range('ぁ', 'ゖ'),
        prop::char::range('一', '龥'),
        prop::sample::select(vec!['　', ' ', '（', '）', '・', '-', '/', ':', '、', '。', '￥', 'é', '"', '\\']),
    ];
    prop::collection::vec(chars, min..=max)
        .prop_map(|cs| cs.into_iter().collect::<String>().trim().to_string())
        .prop_filter("non-empty after trimming", move |s| min == 0 || !s.is_empty())
}

fn token(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(b"ABCXYZabcxyz0189-_".to_vec()), min..=max)
        .prop_map(|b| String::from_utf8(b).unwrap())
}

fn origin() -> impl Strategy<Value = String> {
    (prop::collection::vec("[a-z][a-z0-9]{0,8}", 1..4), prop::option::of(1024u16..65535)).prop_map(|(labels, port)| {
        let host = labels.join(".");
        match port {
            Some(p) => format!("https://{host}:{p}"),
            None => format!("https://{host}"),
        }
    })
}

fn document() -> impl Strategy<Value = Document> {
    (
        origin(),
        text(1, 64),
        text(1, 128),
        token(8, 64),
        token(22, 64),
        (0i64..4_102_444_800, 1..=MAX_VALIDITY_SECS, text(1, 64)),
        prop::collection::vec((text(1, 64), text(0, 200)), 0..12),
    )
        .prop_map(
            |(origin, relying_party, title, request_id, nonce, (issued_at, validity, created_from), fields)| Document {
                submit_url: format!("{origin}/r/{request_id}/submit"),
                origin,
                relying_party,
                title,
                request_id,
                nonce,
                issued_at,
                created_from,
                expires_at: issued_at + validity,
                fields: fields.into_iter().map(|(label, value)| Field { label, value }).collect(),
            },
        )
}

proptest! {
    #[test]
    fn every_valid_document_renders_and_parses_back_to_itself(doc in document()) {
        let bytes = doc.render().unwrap();
        let parsed = Document::parse(&bytes).unwrap();
        prop_assert_eq!(&parsed, &doc);
        prop_assert_eq!(parsed.render().unwrap(), bytes);
    }

    #[test]
    fn any_other_spelling_of_a_document_is_refused(doc in document(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // One changed byte either breaks the document or spells another one — never the same one twice.
        let mut bytes = doc.render().unwrap();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        if let Ok(other) = Document::parse(&bytes) {
            prop_assert_ne!(&other, &doc);
            prop_assert_eq!(other.render().unwrap(), bytes);
        }
    }
}
