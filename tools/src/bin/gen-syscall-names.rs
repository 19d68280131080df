//! `gen-syscall-names [--check]`: writes the guest kernel's system-call name table
//! (`guest-kernel/kernel/src/syscall/names.rs`) from `linux-raw-sys`'s `__NR_*` constants;
//! with `--check`, only reports whether the committed file is current (exit status 1 if
//! not). See `tools::syscall_names`.

use std::process::ExitCode;
use tools::syscall_names::{NAMES_RS, generate};

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("gen-syscall-names: unknown argument {other:?} (usage: [--check])");
            return ExitCode::from(2);
        }
    };
    let root = tools::guest_build::repo_root();
    let text = match generate(&root) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen-syscall-names: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = root.join(NAMES_RS);
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(text.as_str()) {
        println!("{} is up to date", path.display());
        return ExitCode::SUCCESS;
    }
    if check {
        eprintln!("{} is stale: run `cargo run -p tools --bin gen-syscall-names`", path.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("gen-syscall-names: writing {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
