//! `vmm`: a KVM virtual machine monitor for our guest kernel, built on the rust-vmm crates.
//!
//! The library does the work; `main.rs` only parses the command line and exits with the
//! status a run produces. Integration tests drive the binary. The boot sequence the code
//! follows is described step by step in `docs/DESIGN.md`.

pub mod arch;
pub mod builder;
pub mod cli;
pub mod config;
pub mod devices;
pub mod embedded;
pub mod error;
pub mod event_loop;
pub mod fast_exit;
pub mod loader;
pub mod profile;
pub mod run;
pub mod terminal;
pub mod timings;
pub mod vstate;
pub mod winsize;

pub use error::Error;
pub use run::{RunOutcome, run};
