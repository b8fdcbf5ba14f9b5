#![no_main]
//! Fuzz target `catalog`: see `kyso::fuzzing::catalog`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::catalog(data));
