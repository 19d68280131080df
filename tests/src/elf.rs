//! Tiny PVH kernels made on the fly, to test how the vmm treats images and guests that our
//! real kernel never produces (a triple fault, a wrong machine, a missing PVH note, ...).
//!
//! The image is one ELF64 file loaded at 1 MiB: header, two program headers (PT_LOAD over
//! the whole file, PT_NOTE over the note), the Xen PVH entry note, then 32-bit code.

/// Physical load address of the synthetic kernels.
pub const LOAD_ADDR: u64 = 0x10_0000;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const NOTE_SIZE: usize = 20;

/// 32-bit code: `mov eax, status; out 0xf4, eax; hlt`.
pub fn code_exit(status: u32) -> Vec<u8> {
    let mut code = vec![0xb8];
    code.extend_from_slice(&status.to_le_bytes());
    code.extend_from_slice(&[0xe7, 0xf4, 0xf4]);
    code
}

/// 32-bit code: `ud2`, which with the vmm's empty boot IDT escalates to a triple fault.
pub fn code_triple_fault() -> Vec<u8> {
    vec![0x0f, 0x0b]
}

/// Builds a PVH kernel ELF whose entry runs `code`. `with_note` false leaves out the PVH note.
pub fn pvh_kernel(code: &[u8], with_note: bool) -> Vec<u8> {
    let code_off = EHDR_SIZE + 2 * PHDR_SIZE + NOTE_SIZE;
    let entry = LOAD_ADDR + code_off as u64;
    let total = code_off + code.len();
    let mut f = Vec::with_capacity(total);
    // ELF header (System V gABI, "ELF Header").
    f.extend_from_slice(b"\x7fELF");
    f.extend_from_slice(&[2, 1, 1, 0]); // ELFCLASS64, little-endian, version 1, SysV ABI
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&entry.to_le_bytes());
    f.extend_from_slice(&(EHDR_SIZE as u64).to_le_bytes()); // e_phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    f.extend_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    f.extend_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes()); // e_phnum
    f.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
    f.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
    f.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    // PT_LOAD: the whole file, RWX, at LOAD_ADDR.
    phdr(&mut f, 1, 7, 0, LOAD_ADDR, total as u64, 0x1000);
    // PT_NOTE: the note (or, without it, an empty note segment).
    let note_off = (EHDR_SIZE + 2 * PHDR_SIZE) as u64;
    let note_len = if with_note { NOTE_SIZE as u64 } else { 0 };
    phdr(&mut f, 4, 4, note_off, LOAD_ADDR + note_off, note_len, 4);
    // The note: namesz 4, descsz 4, type XEN_ELFNOTE_PHYS32_ENTRY (18), "Xen\0", entry.
    for word in [4u32, 4, if with_note { 18 } else { 0 }] {
        f.extend_from_slice(&word.to_le_bytes());
    }
    f.extend_from_slice(b"Xen\0");
    f.extend_from_slice(&(entry as u32).to_le_bytes());
    f.extend_from_slice(code);
    f
}

#[allow(clippy::too_many_arguments)]
fn phdr(f: &mut Vec<u8>, kind: u32, flags: u32, offset: u64, addr: u64, size: u64, align: u64) {
    f.extend_from_slice(&kind.to_le_bytes());
    f.extend_from_slice(&flags.to_le_bytes());
    for v in [offset, addr, addr, size, size, align] {
        f.extend_from_slice(&v.to_le_bytes());
    }
}

/// Sets `e_machine` (for "wrong architecture" images).
pub fn set_machine(elf: &mut [u8], machine: u16) {
    elf[18..20].copy_from_slice(&machine.to_le_bytes());
}

/// Sets the ELF class byte (1 = 32-bit).
pub fn set_class(elf: &mut [u8], class: u8) {
    elf[4] = class;
}

/// Moves the PT_LOAD segment's physical address (for "segment below 1 MiB").
pub fn set_load_paddr(elf: &mut [u8], paddr: u64) {
    let off = EHDR_SIZE + 24; // p_paddr of the first program header
    elf[off..off + 8].copy_from_slice(&paddr.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_consistent() {
        let elf = pvh_kernel(&code_exit(3), true);
        assert_eq!(&elf[..4], b"\x7fELF");
        let entry = u64::from_le_bytes(elf[24..32].try_into().unwrap());
        let code_off = (entry - LOAD_ADDR) as usize;
        assert_eq!(&elf[code_off..], &code_exit(3)[..]);
        let note_entry = u32::from_le_bytes(elf[code_off - 4..code_off].try_into().unwrap());
        assert_eq!(u64::from(note_entry), entry);
    }
}
