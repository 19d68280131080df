/*
 * Shared helpers of the C test programs in guest-apps/c/ (each built twice, static, with
 * glibc's `gcc -static` and with `musl-gcc -static`; see tools/src/guest_build.rs).
 *
 * The programs print facts (what a call returned, an errno *name*, how a child ended),
 * never pids, addresses or counts that depend on the machine, so their output on the host
 * Linux kernel and in the guest can be compared byte for byte. Counts that only make
 * sense in the guest go on lines starting with "# ", which the differential tests drop.
 */
#ifndef GUEST_C_COMMON_H
#define GUEST_C_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

/* The Linux name of errno value `e` ("errno N" for one not listed). */
static inline const char *errname(int e)
{
    static char other[32];
    switch (e) {
    case 0: return "no error";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENXIO: return "ENXIO";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EPIPE: return "EPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    case ETIMEDOUT: return "ETIMEDOUT";
    default:
        snprintf(other, sizeof other, "errno %d", e);
        return other;
    }
}

/* The name of signal `sig` ("signal N" for one not listed). */
static inline const char *signame(int sig)
{
    static char other[32];
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    default:
        snprintf(other, sizeof other, "signal %d", sig);
        return other;
    }
}

/* How a child ended, from a wait status: "exited N", "killed by SIGX", ... */
static inline const char *describe(int status)
{
    static char buf[64];
    if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by %s", signame(WTERMSIG(status)));
    else if (WIFSTOPPED(status))
        snprintf(buf, sizeof buf, "stopped by %s", signame(WSTOPSIG(status)));
    else
        snprintf(buf, sizeof buf, "status %#x", status);
    return buf;
}

/* "ok" for a call that returned >= 0, else errno's name. */
static inline const char *outcome(long ret)
{
    return ret < 0 ? errname(errno) : "ok";
}

/* The kernel's free memory (sysinfo(2) `freeram`) in KiB. */
static inline unsigned long free_kib(void)
{
    struct sysinfo info;
    if (sysinfo(&info) != 0) {
        printf("sysinfo: %s\n", errname(errno));
        exit(1);
    }
    return (unsigned long)((unsigned long long)info.freeram * info.mem_unit / 1024);
}

/* Prints a line and flushes it, so the output survives a later SIGKILL and is not
 * duplicated into a forked child's buffer. */
__attribute__((format(printf, 1, 2))) static inline void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

#endif
