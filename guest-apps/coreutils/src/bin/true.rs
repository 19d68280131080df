//! `true`: exits with status 0.

fn main() {}
