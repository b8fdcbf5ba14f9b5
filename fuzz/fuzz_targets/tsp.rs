#![no_main]
//! Fuzz target `tsp`: see `kyso::fuzzing::tsp`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyso::fuzzing::tsp(data));
