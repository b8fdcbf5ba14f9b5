#![no_main]
//! Fuzz target `validate`: see `kyso::fuzzing::validate`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::validate(data));
