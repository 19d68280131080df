//! `signals`: POSIX signal handlers, printed as facts (never pids, addresses or timing).
//! Handlers are installed with the raw `rt_sigaction` and this program's own restorer
//! (`SA_RESTORER`, `rt_sigreturn`), so no C library signal code is involved: delivery to
//! self (`kill`, `tgkill`) and its `siginfo`, the mask inside a handler and after it,
//! `SA_NODEFER`, `SA_RESETHAND`, a blocked signal delivered when unblocked, `pause` and a
//! pipe `read` interrupted (EINTR, or restarted with `SA_RESTART`), `SIGCHLD`'s siginfo,
//! a `SIGSEGV` handler that resumes elsewhere by editing the saved RIP, and the registers
//! of the interrupted code surviving a handler that clobbers them.
//!
//! signal(7): "If a signal handler is invoked while a system call or library function
//! call is blocked, then either the call is automatically restarted after the signal
//! handler returns; or the call fails with the error EINTR."

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use difftests::sys::*;
use difftests::{outcome, syscall6};

const SIGKILL: i32 = 9;
const SIGUSR1: i32 = 10;
const SIGSEGV: i32 = 11;
const SIGUSR2: i32 = 12;
const SIGTERM: i32 = 15;
const SIGCHLD: i32 = 17;

const SA_SIGINFO: u64 = 4;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_RESTART: u64 = 0x1000_0000;
const SA_NODEFER: u64 = 0x4000_0000;
const SA_RESETHAND: u64 = 0x8000_0000;

const SIG_BLOCK: usize = 0;
const SIG_UNBLOCK: usize = 1;
const SIG_SETMASK: usize = 2;

/// Offsets in the kernel's x86_64 `ucontext`: uc_flags, uc_link, uc_stack (24 bytes), then
/// `struct sigcontext` (r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, ...; 256
/// bytes), then uc_sigmask.
const UC_RIP: usize = 40 + 16 * 8;
const UC_SIGMASK: usize = 40 + 256;

/// The mask bit of signal `sig`.
const fn bit(sig: i32) -> u64 {
    1 << (sig - 1)
}

std::arch::global_asm!(
    ".pushsection .text.sigtest,\"ax\",@progbits",
    // The restorer: the handler's `ret` lands here.
    ".globl sigtest_restorer",
    "sigtest_restorer:",
    "mov eax, 15",
    "syscall",
    "ud2",
    // u64 sigtest_load(const u64 *p): a load that may fault; the SIGSEGV handler resumes
    // at sigtest_recover, which returns RECOVERED.
    ".globl sigtest_load",
    ".globl sigtest_fault",
    ".globl sigtest_recover",
    "sigtest_load:",
    "sigtest_fault:",
    "mov rax, qword ptr [rdi]",
    "ret",
    "sigtest_recover:",
    "mov eax, {recovered}",
    "ret",
    // isize sigtest_regs_kill(pid, sig): loads rbx, rbp, r12-r15, rdx, r8-r10 and
    // xmm0-xmm15 from REG_IN, makes the kill system call, stores the same registers and
    // rdi, rsi into REG_OUT and returns kill's result.
    ".globl sigtest_regs_kill",
    "sigtest_regs_kill:",
    "push rbx",
    "push rbp",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "lea r11, [rip + {reg_in}]",
    "mov rbx, [r11]",
    "mov rbp, [r11 + 8]",
    "mov r12, [r11 + 16]",
    "mov r13, [r11 + 24]",
    "mov r14, [r11 + 32]",
    "mov r15, [r11 + 40]",
    "mov rdx, [r11 + 48]",
    "mov r8, [r11 + 56]",
    "mov r9, [r11 + 64]",
    "mov r10, [r11 + 72]",
    "movdqu xmm0, [r11 + 80]",
    "movdqu xmm1, [r11 + 96]",
    "movdqu xmm2, [r11 + 112]",
    "movdqu xmm3, [r11 + 128]",
    "movdqu xmm4, [r11 + 144]",
    "movdqu xmm5, [r11 + 160]",
    "movdqu xmm6, [r11 + 176]",
    "movdqu xmm7, [r11 + 192]",
    "movdqu xmm8, [r11 + 208]",
    "movdqu xmm9, [r11 + 224]",
    "movdqu xmm10, [r11 + 240]",
    "movdqu xmm11, [r11 + 256]",
    "movdqu xmm12, [r11 + 272]",
    "movdqu xmm13, [r11 + 288]",
    "movdqu xmm14, [r11 + 304]",
    "movdqu xmm15, [r11 + 320]",
    "mov eax, 62",
    "syscall",
    "lea r11, [rip + {reg_out}]",
    "mov [r11], rbx",
    "mov [r11 + 8], rbp",
    "mov [r11 + 16], r12",
    "mov [r11 + 24], r13",
    "mov [r11 + 32], r14",
    "mov [r11 + 40], r15",
    "mov [r11 + 48], rdx",
    "mov [r11 + 56], r8",
    "mov [r11 + 64], r9",
    "mov [r11 + 72], r10",
    "movdqu [r11 + 80], xmm0",
    "movdqu [r11 + 96], xmm1",
    "movdqu [r11 + 112], xmm2",
    "movdqu [r11 + 128], xmm3",
    "movdqu [r11 + 144], xmm4",
    "movdqu [r11 + 160], xmm5",
    "movdqu [r11 + 176], xmm6",
    "movdqu [r11 + 192], xmm7",
    "movdqu [r11 + 208], xmm8",
    "movdqu [r11 + 224], xmm9",
    "movdqu [r11 + 240], xmm10",
    "movdqu [r11 + 256], xmm11",
    "movdqu [r11 + 272], xmm12",
    "movdqu [r11 + 288], xmm13",
    "movdqu [r11 + 304], xmm14",
    "movdqu [r11 + 320], xmm15",
    "mov [r11 + 336], rdi",
    "mov [r11 + 344], rsi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    ".popsection",
    recovered = const RECOVERED,
    reg_in = sym REG_IN,
    reg_out = sym REG_OUT,
);

unsafe extern "C" {
    /// The signal restorer (`global_asm!` above; never called from Rust).
    fn sigtest_restorer();
    /// Loads `*p`, which may fault (`global_asm!` above).
    fn sigtest_load(p: usize) -> u64;
    /// The faulting instruction of `sigtest_load` (a label, never called).
    fn sigtest_fault();
    /// Where the SIGSEGV handler resumes `sigtest_load` (a label, never called).
    fn sigtest_recover();
    /// `kill(pid, sig)` with every register the kernel must preserve loaded from
    /// [`REG_IN`] and saved to [`REG_OUT`] afterwards.
    fn sigtest_regs_kill(pid: i32, sig: i32) -> isize;
}

/// What `sigtest_load` returns when the SIGSEGV handler resumed it at `sigtest_recover`.
const RECOVERED: u32 = 0x5eed;

/// Registers (u64 words): rbx, rbp, r12-r15, rdx, r8-r10, then xmm0-xmm15 (two words
/// each), then rdi and rsi (REG_OUT only).
const REG_WORDS: usize = 10 + 32 + 2;
static REG_IN: [u64; REG_WORDS] = {
    let mut v = [0u64; REG_WORDS];
    let mut i = 0;
    while i < REG_WORDS {
        v[i] = 0x0101_0101_0101_0101u64.wrapping_mul(i as u64 + 1) ^ 0x8040_2010_0804_0201;
        i += 1;
    }
    v
};
static mut REG_OUT: [u64; REG_WORDS] = [0; REG_WORDS];

// What the handlers saw (async-signal-safe: atomics only).
static COUNT: AtomicU32 = AtomicU32::new(0);
static SIGNO: AtomicI32 = AtomicI32::new(0);
static CODE: AtomicI32 = AtomicI32::new(0);
static PID: AtomicI32 = AtomicI32::new(0);
static UID: AtomicU32 = AtomicU32::new(0);
static STATUS: AtomicI32 = AtomicI32::new(0);
static ADDR: AtomicUsize = AtomicUsize::new(0);
static MASK: AtomicU64 = AtomicU64::new(0);
static UC_MASK: AtomicU64 = AtomicU64::new(0);
static FAULT_RIP_OK: AtomicBool = AtomicBool::new(false);
/// Set by the main program around a blocking call; a handler that runs while it is clear
/// came too early (the signal was not the one that interrupted the call).
static IN_CALL: AtomicBool = AtomicBool::new(false);
static EARLY: AtomicBool = AtomicBool::new(false);

fn reset() {
    COUNT.store(0, Ordering::SeqCst);
    for a in [&SIGNO, &CODE, &PID, &STATUS] {
        a.store(0, Ordering::SeqCst);
    }
    UID.store(0, Ordering::SeqCst);
    ADDR.store(0, Ordering::SeqCst);
    MASK.store(0, Ordering::SeqCst);
    UC_MASK.store(0, Ordering::SeqCst);
    FAULT_RIP_OK.store(false, Ordering::SeqCst);
    EARLY.store(false, Ordering::SeqCst);
}

/// `rt_sigprocmask(how, set, &old, 8)`; returns the old mask.
fn sigprocmask(how: usize, set: Option<u64>) -> u64 {
    let mut old = 0u64;
    let set_ptr = set.as_ref().map_or(0, |s| s as *const u64 as usize);
    // SAFETY: `set` (if any) and `old` are valid 8-byte sigsets.
    let ret = unsafe { syscall6(14, [how, set_ptr, &mut old as *mut u64 as usize, 8, 0, 0]) };
    assert_eq!(ret, 0, "rt_sigprocmask: {}", outcome(ret));
    old
}

fn current_mask() -> u64 {
    sigprocmask(SIG_BLOCK, None)
}

/// `rt_sigpending`.
fn pending() -> u64 {
    let mut set = 0u64;
    // SAFETY: `set` is a valid 8-byte sigset.
    let ret = unsafe { syscall6(127, [&mut set as *mut u64 as usize, 8, 0, 0, 0, 0]) };
    assert_eq!(ret, 0, "rt_sigpending: {}", outcome(ret));
    set
}

/// The kernel's x86_64 `struct sigaction`.
#[repr(C)]
#[derive(Default)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Handler types: plain, or with `siginfo` and `ucontext` (SA_SIGINFO).
type Plain = extern "C" fn(i32);
type Info = extern "C" fn(i32, *const u8, *mut u8);

/// Installs `handler` (an address of a [`Plain`] or [`Info`] handler, or 0 for SIG_DFL)
/// for `sig` with `flags` and `mask`, and our restorer.
fn sigaction(sig: i32, handler: usize, flags: u64, mask: u64) {
    let act = KernelSigaction {
        handler,
        flags: flags | SA_RESTORER,
        restorer: sigtest_restorer as *const () as usize,
        mask,
    };
    // SAFETY: `act` is a valid kernel sigaction whose handler is one of this program's
    // async-signal-safe handlers (or SIG_DFL), with a restorer that calls rt_sigreturn.
    let ret = unsafe { syscall6(13, [sig as usize, &act as *const _ as usize, 0, 8, 0, 0]) };
    assert_eq!(ret, 0, "rt_sigaction({sig}): {}", outcome(ret));
}

/// The handler currently installed for `sig` (0 is SIG_DFL).
fn disposition(sig: i32) -> usize {
    let mut old = KernelSigaction::default();
    // SAFETY: `old` is a writable kernel sigaction.
    let ret = unsafe { syscall6(13, [sig as usize, 0, &mut old as *mut _ as usize, 8, 0, 0]) };
    assert_eq!(ret, 0, "rt_sigaction({sig}) query: {}", outcome(ret));
    old.handler
}

fn plain(f: Plain) -> usize {
    f as *const () as usize
}

fn info(f: Info) -> usize {
    f as *const () as usize
}

fn note_common() {
    COUNT.fetch_add(1, Ordering::SeqCst);
    MASK.store(current_mask(), Ordering::SeqCst);
    if !IN_CALL.load(Ordering::SeqCst) {
        EARLY.store(true, Ordering::SeqCst);
    }
}

extern "C" fn on_plain(_sig: i32) {
    note_common();
}

extern "C" fn on_info(sig: i32, si: *const u8, uc: *mut u8) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t (128 bytes) and ucontext.
    unsafe {
        SIGNO.store(si.cast::<i32>().read(), Ordering::SeqCst);
        CODE.store(si.add(8).cast::<i32>().read(), Ordering::SeqCst);
        PID.store(si.add(16).cast::<i32>().read(), Ordering::SeqCst);
        UID.store(si.add(20).cast::<u32>().read(), Ordering::SeqCst);
        STATUS.store(si.add(24).cast::<i32>().read(), Ordering::SeqCst);
        ADDR.store(si.add(16).cast::<usize>().read_unaligned(), Ordering::SeqCst);
        UC_MASK.store(uc.add(UC_SIGMASK).cast::<u64>().read_unaligned(), Ordering::SeqCst);
    }
    let _ = sig;
    note_common();
}

extern "C" fn on_segv(sig: i32, si: *const u8, uc: *mut u8) {
    on_info(sig, si, uc);
    // SAFETY: the ucontext is writable; its saved RIP is where the program resumes.
    unsafe {
        let rip = uc.add(UC_RIP).cast::<usize>();
        FAULT_RIP_OK
            .store(rip.read_unaligned() == sigtest_fault as *const () as usize, Ordering::SeqCst);
        rip.write_unaligned(sigtest_recover as *const () as usize);
    }
}

/// Overwrites every caller-saved register the interrupted code must get back.
extern "C" fn on_clobber(_sig: i32) {
    note_common();
    // SAFETY: only clobbers registers declared as outputs.
    unsafe {
        std::arch::asm!(
            "mov rdi, -1", "mov rsi, -1", "mov rdx, -1",
            "mov r8, -1", "mov r9, -1", "mov r10, -1",
            "pcmpeqd xmm0, xmm0", "pcmpeqd xmm1, xmm1", "pcmpeqd xmm2, xmm2",
            "pcmpeqd xmm3, xmm3", "pcmpeqd xmm4, xmm4", "pcmpeqd xmm5, xmm5",
            "pcmpeqd xmm6, xmm6", "pcmpeqd xmm7, xmm7", "pcmpeqd xmm8, xmm8",
            "pcmpeqd xmm9, xmm9", "pcmpeqd xmm10, xmm10", "pcmpeqd xmm11, xmm11",
            "pcmpeqd xmm12, xmm12", "pcmpeqd xmm13, xmm13", "pcmpeqd xmm14, xmm14",
            "pcmpeqd xmm15, xmm15",
            out("rdi") _, out("rsi") _, out("rdx") _, out("r8") _, out("r9") _, out("r10") _,
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _,
            out("xmm5") _, out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _,
            out("xmm10") _, out("xmm11") _, out("xmm12") _, out("xmm13") _, out("xmm14") _,
            out("xmm15") _,
            options(nostack, nomem),
        );
    }
}

fn code_name(code: i32) -> String {
    match code {
        0 => "SI_USER".into(),
        -6 => "SI_TKILL".into(),
        0x80 => "SI_KERNEL".into(),
        c => format!("code {c}"),
    }
}

fn cld_name(code: i32) -> String {
    match code {
        1 => "CLD_EXITED".into(),
        2 => "CLD_KILLED".into(),
        3 => "CLD_DUMPED".into(),
        c => format!("code {c}"),
    }
}

fn segv_name(code: i32) -> String {
    match code {
        1 => "SEGV_MAPERR".into(),
        2 => "SEGV_ACCERR".into(),
        c => format!("code {c}"),
    }
}

fn count() -> u32 {
    COUNT.load(Ordering::SeqCst)
}

/// siginfo facts common to kill-like senders.
fn sender_facts(me: i32) -> String {
    format!(
        "si_signo {}, si_code {}, si_pid is mine: {}, si_uid is mine: {}",
        SIGNO.load(Ordering::SeqCst),
        code_name(CODE.load(Ordering::SeqCst)),
        PID.load(Ordering::SeqCst) == me,
        UID.load(Ordering::SeqCst) == getuid(),
    )
}

/// A blocking `read` of a pipe that a child interrupts with SIGUSR1 (then writes "x"),
/// the handler installed with `flags`. Retried with longer delays if the signal came
/// before the read started (a slow machine), so the output never depends on timing.
fn interrupted_read(flags: u64) -> String {
    sigaction(SIGUSR1, plain(on_plain), flags, 0);
    let parent = getpid();
    let mut delay = 100;
    loop {
        reset();
        let (r, w) = pipe(0);
        let child = spawn(move || {
            close(r);
            sleep_ms(delay);
            let killed = kill(parent, SIGUSR1);
            sleep_ms(delay / 2);
            write(w, b"x");
            i32::from(killed != 0)
        });
        close(w);
        let mut buf = [0u8; 4];
        IN_CALL.store(true, Ordering::SeqCst);
        let n = read(r, &mut buf);
        IN_CALL.store(false, Ordering::SeqCst);
        let status = reap_status(child);
        close(r);
        if EARLY.load(Ordering::SeqCst) && delay < 3200 {
            delay *= 2;
            continue;
        }
        let got = if n > 0 {
            format!(" {:?}", String::from_utf8_lossy(&buf[..n as usize]))
        } else {
            String::new()
        };
        return format!(
            "read returned {}{got}, handler ran: {} time(s), child's kill: {}",
            outcome(n),
            count(),
            if status == 0 { "ok" } else { "failed" },
        );
    }
}

fn main() {
    let me = getpid();
    sigprocmask(SIG_SETMASK, Some(0));

    // 1. kill to self, SA_SIGINFO.
    sigaction(SIGUSR1, info(on_info), SA_SIGINFO, 0);
    reset();
    let ret = kill(me, SIGUSR1);
    println!(
        "kill SIGUSR1 to self with SA_SIGINFO: kill returned {}, handler ran: {} time(s) before kill returned, {}",
        outcome(ret),
        count(),
        sender_facts(me),
    );

    // 2. tgkill to self.
    sigaction(SIGUSR2, info(on_info), SA_SIGINFO, 0);
    reset();
    let ret = tgkill(me, gettid(), SIGUSR2);
    println!(
        "tgkill SIGUSR2 to self: tgkill returned {}, handler ran: {} time(s), {}",
        outcome(ret),
        count(),
        sender_facts(me),
    );

    // 3. The mask inside a handler and after it.
    sigaction(SIGUSR1, info(on_info), SA_SIGINFO, bit(SIGUSR2));
    reset();
    let before = current_mask();
    kill(me, SIGUSR1);
    let inside = MASK.load(Ordering::SeqCst);
    println!(
        "mask in a handler: ran {} time(s), SIGUSR1 blocked: {}, sa_mask SIGUSR2 blocked: {}, SIGTERM blocked: {}, uc_sigmask is the old mask: {}, old mask back after return: {}",
        count(),
        inside & bit(SIGUSR1) != 0,
        inside & bit(SIGUSR2) != 0,
        inside & bit(SIGTERM) != 0,
        UC_MASK.load(Ordering::SeqCst) == before,
        current_mask() == before,
    );

    // 4. SA_NODEFER and SA_RESETHAND.
    sigaction(SIGUSR1, plain(on_plain), SA_NODEFER, 0);
    reset();
    kill(me, SIGUSR1);
    let nodefer = format!(
        "SA_NODEFER: ran {} time(s), SIGUSR1 blocked in its handler: {}",
        count(),
        MASK.load(Ordering::SeqCst) & bit(SIGUSR1) != 0
    );
    sigaction(SIGUSR2, plain(on_plain), SA_RESETHAND, 0);
    reset();
    let installed = disposition(SIGUSR2) == plain(on_plain);
    kill(me, SIGUSR2);
    println!(
        "{nodefer}; SA_RESETHAND: handler installed: {installed}, ran {} time(s), SIG_DFL afterwards: {}",
        count(),
        disposition(SIGUSR2) == 0,
    );

    // 5. Blocked, pending, then delivered when unblocked.
    sigaction(SIGUSR1, plain(on_plain), 0, 0);
    reset();
    sigprocmask(SIG_BLOCK, Some(bit(SIGUSR1)));
    let ret = kill(me, SIGUSR1);
    let ran_blocked = count();
    let was_pending = pending() & bit(SIGUSR1) != 0;
    sigprocmask(SIG_UNBLOCK, Some(bit(SIGUSR1)));
    let ran_unblocked = count();
    println!(
        "blocked SIGUSR1: kill returned {}, handler ran while blocked: {} time(s), pending: {}, ran when unblocked: {} time(s), still pending: {}",
        outcome(ret),
        ran_blocked,
        was_pending,
        ran_unblocked,
        pending() & bit(SIGUSR1) != 0,
    );

    // 6. pause() interrupted by a child's kill. The child keeps signalling until it is
    // killed, so a signal that arrives before pause starts cannot leave pause hanging; if
    // the kill fails or pause never returns it says so and kills this process.
    sigaction(SIGUSR1, plain(on_plain), 0, 0);
    reset();
    let child = spawn(move || {
        for _ in 0..50 {
            sleep_ms(100);
            let ret = kill(me, SIGUSR1);
            if ret != 0 {
                println!("pause: the child's kill failed: {}", outcome(ret));
                kill(me, SIGKILL);
                return 1;
            }
        }
        println!("pause: never returned after 50 signals");
        kill(me, SIGKILL);
        1
    });
    let ret = pause();
    let ran = count();
    kill(child, SIGKILL);
    reap_status(child);
    println!(
        "pause interrupted by a child's kill: pause returned {}, handler ran: {}",
        outcome(ret),
        ran > 0
    );

    // 7. A blocking pipe read, without and with SA_RESTART.
    println!("pipe read interrupted without SA_RESTART: {}", interrupted_read(0));
    println!("pipe read interrupted with SA_RESTART: {}", interrupted_read(SA_RESTART));

    // 8. SIGCHLD's siginfo.
    sigaction(SIGCHLD, info(on_info), SA_SIGINFO | SA_RESTART, 0);
    reset();
    let child = spawn(|| {
        sleep_ms(50);
        7
    });
    IN_CALL.store(true, Ordering::SeqCst);
    let (ret, status) = wait4(child, 0);
    IN_CALL.store(false, Ordering::SeqCst);
    sigaction(SIGCHLD, 0, 0, 0);
    println!(
        "SIGCHLD handler with SA_RESTART: wait4 returned {}, {}, handler ran: {} time(s), si_signo {}, si_code {}, si_status {}, si_pid is the child: {}, si_uid is mine: {}",
        if ret == child as isize { "the child".to_owned() } else { outcome(ret) },
        describe_status(status),
        count(),
        SIGNO.load(Ordering::SeqCst),
        cld_name(CODE.load(Ordering::SeqCst)),
        STATUS.load(Ordering::SeqCst),
        PID.load(Ordering::SeqCst) == child,
        UID.load(Ordering::SeqCst) == getuid(),
    );

    // 9. A handler that sets a global returns to the interrupted point.
    static GLOBAL: AtomicU32 = AtomicU32::new(0);
    extern "C" fn set_global(_sig: i32) {
        GLOBAL.store(42, Ordering::SeqCst);
    }
    sigaction(SIGUSR1, plain(set_global), 0, 0);
    let locals = [me as u64, 3, 5, 7];
    let ret = kill(me, SIGUSR1);
    let continued = std::hint::black_box(locals) == [me as u64, 3, 5, 7];
    println!(
        "handler that sets a global: kill returned {}, global set: {}, continued after the kill: {}",
        outcome(ret),
        GLOBAL.load(Ordering::SeqCst) == 42,
        continued,
    );

    // 10. SIGSEGV from a fault, resumed by editing the saved RIP.
    sigaction(SIGSEGV, info(on_segv), SA_SIGINFO, 0);
    reset();
    IN_CALL.store(true, Ordering::SeqCst);
    // SAFETY: the load faults; the handler resumes at sigtest_recover.
    let value = unsafe { sigtest_load(0x1000) };
    IN_CALL.store(false, Ordering::SeqCst);
    sigaction(SIGSEGV, 0, 0, 0);
    println!(
        "SIGSEGV handler: si_code {}, si_addr matches: {}, fault rip matches: {}, resumed: {}",
        segv_name(CODE.load(Ordering::SeqCst)),
        ADDR.load(Ordering::SeqCst) == 0x1000,
        FAULT_RIP_OK.load(Ordering::SeqCst),
        value == u64::from(RECOVERED) && count() == 1,
    );

    // 11. The interrupted code's registers survive a handler that clobbers them.
    sigaction(SIGUSR1, plain(on_clobber), 0, 0);
    reset();
    // SAFETY: sigtest_regs_kill preserves the callee-saved registers it uses.
    let ret = unsafe { sigtest_regs_kill(me, SIGUSR1) };
    // SAFETY: REG_OUT is only written by sigtest_regs_kill, which has returned.
    let out = unsafe { (&raw const REG_OUT).read_volatile() };
    let args = [me as u32 as u64, SIGUSR1 as u64];
    println!(
        "registers across a clobbering handler: kill returned {}, handler ran: {} time(s), general registers kept: {}, xmm registers kept: {}, rdi and rsi kept: {}",
        outcome(ret),
        count(),
        out[..10] == REG_IN[..10],
        out[10..42] == REG_IN[10..42],
        [out[42] & 0xffff_ffff, out[43] & 0xffff_ffff] == args,
    );

    println!("done");
}
