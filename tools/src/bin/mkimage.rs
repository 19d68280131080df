//! `mkimage --out IMG [--add HOST:GUEST[:MODE[:UID:GID]]]... [--size MIB] [--no-default]`:
//! builds an ext2 disk image with the guest programs (unless `--no-default`) plus whatever
//! is added, with the host's modes and owners or the ones given (`tools::image::Entry`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tools::guest_build;
use tools::image::{self, Entry, ImageSpec};

/// Build an ext2 disk image for the guest.
#[derive(Parser)]
#[command(name = "mkimage")]
struct Args {
    /// Image file to write (replaced if it exists).
    #[arg(long, value_name = "IMG")]
    out: PathBuf,
    /// Add a host file or directory at a guest path, keeping its mode and owner (setuid,
    /// setgid and sticky bits included) unless MODE (octal, e.g. 4755), UID and GID are
    /// given; they apply to GUEST itself, and an empty field keeps the host's value.
    #[arg(long, value_name = "HOST:GUEST[:MODE[:UID:GID]]")]
    add: Vec<String>,
    /// Image size in MiB (default: fitted to the content).
    #[arg(long, value_name = "MIB")]
    size: Option<u64>,
    /// Leave out the default guest programs.
    #[arg(long)]
    no_default: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mkimage: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut spec = if args.no_default {
        ImageSpec {
            dirs: image::MOUNT_POINTS.iter().map(|d| d.to_string()).collect(),
            entries: vec![],
        }
    } else {
        let root = guest_build::repo_root();
        let apps = guest_build::apps(&root, &guest_build::IMAGE_PACKAGES)?;
        image::default_spec(&apps, &root.join("guest-apps").join("rootfs"))?
    };
    for add in &args.add {
        spec.entries.push(Entry::parse(add)?);
    }
    image::build(&spec, &args.out, args.size)?;
    Ok(())
}
