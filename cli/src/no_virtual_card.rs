//! This build has no software card (its TEST-ONLY keys come only with the feature `virtual-card`): `--virtual`,
//! `card serve` and `card reset-virtual` say so and how to get a build that has it.

use kazasu_core::Transport;

use crate::failure::Failure;
use crate::messages::{exit, text, Lang};

fn not_built(lang: Lang) -> Failure {
    Failure::new(text::virtual_card_not_built(lang), exit::USAGE)
}

pub fn open(lang: Lang) -> Result<Box<dyn Transport>, Failure> {
    Err(not_built(lang))
}

pub fn reset_command(lang: Lang) -> Result<(), Failure> {
    Err(not_built(lang))
}

pub fn serve(lang: Lang, _addr: &str, _extended: bool) -> Result<(), Failure> {
    Err(not_built(lang))
}
