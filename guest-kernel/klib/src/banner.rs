//! The one-line boot banner. Tests parse it, so its format is fixed here, in one place.

use core::fmt;

/// What the banner reports.
#[derive(Clone, Copy, Debug)]
pub struct Banner<'a> {
    /// The kernel's version (`CARGO_PKG_VERSION` of the kernel crate).
    pub version: &'a str,
    /// Sum of the RAM regions of the memory map, in KiB.
    pub total_kib: u64,
    /// Number of RAM regions in the memory map.
    pub ram_regions: usize,
    /// What the frame allocator can still hand out, in KiB.
    pub free_kib: u64,
    /// The kernel command line as given.
    pub cmdline: &'a str,
}

impl fmt::Display for Banner<'_> {
    /// `vmm-kernel 0.1.0: 130559 KiB RAM in 2 regions, 126000 KiB free, cmdline "exit=3"`.
    /// Control characters in the command line become spaces so the banner stays one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vmm-kernel {}: {} KiB RAM in {} regions, {} KiB free, cmdline \"",
            self.version, self.total_kib, self.ram_regions, self.free_kib
        )?;
        for (i, part) in self.cmdline.split(char::is_control).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn format_is_stable() {
        let b = Banner {
            version: "0.1.0",
            total_kib: 130559,
            ram_regions: 2,
            free_kib: 126000,
            cmdline: "exit=3",
        };
        assert_eq!(
            b.to_string(),
            r#"vmm-kernel 0.1.0: 130559 KiB RAM in 2 regions, 126000 KiB free, cmdline "exit=3""#
        );
    }

    #[test]
    fn control_characters_become_spaces() {
        let b = Banner {
            version: "0.1.0",
            total_kib: 1,
            ram_regions: 1,
            free_kib: 0,
            cmdline: "a\nb\tc",
        };
        assert!(b.to_string().ends_with(r#"cmdline "a b c""#));
        let empty = Banner { cmdline: "", ..b };
        assert!(empty.to_string().ends_with(r#"cmdline """#));
    }
}
