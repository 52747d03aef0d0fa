#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kazasu_fuzz::portal_checks::portal_submit(data));
