//! Segment descriptors for the vCPU's initial state (Intel SDM vol. 3A, 3.4.5).
//!
//! KVM takes segment registers as unpacked `kvm_segment`s, but the same descriptors are also
//! written to guest memory as a GDT, so both forms come from one packed `u64` here.

use kvm_bindings::kvm_segment;

/// Flags of a flat 32-bit code segment: G, D/B, P, S, type 0xb (execute/read, accessed).
pub const CODE32_FLAGS: u16 = 0xc09b;
/// Flags of a flat 32-bit data segment: G, D/B, P, S, type 0x3 (read/write, accessed).
pub const DATA32_FLAGS: u16 = 0xc093;
/// Flags of a 32-bit busy TSS: P, type 0xb.
pub const TSS32_FLAGS: u16 = 0x008b;

/// Packs a descriptor from its flags (bits 8..16 of the high dword's access byte and the
/// G/DB/L/AVL nibble, as in `CODE32_FLAGS`), base and 20-bit limit.
pub const fn descriptor(flags: u16, base: u32, limit: u32) -> u64 {
    let (flags, base, limit) = (flags as u64, base as u64, limit as u64);
    ((base & 0xff00_0000) << (56 - 24))
        | ((flags & 0x0000_f0ff) << 40)
        | ((limit & 0x000f_0000) << (48 - 16))
        | ((base & 0x00ff_ffff) << 16)
        | (limit & 0x0000_ffff)
}

/// Unpacks descriptor `entry` loaded with selector `selector` into KVM's form.
pub fn kvm_segment_from(entry: u64, selector: u16) -> kvm_segment {
    let bit = |n: u32| ((entry >> n) & 1) as u8;
    let base = ((entry >> 16) & 0x00ff_ffff) | ((entry >> 32) & 0xff00_0000);
    let raw_limit = ((entry & 0xffff) | ((entry >> 32) & 0x000f_0000)) as u32;
    // With G set the limit counts 4 KiB pages; KVM wants the byte limit.
    let limit = if bit(55) == 1 { (raw_limit << 12) | 0xfff } else { raw_limit };
    let present = bit(47);
    kvm_segment {
        base,
        limit,
        selector,
        type_: ((entry >> 40) & 0xf) as u8,
        present,
        dpl: ((entry >> 45) & 0x3) as u8,
        db: bit(54),
        s: bit(44),
        l: bit(53),
        g: bit(55),
        avl: bit(52),
        unusable: u8::from(present == 0),
        padding: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_code_segment_round_trips() {
        let entry = descriptor(CODE32_FLAGS, 0, 0xfffff);
        assert_eq!(entry, 0x00cf_9b00_0000_ffff);
        let seg = kvm_segment_from(entry, 0x08);
        assert_eq!((seg.base, seg.limit, seg.selector), (0, 0xffff_ffff, 0x08));
        assert_eq!((seg.type_, seg.present, seg.s, seg.db, seg.l, seg.g), (0xb, 1, 1, 1, 0, 1));
        assert_eq!(seg.unusable, 0);
    }

    #[test]
    fn tss_has_byte_granular_limit() {
        let seg = kvm_segment_from(descriptor(TSS32_FLAGS, 0x1234_5678, 0x67), 0x18);
        assert_eq!((seg.base, seg.limit, seg.type_, seg.s, seg.g), (0x1234_5678, 0x67, 0xb, 0, 0));
    }

    #[test]
    fn absent_segment_is_unusable() {
        assert_eq!(kvm_segment_from(0, 0).unusable, 1);
    }
}
