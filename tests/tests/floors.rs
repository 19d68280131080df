//! The guest kernel's floors stay floors: no module imports from a module above it.
//!
//! The kernel (`guest-kernel/kernel/src`) is built in floors (docs/DESIGN.md, "Kernel
//! structure"), top to bottom:
//!
//! | floor | modules |
//! |---|---|
//! | 4 | `entry` (the task loop) |
//! | 3 | `syscall` |
//! | 2 | `process`, `exec`, `fs`, `tty`, `uaccess` |
//! | 1 | `sched`, `mm`, `block`, `drivers`, `time`, `console`, `power`, `random`, `klog`, `report` |
//! | 0 | `arch`, `sync` |
//!
//! plus the glue that may name anything: `main.rs`, `boot`, `panic.rs`, `selftest`. A
//! module may use its own floor and the floors below; `arch` may also use `mm` (its page
//! tables take frames from the frame allocator). Going up is what the interfaces are for:
//! `arch::enter_user` returns to its caller instead of calling the kernel,
//! `sched::task::TaskOwner` and `mm::vm::PageSource` are traits the floors above implement,
//! and the task-start function and the fatal-exception reporter are handed down at boot.
//!
//! The check reads every `crate::name` path in the code (comments left out), so an
//! upward `use` or a fully qualified call both fail it.

use std::fs;
use std::path::{Path, PathBuf};

/// Floor of each top-level module; `None` for the glue.
fn floor(module: &str) -> Option<Option<u8>> {
    Some(match module {
        "entry" => Some(4),
        "syscall" => Some(3),
        "process" | "exec" | "fs" | "tty" | "uaccess" => Some(2),
        "sched" | "mm" | "block" | "drivers" | "time" | "console" | "power" | "random" | "klog"
        | "report" => Some(1),
        "arch" | "sync" => Some(0),
        "main" | "boot" | "panic" | "selftest" | "kmain" => None,
        _ => return None,
    })
}

/// Whether `from` may name `to` although `to` is on a higher floor.
fn allowed_exception(from: &str, to: &str) -> bool {
    from == "arch" && to == "mm"
}

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-kernel/kernel/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read kernel source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`arch/x86_64/context.rs` → `arch`,
/// `klog.rs` → `klog`).
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).expect("file under the source root");
    let first = rel.components().next().expect("non-empty path");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Every `crate::name` in the code of `text` (line comments and doc comments left out).
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String =
                after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let boundary_ok =
                at == 0 || !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            if boundary_ok && !name.is_empty() {
                found.push((n + 1, name));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_higher_floor() {
    let root = source_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 50,
        "found only {} kernel source files under {}",
        files.len(),
        root.display()
    );
    let mut unknown = Vec::new();
    let mut violations = Vec::new();
    for file in &files {
        let from = module_of(&root, file);
        let Some(from_floor) = floor(&from) else {
            unknown.push(from.clone());
            continue;
        };
        let text = fs::read_to_string(file).expect("read source file");
        for (line, to) in crate_paths(&text) {
            let Some(to_floor) = floor(&to) else {
                unknown.push(to.clone());
                continue;
            };
            if let (Some(a), Some(b)) = (from_floor, to_floor)
                && b > a
                && !allowed_exception(&from, &to)
            {
                violations.push(format!(
                    "{}:{line}: `{from}` (floor {a}) names `crate::{to}` (floor {b})",
                    file.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "modules without a floor (add them to `floor` in this test and to DESIGN.md): {unknown:?}"
    );
    assert!(violations.is_empty(), "imports from a higher floor:\n{}", violations.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    // The scanner itself: a path in code counts, one in a comment does not.
    let text = "use crate::arch::UserContext;\n// crate::syscall in a comment\nlet x = crate::process::current::task(); // crate::fs\n";
    let names: Vec<String> = crate_paths(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["arch", "process"]);
    assert!(floor("process").unwrap() > floor("sched").unwrap());
    assert!(!allowed_exception("sched", "process"));
}
