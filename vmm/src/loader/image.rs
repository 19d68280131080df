//! The kernel image: where it comes from, and the checks that turn a wrong file into one
//! clear sentence before any of it reaches guest memory.

use std::borrow::Cow;
use std::path::Path;

use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_EXEC, PT_LOAD, PT_NOTE};
use elf::endian::AnyEndian;
use elf::note::Note;

use crate::arch::x86_64::layout::HIGH_MEMORY_START;

use crate::embedded::EMBEDDED_KERNEL;

/// Xen's ELF note type for the 32-bit PVH entry point (xen/include/public/elfnote.h).
const XEN_ELFNOTE_PHYS32_ENTRY: u64 = 18;

/// Why a file is not a kernel this vmm can boot.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The file could not be read.
    #[error("cannot read kernel '{path}': {source}")]
    Read {
        /// The path given.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// No ELF magic.
    #[error("kernel '{0}' is not an ELF file")]
    NotElf(String),
    /// An ELF, but not 64-bit little-endian x86_64.
    #[error("kernel '{name}' is {what}, not an x86_64 ELF")]
    WrongArch {
        /// The kernel's name.
        name: String,
        /// What it is instead.
        what: String,
    },
    /// An x86_64 ELF that is not a static executable.
    #[error("kernel '{name}' is an ELF of type {e_type}, not an executable (ET_EXEC)")]
    NotExecutable {
        /// The kernel's name.
        name: String,
        /// Its `e_type`.
        e_type: u16,
    },
    /// Structurally broken (truncated, offsets outside the file).
    #[error("kernel '{name}' is a malformed ELF: {detail}")]
    Malformed {
        /// The kernel's name.
        name: String,
        /// What the parser found.
        detail: String,
    },
    /// Nothing to load.
    #[error("kernel '{0}' has no loadable segments")]
    NoSegments(String),
    /// A segment would overwrite the vmm's boot structures in low memory.
    #[error("kernel '{name}' loads a segment at {addr:#x}, below 1 MiB where boot structures live")]
    LowSegment {
        /// The kernel's name.
        name: String,
        /// The segment's physical address.
        addr: u64,
    },
    /// No PVH entry note.
    #[error(
        "kernel '{0}' has no PVH entry point note (XEN_ELFNOTE_PHYS32_ENTRY); only PVH kernels can be booted"
    )]
    NoPvhNote(String),
}

/// Facts about a checked image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelInfo {
    /// Lowest physical address a segment is loaded at.
    pub load_start: u64,
    /// End (exclusive) of the highest loaded segment, including zero-filled `.bss`.
    pub load_end: u64,
    /// The 32-bit PVH entry point.
    pub pvh_entry: u64,
}

/// A kernel image held in memory, with a name for messages.
pub struct KernelImage {
    name: String,
    bytes: Cow<'static, [u8]>,
    info: KernelInfo,
}

impl KernelImage {
    /// The kernel built into this binary.
    pub fn embedded() -> Result<Self, ImageError> {
        Self::from_bytes("embedded".into(), Cow::Borrowed(EMBEDDED_KERNEL))
    }

    /// Reads and checks the kernel at `path`.
    pub fn from_file(path: &Path) -> Result<Self, ImageError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|source| ImageError::Read { path: name.clone(), source })?;
        Self::from_bytes(name, Cow::Owned(bytes))
    }

    /// Checks `bytes` as a bootable kernel called `name`.
    pub fn from_bytes(name: String, bytes: Cow<'static, [u8]>) -> Result<Self, ImageError> {
        let info = inspect(&name, &bytes)?;
        Ok(KernelImage { name, bytes, info })
    }

    /// The name used in messages: the path, or "embedded".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw ELF bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What the checks found.
    pub fn info(&self) -> KernelInfo {
        self.info
    }
}

/// Names a machine type for a message.
fn machine_name(e_machine: u16) -> String {
    match e_machine {
        3 => "an i386 ELF".into(),
        40 => "an ARM ELF".into(),
        183 => "an AArch64 ELF".into(),
        243 => "a RISC-V ELF".into(),
        other => format!("an ELF for machine {other}"),
    }
}

/// Checks that `bytes` is a 64-bit little-endian x86_64 executable with loadable segments
/// above 1 MiB that lie within the file, and a PVH entry note.
pub fn inspect(name: &str, bytes: &[u8]) -> Result<KernelInfo, ImageError> {
    let malformed =
        |e: elf::ParseError| ImageError::Malformed { name: name.into(), detail: e.to_string() };
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err(ImageError::NotElf(name.into()));
    }
    // e_ident[EI_CLASS] and e_ident[EI_DATA] decide how the rest parses, so check them first.
    match bytes.get(4..6) {
        Some([2, 1]) => {}
        Some([1, _]) => {
            return Err(ImageError::WrongArch { name: name.into(), what: "a 32-bit ELF".into() });
        }
        Some([2, 2]) => {
            return Err(ImageError::WrongArch {
                name: name.into(),
                what: "a big-endian ELF".into(),
            });
        }
        _ => {
            return Err(ImageError::Malformed {
                name: name.into(),
                detail: "bad ELF class or byte order".into(),
            });
        }
    }
    let file = ElfBytes::<AnyEndian>::minimal_parse(bytes).map_err(malformed)?;
    let hdr = &file.ehdr;
    if hdr.e_machine != EM_X86_64 {
        return Err(ImageError::WrongArch { name: name.into(), what: machine_name(hdr.e_machine) });
    }
    if hdr.e_type != ET_EXEC {
        return Err(ImageError::NotExecutable { name: name.into(), e_type: hdr.e_type });
    }
    let segments = file.segments().ok_or_else(|| ImageError::NoSegments(name.into()))?;

    let mut span: Option<(u64, u64)> = None;
    let mut pvh_entry = None;
    for phdr in segments.iter() {
        match phdr.p_type {
            PT_LOAD if phdr.p_memsz > 0 => {
                let file_end = phdr.p_offset.checked_add(phdr.p_filesz);
                if file_end.is_none_or(|end| end > bytes.len() as u64)
                    || phdr.p_filesz > phdr.p_memsz
                {
                    return Err(ImageError::Malformed {
                        name: name.into(),
                        detail: format!(
                            "segment at file offset {:#x} extends past the end of the file",
                            phdr.p_offset
                        ),
                    });
                }
                if phdr.p_paddr < HIGH_MEMORY_START {
                    return Err(ImageError::LowSegment { name: name.into(), addr: phdr.p_paddr });
                }
                let end = phdr.p_paddr.checked_add(phdr.p_memsz).ok_or_else(|| {
                    ImageError::Malformed {
                        name: name.into(),
                        detail: "segment address overflows".into(),
                    }
                })?;
                let (lo, hi) = span.unwrap_or((u64::MAX, 0));
                span = Some((lo.min(phdr.p_paddr), hi.max(end)));
            }
            PT_NOTE => {
                let notes = file.segment_data_as_notes(&phdr).map_err(malformed)?;
                for note in notes {
                    if let Note::Unknown(any) = note
                        && any.n_type == XEN_ELFNOTE_PHYS32_ENTRY
                        && any.name.strip_suffix(b"\0").unwrap_or(any.name) == b"Xen"
                        && let Some(addr) = any.desc.get(..4)
                    {
                        pvh_entry = Some(u64::from(u32::from_le_bytes([
                            addr[0], addr[1], addr[2], addr[3],
                        ])));
                    }
                }
            }
            _ => {}
        }
    }
    let (load_start, load_end) = span.ok_or_else(|| ImageError::NoSegments(name.into()))?;
    let pvh_entry = pvh_entry.ok_or_else(|| ImageError::NoPvhNote(name.into()))?;
    Ok(KernelInfo { load_start, load_end, pvh_entry })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_kernel_is_bootable() {
        let image = KernelImage::embedded().unwrap();
        let info = image.info();
        assert!(info.load_start >= HIGH_MEMORY_START);
        assert!(info.load_end > info.load_start);
        assert!((info.load_start..info.load_end).contains(&info.pvh_entry));
    }

    #[test]
    fn text_is_not_elf() {
        assert!(matches!(inspect("t", b"#!/bin/sh\necho hi\n"), Err(ImageError::NotElf(_))));
        assert!(matches!(inspect("t", b""), Err(ImageError::NotElf(_))));
    }

    #[test]
    fn other_machines_are_named() {
        let mut bytes = EMBEDDED_KERNEL.to_vec();
        bytes[18..20].copy_from_slice(&183u16.to_le_bytes());
        let err = inspect("k", &bytes).unwrap_err().to_string();
        assert_eq!(err, "kernel 'k' is an AArch64 ELF, not an x86_64 ELF");
    }

    #[test]
    fn truncated_image_is_malformed() {
        let bytes = &EMBEDDED_KERNEL[..EMBEDDED_KERNEL.len() / 2];
        assert!(matches!(inspect("k", bytes), Err(ImageError::Malformed { .. })));
    }

    #[test]
    fn header_only_is_malformed() {
        let bytes = &EMBEDDED_KERNEL[..40];
        assert!(matches!(inspect("k", bytes), Err(ImageError::Malformed { .. })));
    }
}
