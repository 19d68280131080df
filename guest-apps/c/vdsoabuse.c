/*
 * A program that attacks its vDSO (issue 15; robustness): it makes the vDSO's data and
 * code pages writable and overwrites them, or unmaps them, in children. The pages belong
 * to the kernel image and are shared by every process, so each writer must get a private
 * copy (the kernel's copy on write) and nothing may reach other processes or the kernel:
 * the parent's clock still agrees with the system call's, and a fresh exec gets an intact
 * vDSO. Guest only (the host kernel seals its vDSO: mprotect and munmap fail there); run
 * by tests/tests/robustness.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

static const char *yes(int c) { return c ? "yes" : "no"; }

/* Whether the libc clock (the vDSO) and the system call agree within 50 ms. */
static int clocks_agree(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
    double d = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    return d >= 0 && d < 0.05;
}

static void attack(const char *what, int how)
{
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* A clock read on garbage may spin in user mode (the version never settles): the
         * child's own business; an alarm ends it. */
        alarm(2);
        if (how == 0) {
            /* The data page below the code: garbage where the clock's numbers are. */
            if (mprotect((void *)(vdso - 4096), 4096, PROT_READ | PROT_WRITE) == 0)
                memset((void *)(vdso - 4096), 0xff, 4096);
        } else if (how == 1) {
            /* The code: int3 everywhere. */
            if (mprotect((void *)vdso, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) == 0)
                memset((void *)vdso, 0xcc, 4096);
        } else {
            munmap((void *)(vdso - 4096), 8192);
        }
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    say("%s: the child %s; the parent's clock agrees with the kernel's: %s", what,
        WIFSIGNALED(status) ? "died of a signal" : "exited", yes(clocks_agree()));
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        say("a fresh exec: vDSO present %s, clock agrees %s", yes(getauxval(AT_SYSINFO_EHDR)),
            yes(clocks_agree()));
        return 0;
    }
    say("before: clock agrees %s", yes(clocks_agree()));
    attack("data page overwritten", 0);
    attack("code overwritten with int3", 1);
    attack("both pages unmapped", 2);
    fflush(stdout);
    execl(argv[0], argv[0], "again", (char *)0);
    say("exec: %s", errname(errno));
    return 1;
}
