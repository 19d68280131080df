//! `blkio write|check DEVICE OFFSET LEN SEED`: raw block-device I/O from user space.
//! `write` fills `[OFFSET, OFFSET+LEN)` of DEVICE with a pattern derived from SEED
//! (`pwrite`), `check` reads it back (`pread`) and compares. Prints `ok`, or the errno name
//! of the first failing call (for example EROFS when the disk is read-only).

use std::os::unix::fs::FileExt;

/// Byte `i` of the pattern for `seed`.
fn pattern(seed: u8, i: u64) -> u8 {
    (i as u8).wrapping_mul(29).wrapping_add(seed) ^ (i >> 9) as u8
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, dev, offset, len, seed] = &args[..] else {
        eprintln!("usage: blkio write|check DEVICE OFFSET LEN SEED");
        std::process::exit(2);
    };
    let (offset, len, seed): (u64, u64, u8) =
        (offset.parse().expect("offset"), len.parse().expect("len"), seed.parse().expect("seed"));
    let expected: Vec<u8> = (0..len).map(|i| pattern(seed, offset + i)).collect();
    let result = match mode.as_str() {
        "write" => std::fs::OpenOptions::new()
            .write(true)
            .open(dev)
            .and_then(|f| f.write_all_at(&expected, offset).and_then(|()| f.sync_all())),
        "check" => std::fs::File::open(dev).and_then(|f| {
            let mut got = vec![0u8; len as usize];
            f.read_exact_at(&mut got, offset)?;
            if got == expected {
                Ok(())
            } else {
                let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(0);
                println!("mismatch at byte {}", offset + at as u64);
                std::process::exit(1);
            }
        }),
        _ => {
            eprintln!("blkio: unknown mode {mode}");
            std::process::exit(2);
        }
    };
    match result {
        Ok(()) => println!("ok"),
        Err(e) => {
            println!("{}", e.raw_os_error().map_or_else(|| e.to_string(), difftests::errno_name));
            std::process::exit(1);
        }
    }
}
