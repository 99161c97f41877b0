//! aws-as's integration tests: one binary (ripgrep's layout), against a real moto STS on
//! 127.0.0.1 and real interactive shells driven through tmux.

mod support;

mod answers;
mod catalog_file;
mod catalog_sso;
mod catalogs;
mod cli;
mod completions;
mod concurrency;
mod conformance;
mod demo;
mod ecosystem;
mod failures;
mod fuzz_corpus;
mod hostile;
mod index;
mod keys;
mod keys_terminal;
mod lint;
mod locks;
mod login;
mod prompt;
mod quoting;
mod region;
mod renewal;
mod robustness;
mod server;
mod shells;
mod sts;
mod trust;
