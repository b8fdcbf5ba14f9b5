#![no_main]
//! Fuzz target `ocsp`: see `kyso::fuzzing::ocsp`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::ocsp(data));
