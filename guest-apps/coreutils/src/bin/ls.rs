//! `ls [-l] [-a] [PATH...]`: lists directory entries, sorted by name, one per line. `-a`
//! includes names starting with a dot; `-l` adds mode, link count, owner ids, size. A path
//! that is not a directory is listed as itself.

use std::io::Write;
use std::os::unix::fs::MetadataExt;

/// `drwxr-xr-x`-style rendering of `st_mode` (POSIX `ls -l` format).
fn mode_string(mode: u32) -> String {
    let kind = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '-',
    };
    let mut s = String::from(kind);
    for (shift, special, special_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => special_char,
            (true, false) => special_char.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

fn entry_line(name: &str, meta: &std::fs::Metadata, long: bool) -> String {
    if long {
        format!(
            "{} {:>2} {:>5} {:>5} {:>8} {name}\n",
            mode_string(meta.mode()),
            meta.nlink(),
            meta.uid(),
            meta.gid(),
            meta.size()
        )
    } else {
        format!("{name}\n")
    }
}

fn main() {
    let mut long = false;
    let mut all = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-l" => long = true,
            "-a" => all = true,
            "-la" | "-al" => (long, all) = (true, true),
            _ => paths.push(arg),
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let mut out = std::io::stdout().lock();
    let mut status = 0;
    for (i, path) in paths.iter().enumerate() {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "ls: {path}: {}", coreutils::io_message(&e));
                status = 2;
                continue;
            }
        };
        if !meta.is_dir() {
            coreutils::write_stdout(&mut out, entry_line(path, &meta, long).as_bytes());
            continue;
        }
        if paths.len() > 1 {
            let sep = if i > 0 { "\n" } else { "" };
            coreutils::write_stdout(&mut out, format!("{sep}{path}:\n").as_bytes());
        }
        let mut entries: Vec<(String, std::fs::Metadata)> = Vec::new();
        match std::fs::read_dir(path) {
            Ok(dir) => {
                for entry in dir.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !all && name.starts_with('.') {
                        continue;
                    }
                    if let Ok(m) = entry.path().symlink_metadata() {
                        entries.push((name, m));
                    }
                }
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "ls: {path}: {}", coreutils::io_message(&e));
                status = 2;
                continue;
            }
        }
        if all {
            for dot in [".", ".."] {
                if let Ok(m) = std::fs::metadata(std::path::Path::new(path).join(dot)) {
                    entries.push((dot.into(), m));
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, m) in &entries {
            coreutils::write_stdout(&mut out, entry_line(name, m, long).as_bytes());
        }
    }
    let _ = out.flush();
    std::process::exit(status);
}
