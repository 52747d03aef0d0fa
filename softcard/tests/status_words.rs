//! The software card's refusals are the named status words the core maps, not raw numbers.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_card::apdu::Response;
use kazasu_card::sw::StatusWord;
use kazasu_softcard::SoftCard;

fn sw(card: &mut SoftCard, apdu: &[u8]) -> StatusWord {
    Response::parse(card.process(apdu)).unwrap().sw
}

#[test]
fn refusals_of_the_software_card_carry_named_status_words() {
    let mut card = SoftCard::new();
    // SELECT the JPKI AP, then VERIFY with no PIN EF selected: no current EF (6986).
    let select_ap = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    assert_eq!(sw(&mut card, &select_ap), StatusWord::Success);
    assert_eq!(sw(&mut card, &[0x00, 0x20, 0x00, 0x80]), StatusWord::NoCurrentEf);
    assert_eq!(u16::from(StatusWord::NoCurrentEf), 0x6986);
    // GET RESPONSE with nothing pending: conditions of use not satisfied (6985).
    assert_eq!(sw(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x10]), StatusWord::ConditionsNotSatisfied);
    // COMPUTE DIGITAL SIGNATURE with no key EF selected: 6985 too.
    assert_eq!(sw(&mut card, &[0x80, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00]), StatusWord::ConditionsNotSatisfied);
    assert_eq!(StatusWord::from(0x6F00), StatusWord::NoPreciseDiagnosis);
}
