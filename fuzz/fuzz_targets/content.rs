#![no_main]
//! Fuzz target `content`: see `kyso::fuzzing::content`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::content(data));
