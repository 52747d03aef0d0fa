#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kazasu_fuzz::qr_checks::qr_frame(data));
