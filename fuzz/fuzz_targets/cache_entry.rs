#![no_main]

// The body is aws_as::fuzz::cache_entry, which tests/fuzz_corpus.rs also replays on stable.
libfuzzer_sys::fuzz_target!(|data: &[u8]| aws_as::fuzz::cache_entry(data));
