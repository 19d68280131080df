//! The PVH boot structures: `hvm_start_info`, its memory map and the command line, plus the
//! boot GDT/IDT the entry state refers to.

use linux_loader::cmdline::Cmdline;
use linux_loader::configurator::pvh::PvhBootConfigurator;
use linux_loader::configurator::{BootConfigurator, BootParams};
use linux_loader::loader::elf::start_info::{hvm_memmap_table_entry, hvm_start_info};
use linux_loader::loader::load_cmdline;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use crate::arch::x86_64::layout::{
    BOOT_GDT_ADDR, BOOT_IDT_ADDR, CMDLINE_ADDR, CMDLINE_MAX_SIZE, ENTROPY_ADDR, MEMMAP_ADDR,
    MEMMAP_MAX_ENTRIES, START_INFO_ADDR,
};
use crate::arch::x86_64::memmap::MemoryRegion;
use crate::arch::x86_64::regs::BOOT_GDT;

/// `hvm_start_info.magic` (xen/include/public/arch-x86/hvm/start_info.h).
const XEN_HVM_START_MAGIC_VALUE: u32 = 0x336e_c578;

/// Why the boot structures could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The user's command line is not acceptable.
    #[error("invalid kernel command line: {0}")]
    Cmdline(linux_loader::cmdline::Error),
    /// Too many memory-map entries for the table's space.
    #[error("memory map has {0} entries, more than the {MEMMAP_MAX_ENTRIES} that fit")]
    MemmapTooLarge(usize),
    /// Writing start info or the memory map failed.
    #[error("writing the PVH boot parameters: {0}")]
    Params(linux_loader::configurator::Error),
    /// Writing the command line failed.
    #[error("writing the kernel command line: {0}")]
    WriteCmdline(linux_loader::loader::Error),
    /// Writing the boot GDT/IDT or the entropy page failed.
    #[error("writing the boot structures: {0}")]
    Gdt(vm_memory::GuestMemoryError),
    /// The host's `getrandom(2)` failed.
    #[error("reading the guest's entropy seed from the host: {0}")]
    Entropy(std::io::Error),
}

impl BootError {
    /// A bad `--cmdline` is the user's to fix; the rest are vmm faults.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, BootError::Cmdline(_))
    }
}

/// Fills `buf` from the host's `getrandom(2)`.
fn fill_random(buf: &mut [u8]) -> std::io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        // SAFETY: writes at most `buf.len() - filled` bytes into `buf` past `filled`.
        let n =
            unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), buf.len() - filled, 0) };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        } else {
            filled += n as usize;
        }
    }
    Ok(())
}

/// Builds the kernel command line from the user's `--cmdline` text.
pub fn build_cmdline(user: &str) -> Result<Cmdline, BootError> {
    let mut cmdline = Cmdline::new(CMDLINE_MAX_SIZE).map_err(BootError::Cmdline)?;
    if !user.trim().is_empty() {
        cmdline.insert_str(user).map_err(BootError::Cmdline)?;
    }
    Ok(cmdline)
}

/// Appends the user's `--cmdline` text to a command line the vmm has started.
pub fn append_cmdline(cmdline: &mut Cmdline, user: &str) -> Result<(), BootError> {
    if !user.trim().is_empty() {
        cmdline.insert_str(user).map_err(BootError::Cmdline)?;
    }
    Ok(())
}

/// Tells the kernel whether console port 0 is a terminal (`vmm_abi::console`):
/// `console.tty=1` when it is, nothing when it is not (the kernel's default).
pub fn append_console_tty(cmdline: &mut Cmdline, tty: bool) -> Result<(), BootError> {
    use vmm_abi::console::{TTY_ON, TTY_PARAM};
    if tty {
        cmdline.insert(TTY_PARAM, TTY_ON).map_err(BootError::Cmdline)?;
    }
    Ok(())
}

/// Appends the program for init: `init.env=` for each variable, `init.user=` for `--user`,
/// `verbose` if asked, then `--` and the arguments, all percent-encoded (see
/// `vmm_abi::args` and `vmm_abi::user`).
pub fn append_program(
    cmdline: &mut Cmdline,
    env: &[std::ffi::OsString],
    user: Option<&str>,
    verbose: bool,
    command: &[std::ffi::OsString],
) -> Result<(), BootError> {
    use std::os::unix::ffi::OsStrExt;
    use vmm_abi::args::{ENV_PARAM, VERBOSE_PARAM, encode};
    let encoded = |word: &std::ffi::OsStr| {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(word.as_bytes(), &mut out);
        out
    };
    for var in env {
        cmdline.insert(ENV_PARAM, &encoded(var)).map_err(BootError::Cmdline)?;
    }
    if let Some(user) = user {
        let value = encoded(user.as_ref());
        cmdline.insert(vmm_abi::user::USER_PARAM, &value).map_err(BootError::Cmdline)?;
    }
    if verbose {
        cmdline.insert_str(VERBOSE_PARAM).map_err(BootError::Cmdline)?;
    }
    if !command.is_empty() {
        let words: Vec<String> = command.iter().map(|w| encoded(w)).collect();
        cmdline.insert_init_args(words.join(" ")).map_err(BootError::Cmdline)?;
    }
    Ok(())
}

/// Writes everything the PVH entry state points at. Returns the `hvm_start_info` address
/// to pass in EBX.
pub fn write_boot_structures(
    memory: &GuestMemoryMmap,
    cmdline: &Cmdline,
    memmap: &[MemoryRegion],
) -> Result<GuestAddress, BootError> {
    for (i, entry) in BOOT_GDT.iter().enumerate() {
        memory
            .write_obj(*entry, GuestAddress(BOOT_GDT_ADDR + 8 * i as u64))
            .map_err(BootError::Gdt)?;
    }
    memory.write_obj(0u64, GuestAddress(BOOT_IDT_ADDR)).map_err(BootError::Gdt)?;

    let mut seed = [0u8; vmm_abi::entropy::SEED_LEN];
    fill_random(&mut seed).map_err(BootError::Entropy)?;
    memory.write_slice(&seed, GuestAddress(ENTROPY_ADDR)).map_err(BootError::Gdt)?;

    load_cmdline(memory, GuestAddress(CMDLINE_ADDR), cmdline).map_err(BootError::WriteCmdline)?;

    if memmap.len() > MEMMAP_MAX_ENTRIES {
        return Err(BootError::MemmapTooLarge(memmap.len()));
    }
    let entries: Vec<hvm_memmap_table_entry> = memmap
        .iter()
        .map(|r| hvm_memmap_table_entry { addr: r.addr, size: r.size, type_: r.kind, reserved: 0 })
        .collect();
    let start_info = hvm_start_info {
        magic: XEN_HVM_START_MAGIC_VALUE,
        version: 1,
        cmdline_paddr: CMDLINE_ADDR,
        memmap_paddr: MEMMAP_ADDR,
        memmap_entries: entries.len() as u32,
        ..Default::default()
    };
    let mut params = BootParams::new(&start_info, GuestAddress(START_INFO_ADDR));
    params.set_sections(&entries, GuestAddress(MEMMAP_ADDR));
    PvhBootConfigurator::write_bootparams(&params, memory).map_err(BootError::Params)?;
    Ok(GuestAddress(START_INFO_ADDR))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::x86_64::memmap;

    #[test]
    fn start_info_points_at_map_and_cmdline() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 16 << 20)]).unwrap();
        let map = memmap::build(16 << 20);
        let addr =
            write_boot_structures(&mem, &build_cmdline("exit=7 panic=now").unwrap(), &map).unwrap();
        let info: hvm_start_info = mem.read_obj(addr).unwrap();
        assert_eq!(info.magic, XEN_HVM_START_MAGIC_VALUE);
        assert_eq!(info.memmap_entries as usize, map.len());
        let first: hvm_memmap_table_entry = mem.read_obj(GuestAddress(info.memmap_paddr)).unwrap();
        assert_eq!((first.addr, first.size, first.type_), (map[0].addr, map[0].size, map[0].kind));
        let mut text = [0u8; 17];
        mem.read_slice(&mut text, GuestAddress(info.cmdline_paddr)).unwrap();
        assert_eq!(&text, b"exit=7 panic=now\0");
    }

    #[test]
    fn entropy_page_is_filled() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap();
        write_boot_structures(&mem, &build_cmdline("").unwrap(), &memmap::build(1 << 20)).unwrap();
        let mut seed = [0u8; vmm_abi::entropy::SEED_LEN];
        mem.read_slice(&mut seed, GuestAddress(ENTROPY_ADDR)).unwrap();
        assert!(seed.iter().any(|&b| b != 0), "64 random bytes are never all zero in practice");
    }

    #[test]
    fn empty_cmdline_is_just_a_nul() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap();
        write_boot_structures(&mem, &build_cmdline("  ").unwrap(), &memmap::build(1 << 20))
            .unwrap();
        assert_eq!(mem.read_obj::<u8>(GuestAddress(CMDLINE_ADDR)).unwrap(), 0);
    }

    #[test]
    fn program_goes_after_the_separator_encoded() {
        let mut cmdline = build_cmdline("exit=1").unwrap();
        let env = ["A=b c".into()];
        let command = ["/bin/hello".into(), "a".into(), "b c".into(), "".into()];
        append_program(&mut cmdline, &env, Some("user:0"), true, &command).unwrap();
        assert_eq!(
            cmdline.as_cstring().unwrap().to_str().unwrap(),
            "exit=1 init.env=A=b%20c init.user=user:0 verbose -- /bin/hello a b%20c %00%"
        );
    }

    #[test]
    fn console_tty_only_for_a_terminal() {
        let mut cmdline = build_cmdline("").unwrap();
        append_console_tty(&mut cmdline, false).unwrap();
        assert_eq!(cmdline.as_cstring().unwrap().to_str().unwrap(), "");
        append_console_tty(&mut cmdline, true).unwrap();
        append_cmdline(&mut cmdline, "console.tty=0").unwrap();
        assert_eq!(
            cmdline.as_cstring().unwrap().to_str().unwrap(),
            "console.tty=1 console.tty=0",
            "before the user's text, which can override it"
        );
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(build_cmdline("exit=1\u{1}").unwrap_err().is_bad_input());
        assert!(build_cmdline(&"x".repeat(CMDLINE_MAX_SIZE)).is_err());
    }
}
