#![no_main]
//! Fuzz target `crl`: see `kyso::fuzzing::crl`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::crl(data));
