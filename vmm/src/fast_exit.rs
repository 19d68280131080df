//! Exiting without waiting for KVM to tear the VM down.
//!
//! Destroying a KVM VM (the final close of its fd) waits for several RCU/SRCU grace periods;
//! on these nested-KVM hosts that is 10-27 ms, several times the whole boot. That wait is
//! latency, not work, and nobody needs it to finish before learning the guest's exit status.
//!
//! So the vmm's last act is to start a *reaper*: a process that shares the vmm's address
//! space and file table (`clone(CLONE_VM | CLONE_FILES)`, no `CLONE_THREAD`). Because the
//! reaper still uses them, the vmm's own exit drops neither the last reference to its memory
//! nor to its file descriptors, so the exit is immediate and the parent (a shell, a test)
//! gets the status at once. The reaper asked the kernel to kill it when the vmm exits
//! (`PR_SET_PDEATHSIG`); when it dies it holds the last references, and the VM teardown
//! and the unmapping of guest memory happen in its exit instead. The vmm closes stdin,
//! stdout and stderr before exiting so pipes reading its output see EOF immediately too.

use std::io::Write;

/// Stack for the reaper: it only makes three system calls.
const REAPER_STACK_SIZE: usize = 16 * 1024;

/// The reaper: waits for the vmm to exit, then exits itself, releasing the VM.
extern "C" fn reaper(parent: *mut libc::c_void) -> libc::c_int {
    // SAFETY: prctl/getppid/pause/_exit are plain system calls with no memory arguments; the
    // reaper touches nothing but its own stack, which the vmm leaked for it.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        // The vmm may already be gone (then no signal will come).
        if libc::getppid() != parent as libc::pid_t {
            libc::_exit(0);
        }
        loop {
            libc::pause();
        }
    }
}

/// Flushes output, hands the VM's teardown to a reaper, and exits with `status`.
///
/// Whatever the process still owns (the VM, guest memory, open files) is released by the
/// reaper after this process has exited. If the reaper cannot be started, the process
/// exits normally and the teardown happens inline.
pub fn exit(status: u8) -> ! {
    crate::terminal::restore();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let stack = Box::leak(vec![0u8; REAPER_STACK_SIZE].into_boxed_slice());
    // The stack grows down from its 16-byte aligned top.
    let top = (stack.as_mut_ptr() as usize + REAPER_STACK_SIZE) & !0xf;
    // SAFETY: `reaper` runs on a leaked stack nothing else uses, reads only its argument and
    // makes raw system calls; sharing our memory and files with it is the point (see the
    // module comment). Exit signal 0: nobody waits for the reaper; init reaps it.
    unsafe {
        let parent = libc::getpid() as usize as *mut libc::c_void;
        libc::clone(reaper, top as *mut libc::c_void, libc::CLONE_VM | libc::CLONE_FILES, parent);
        // The file table is shared: closing stdio here closes it for the reaper too, so
        // readers of our output are not kept waiting for the reaper.
        libc::close(0);
        libc::close(1);
        libc::close(2);
        libc::_exit(i32::from(status))
    }
}
