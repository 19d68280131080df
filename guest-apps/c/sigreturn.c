/*
 * rt_sigreturn with forged frames (issue 12: a frame is the program's to forge, and must
 * neither crash the kernel nor grant kernel segments, IOPL or a non-canonical RIP). Each
 * case runs in a child that calls rt_sigreturn on a frame it built itself; the parent
 * prints how the child ended. A well-formed frame resumes where it says; a non-canonical
 * RIP, a kernel code segment or an unreadable frame end the child with SIGSEGV; IOPL in the
 * flags is ignored (a later `cli` still faults). Compared with the host by
 * tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static char stack[65536] __attribute__((aligned(16)));

static void resumed(void)
{
    say("  resumed at the frame's RIP");
    _exit(0);
}

static void resumed_cli(void)
{
    __asm__ volatile("cli");
    say("  cli ran in user mode");
    _exit(0);
}

/* Calls rt_sigreturn with the stack pointer at `frame` (where the handler's `ret` would
 * have left it: the kernel reads the ucontext there). */
__attribute__((noreturn)) static void sigreturn_at(void *frame)
{
    __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\tud2" : : "r"(frame) : "memory");
    __builtin_unreachable();
}

static ucontext_t *frame_with(void (*rip)(void), unsigned long cs)
{
    static ucontext_t uc __attribute__((aligned(16)));
    memset(&uc, 0, sizeof uc);
    greg_t *g = uc.uc_mcontext.gregs;
    g[REG_RIP] = (greg_t)rip;
    g[REG_RSP] = (greg_t)(stack + sizeof stack - 8);
    g[REG_EFL] = 0x202;
    g[REG_CSGSFS] = (greg_t)(cs | (0x2bUL << 48));
    return &uc;
}

static void run(const char *what, void (*child)(void))
{
    pid_t c = fork();
    if (c == 0) {
        child();
        _exit(3);
    }
    int st;
    waitpid(c, &st, 0);
    say("%s: %s", what, describe(st));
}

static void good(void) { sigreturn_at(frame_with(resumed, 0x33)); }

static void noncanonical(void)
{
    ucontext_t *uc = frame_with(resumed, 0x33);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x800000000000UL;
    sigreturn_at(uc);
}

static void kernel_cs(void) { sigreturn_at(frame_with(resumed, 0x10)); }

static void iopl(void)
{
    ucontext_t *uc = frame_with(resumed_cli, 0x33);
    uc->uc_mcontext.gregs[REG_EFL] = 0x3202;
    sigreturn_at(uc);
}

static void unreadable(void)
{
    void *page = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sigreturn_at(page);
}

int main(void)
{
    run("a well-formed frame", good);
    run("a non-canonical RIP", noncanonical);
    run("a kernel code segment", kernel_cs);
    run("IOPL 3 in the flags, then cli", iopl);
    run("an unreadable frame", unreadable);
    say("done");
    return 0;
}
