//! The auxiliary vector exec passes to a new program (System V x86-64 ABI 3.4.3 "Auxiliary
//! Vector"; Linux fs/binfmt_elf.c `create_elf_tables`, in Linux's order). `initial_stack::build`
//! appends AT_RANDOM, AT_EXECFN, AT_PLATFORM and the terminating AT_NULL.

use linux_raw_sys::auxvec::{
    AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_PAGESZ, AT_PHDR,
    AT_PHENT, AT_PHNUM, AT_SECURE, AT_SYSINFO_EHDR, AT_UID,
};

use super::elf::{LoadPlan, PAGE, PHDR_SIZE};
use crate::cred::Credentials;

/// Clock ticks per second reported as AT_CLKTCK (Linux's `USER_HZ`, what `times(2)` and
/// `sysconf(_SC_CLK_TCK)` count in).
pub const CLKTCK: u64 = 100;

/// The entries that depend on the image and the credentials: AT_HWCAP (`hwcap`, on x86
/// the CPUID leaf 1 EDX feature bits), AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM,
/// AT_BASE (0: no interpreter), AT_FLAGS (0), AT_ENTRY, the real and effective ids, and
/// AT_SECURE (`secure`: set-id exec, libc then ignores dangerous environment variables),
/// and first, as Linux, AT_SYSINFO_EHDR: the vDSO's ELF header (`vdso`), where the C
/// library finds `__vdso_clock_gettime` and the other clock reads.
pub fn entries(
    plan: &LoadPlan,
    creds: &Credentials,
    hwcap: u64,
    secure: bool,
    vdso: u64,
) -> [(u64, u64); 15] {
    [
        (u64::from(AT_SYSINFO_EHDR), vdso),
        (u64::from(AT_HWCAP), hwcap),
        (u64::from(AT_PAGESZ), PAGE),
        (u64::from(AT_CLKTCK), CLKTCK),
        (u64::from(AT_PHDR), plan.phdr),
        (u64::from(AT_PHENT), PHDR_SIZE as u64),
        (u64::from(AT_PHNUM), u64::from(plan.phnum)),
        (u64::from(AT_BASE), 0),
        (u64::from(AT_FLAGS), 0),
        (u64::from(AT_ENTRY), plan.entry),
        (u64::from(AT_UID), u64::from(creds.ruid)),
        (u64::from(AT_EUID), u64::from(creds.euid)),
        (u64::from(AT_GID), u64::from(creds.rgid)),
        (u64::from(AT_EGID), u64::from(creds.egid)),
        (u64::from(AT_SECURE), u64::from(secure)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn values_come_from_plan_and_credentials() {
        let plan = LoadPlan {
            segments: Vec::new(),
            entry: 0x401000,
            phdr: 0x400040,
            phnum: 4,
            brk: 0x500000,
            bias: 0,
            exec_stack: false,
        };
        let mut creds = Credentials::new(1000, 100);
        creds.euid = 0;
        let aux = entries(&plan, &creds, 0x178b_fbff, true, 0x7fff_f7ff_d000);
        let get = |k: u32| aux.iter().find(|e| e.0 == u64::from(k)).unwrap().1;
        assert_eq!(get(AT_ENTRY), 0x401000);
        assert_eq!(get(AT_PHDR), 0x400040);
        assert_eq!(get(AT_PHNUM), 4);
        assert_eq!(get(AT_PHENT), 56);
        assert_eq!((get(AT_UID), get(AT_EUID), get(AT_GID)), (1000, 0, 100));
        assert_eq!(get(AT_SECURE), 1);
        assert_eq!(get(AT_CLKTCK), 100);
        assert_eq!(get(AT_HWCAP), 0x178b_fbff);
        assert_eq!(get(AT_SYSINFO_EHDR), 0x7fff_f7ff_d000);
    }
}
