#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| commandwall_fuzz::query(data));
