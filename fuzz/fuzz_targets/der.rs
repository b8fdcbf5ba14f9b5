#![no_main]
//! Fuzz target `der`: see `kyso::fuzzing::der`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::der(data));
