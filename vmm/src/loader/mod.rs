//! Getting the kernel into the guest: read and check the ELF image, load its segments with
//! `linux-loader`, and write the PVH boot structures (start info, memory map, command line).

pub mod image;
pub mod pvh;
mod reader;

use linux_loader::loader::{KernelLoader, elf::Elf, elf::PvhBootCapability};
use vm_memory::{GuestAddress, GuestMemoryMmap};

pub use image::{ImageError, KernelImage, KernelInfo};
pub use pvh::BootError;

use crate::arch::x86_64::layout::HIGH_MEMORY_START;
use reader::ImageReader;

/// Why the kernel could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `linux-loader` rejected the image or could not copy it into guest memory.
    #[error("loading kernel '{name}' into guest memory: {source}")]
    Load {
        /// The kernel's name (path or "embedded").
        name: String,
        /// The loader's error.
        source: linux_loader::loader::Error,
    },
    /// The image has no PVH entry point (checked again after loading, as linux-loader sees it).
    #[error("kernel '{0}' has no PVH entry point note (XEN_ELFNOTE_PHYS32_ENTRY)")]
    NoPvhEntry(String),
}

/// Loads `image`'s segments at their physical addresses and returns the PVH entry point.
pub fn load_kernel(
    memory: &GuestMemoryMmap,
    image: &KernelImage,
) -> Result<GuestAddress, LoadError> {
    let mut reader = ImageReader::new(image.bytes());
    let loaded = Elf::load(memory, None, &mut reader, Some(GuestAddress(HIGH_MEMORY_START)))
        .map_err(|source| LoadError::Load { name: image.name().to_owned(), source })?;
    match loaded.pvh_boot_cap {
        PvhBootCapability::PvhEntryPresent(entry) => Ok(entry),
        _ => Err(LoadError::NoPvhEntry(image.name().to_owned())),
    }
}
