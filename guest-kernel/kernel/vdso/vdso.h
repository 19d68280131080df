/*
 * The data page the kernel shares read-only with every process's vDSO (the "vvar" page,
 * one page below the vDSO's ELF header). Must match `VvarData` in
 * guest-kernel/kernel/src/time/vdso.rs field for field.
 */
#ifndef VDSO_H
#define VDSO_H

typedef unsigned int u32;
typedef unsigned long u64;

struct vvar_data {
	/* Even when the fields below are consistent; odd while the kernel rewrites them
	 * (the pvclock version protocol): readers retry while odd or changed. */
	volatile u32 seq;
	/* Non-zero once the kernel filled in the clock (`time::clock::init`). */
	volatile u32 valid;
	/* TSC value at monotonic time 0 (`clock::BOOT_TSC`). */
	volatile u64 boot_tsc;
	/* Wall-clock time in ns since the epoch at monotonic 0 (`clock::BOOT_WALL_NS`). */
	volatile u64 boot_wall_ns;
	/* TSC frequency in kHz, from kvm-clock's scale (`time::tsc_khz`). */
	volatile u64 tsc_khz;
};

#endif
