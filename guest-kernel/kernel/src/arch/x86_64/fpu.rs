//! The user's floating-point and SSE state at exec.
//!
//! The kernel never uses the FPU or SSE registers (its target is soft-float), so they hold
//! whatever user code last put there, and nothing saves or restores them while one task
//! runs. A new program must not start with the previous one's values (an information
//! leak) or its control words (a changed rounding mode or unmasked exceptions would change
//! the new program's arithmetic): exec loads the architectural reset state, as Linux's
//! `fpu__clear_user_states` does.
//!
//! One `fxrstor` of a clean image does it (x87 control word 0x37F, MXCSR 0x1F80, every
//! register zero): the hypervisor's instruction emulator knows it, and it is a single
//! instruction where `fninit` plus `ldmxcsr` plus sixteen register clears would be
//! eighteen.

use core::arch::asm;

/// An `fxsave` image of the reset state (512 bytes, 16-byte aligned).
#[repr(C, align(16))]
struct FxImage([u8; 512]);

static CLEAN: FxImage = {
    let mut image = [0u8; 512];
    // FCW at offset 0: 0x037F (all exceptions masked, 64-bit precision, round to nearest).
    image[0] = 0x7f;
    image[1] = 0x03;
    // MXCSR at offset 24: 0x1F80 (all SSE exceptions masked, round to nearest).
    image[24] = 0x80;
    image[25] = 0x1f;
    FxImage(image)
};

/// Loads the reset x87/SSE state (at exec).
pub fn reset_user_state() {
    // SAFETY: `CLEAN` is a valid, 16-byte aligned FXSAVE image with no reserved MXCSR bits
    // set (CR4.OSFXSR is on); the kernel does not use these registers.
    unsafe { asm!("fxrstor64 [{}]", in(reg) &CLEAN, options(nostack, readonly, preserves_flags)) };
}
