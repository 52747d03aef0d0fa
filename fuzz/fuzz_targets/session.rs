#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kazasu_fuzz::core_checks::session(data));
