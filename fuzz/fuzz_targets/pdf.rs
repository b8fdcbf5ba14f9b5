#![no_main]
//! Fuzz target `pdf`: see `kyso::fuzzing::pdf`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::pdf(data));
