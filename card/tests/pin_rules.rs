//! Property tests of the PIN rules: the sign PIN is 6–16 characters of A–Z and 0–9, lower-case and
//! full-width forms normalised to upper-case ASCII, anything else refused at its position; the auth PIN is
//! exactly 4 digits.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_card::{AuthPin, PinError, SignPin};
use proptest::prelude::*;

/// One allowed character as it may be typed, with the byte it normalises to.
fn typed_alnum() -> impl Strategy<Value = (char, u8)> {
    (0u8..36, 0u8..4).prop_map(|(i, form)| {
        let ascii = if i < 10 { b'0' + i } else { b'A' + i - 10 };
        let c = match (form, ascii.is_ascii_digit()) {
            (0, _) => ascii as char,
            (1, false) => ascii.to_ascii_lowercase() as char,
            (2, true) => char::from_u32(0xFF10 + (ascii - b'0') as u32).unwrap(),
            (2, false) => char::from_u32(0xFF21 + (ascii - b'A') as u32).unwrap(),
            (3, false) => char::from_u32(0xFF41 + (ascii - b'A') as u32).unwrap(),
            _ => ascii as char,
        };
        (c, ascii)
    })
}

/// A character outside the alphabet and its normal forms.
fn not_alnum() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("outside A–Z, a–z, 0–9 and their full-width forms", |&c| {
        !(c.is_ascii_alphanumeric()
            || ('\u{FF10}'..='\u{FF19}').contains(&c)
            || ('\u{FF21}'..='\u{FF3A}').contains(&c)
            || ('\u{FF41}'..='\u{FF5A}').contains(&c))
    })
}

proptest! {
    #[test]
    fn any_6_to_16_allowed_characters_are_accepted_as_upper_case_ascii(
        typed in prop::collection::vec(typed_alnum(), 6..=16)
    ) {
        let text: String = typed.iter().map(|(c, _)| *c).collect();
        let expected: Vec<u8> = typed.iter().map(|(_, b)| *b).collect();
        let pin = SignPin::new(&text).unwrap();
        prop_assert_eq!(pin.bytes().as_slice(), expected.as_slice());
    }

    #[test]
    fn fewer_than_6_or_more_than_16_are_refused_with_the_count(
        typed in prop_oneof![
            prop::collection::vec(typed_alnum(), 0..6),
            prop::collection::vec(typed_alnum(), 17..64),
        ]
    ) {
        let text: String = typed.iter().map(|(c, _)| *c).collect();
        prop_assert_eq!(
            SignPin::new(&text).unwrap_err(),
            PinError::SignLength { min: 6, max: 16, actual: typed.len() }
        );
    }

    #[test]
    fn a_character_outside_the_alphabet_is_refused_at_its_position(
        before in prop::collection::vec(typed_alnum(), 0..16),
        bad in not_alnum(),
        after in prop::collection::vec(typed_alnum(), 0..16),
    ) {
        let text: String = before.iter().map(|(c, _)| *c).chain([bad]).chain(after.iter().map(|(c, _)| *c)).collect();
        let e = SignPin::new(&text).unwrap_err();
        prop_assert_eq!(e.clone(), PinError::SignCharacter { position: before.len() + 1 });
        prop_assert!(!e.to_string().contains(&text), "the refusal shows what was typed");
    }

    #[test]
    fn an_auth_pin_is_exactly_four_digits(digits in prop::collection::vec((0u8..10, any::<bool>()), 0..8)) {
        let text: String = digits
            .iter()
            .map(|&(d, wide)| if wide { char::from_u32(0xFF10 + d as u32).unwrap() } else { (b'0' + d) as char })
            .collect();
        let r = AuthPin::new(&text);
        if digits.len() == 4 {
            let expected: Vec<u8> = digits.iter().map(|&(d, _)| b'0' + d).collect();
            let pin = r.unwrap();
            prop_assert_eq!(pin.bytes().as_slice(), expected.as_slice());
        } else {
            prop_assert_eq!(r.unwrap_err(), PinError::AuthFormat);
        }
    }

    #[test]
    fn an_auth_pin_with_anything_but_digits_is_refused(
        before in prop::collection::vec(0u8..10, 0..4),
        bad in any::<char>().prop_filter("not a digit", |c| !c.is_ascii_digit() && !('\u{FF10}'..='\u{FF19}').contains(c)),
    ) {
        let text: String = before.iter().map(|&d| (b'0' + d) as char).chain([bad]).collect();
        prop_assert_eq!(AuthPin::new(&text).unwrap_err(), PinError::AuthFormat);
    }
}
