//! The user's floating-point and SSE state: reset at exec, saved and restored at task
//! switches.
//!
//! The kernel never uses the FPU or SSE registers (its target is soft-float), so they hold
//! whatever the running task's user code last put there. The scheduler saves them into
//! the task it switches away from ([`save`]) and loads the next task's ([`restore`]): one
//! `fxsave64` and one `fxrstor64`, which the hypervisor's emulator executes as single
//! instructions. A new program must not start with the previous one's values (an information
//! leak) or its control words (a changed rounding mode or unmasked exceptions would change
//! the new program's arithmetic): exec loads the architectural reset state, as Linux's
//! `fpu__clear_user_states` does.
//!
//! One `fxrstor` of a clean image does it (x87 control word 0x37F, MXCSR 0x1F80, every
//! register zero): the hypervisor's instruction emulator knows it, and it is a single
//! instruction where `fninit` plus `ldmxcsr` plus sixteen register clears would be
//! eighteen.

use core::arch::asm;
use core::sync::atomic::{AtomicU32, Ordering};

/// An `fxsave` image (512 bytes, 16-byte aligned): a task's saved user FPU/SSE state.
#[repr(C, align(16))]
#[derive(Clone)]
pub struct FxImage([u8; 512]);

impl FxImage {
    /// The reset state (what exec loads).
    pub fn clean() -> Self {
        CLEAN.clone()
    }

    /// The image's bytes, to fill from user memory before [`FxImage::make_loadable`].
    pub fn bytes_mut(&mut self) -> &mut [u8; 512] {
        &mut self.0
    }

    /// Makes an image that came from user memory (`rt_sigreturn`) safe to load: MXCSR bits
    /// the CPU does not support are cleared (`fxrstor` would fault in the kernel on them),
    /// as Linux's `fpu__restore_sig` sanitizes them.
    pub fn make_loadable(&mut self) {
        let b = &mut self.0;
        let mxcsr = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
        b[24..28].copy_from_slice(&(mxcsr & mxcsr_mask()).to_le_bytes());
        b[28..32].fill(0);
    }
}

/// The MXCSR bits this CPU supports (`MXCSR_MASK` of an `fxsave` image; 0xFFBF when the
/// CPU reports none, Intel SDM vol. 1 section 11.6.6), read once.
pub fn mxcsr_mask() -> u32 {
    static MASK: AtomicU32 = AtomicU32::new(0);
    let known = MASK.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    let mut image = CLEAN.clone();
    save(&mut image);
    let mask = u32::from_le_bytes([image.0[28], image.0[29], image.0[30], image.0[31]]);
    let mask = if mask == 0 { 0xffbf } else { mask };
    MASK.store(mask, Ordering::Relaxed);
    mask
}

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

/// Saves the current user FPU/SSE registers into `image` (the task being switched away
/// from, or a child at fork).
pub fn save(image: &mut FxImage) {
    // SAFETY: `image` is 512 writable bytes, 16-byte aligned (its type's alignment);
    // FXSAVE only stores the registers there.
    unsafe {
        asm!("fxsave64 [{}]", in(reg) image as *mut FxImage, options(nostack, preserves_flags))
    };
}

/// Loads the user FPU/SSE registers from `image` (the task being switched to).
pub fn restore(image: &FxImage) {
    // SAFETY: `image` was written by `save` (or is the clean image), so it is a valid
    // FXSAVE image: no reserved MXCSR bits set.
    unsafe {
        asm!("fxrstor64 [{}]", in(reg) image as *const FxImage, options(nostack, readonly, preserves_flags))
    };
}
