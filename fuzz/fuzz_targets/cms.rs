#![no_main]
//! Fuzz target `cms`: see `kyso::fuzzing::cms`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::cms(data));
