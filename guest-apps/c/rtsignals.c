/*
 * Real-time signals (issue 12): sigqueue's queue (each instance kept with its value,
 * lowest signal number first, standard signals coalescing), sigwaitinfo, sigtimedwait's
 * timeout and wake-up, rt_sigqueueinfo's rule against posing as kill(2), ppoll's
 * signal mask for its wait, and nanosleep's time left after a handler. Prints facts only; compared with the host by
 * tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/syscall.h>
static int order[16], n;
static int vals[16];
static void h(int s, siginfo_t *i, void *u) { (void)u; order[n] = s; vals[n] = i->si_value.sival_int; n++; }
int main(void) {
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO;
    int r1 = SIGRTMIN + 1, r2 = SIGRTMIN + 3;
    sigaction(r1, &sa, 0); sigaction(r2, &sa, 0); sigaction(SIGUSR1, &sa, 0);
    sigset_t set, old; sigemptyset(&set); sigaddset(&set, r1); sigaddset(&set, r2); sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    union sigval v;
    for (int k = 0; k < 3; k++) { v.sival_int = 10 + k; sigqueue(getpid(), r2, v); }
    for (int k = 0; k < 2; k++) { v.sival_int = 20 + k; sigqueue(getpid(), r1, v); }
    kill(getpid(), SIGUSR1); kill(getpid(), SIGUSR1);
    sigprocmask(SIG_SETMASK, &old, 0);
    printf("delivered %d:", n);
    for (int k = 0; k < n; k++) printf(" %s/%d", order[k] == SIGUSR1 ? "USR1" : order[k] == r1 ? "RT1" : "RT3", order[k] == SIGUSR1 ? 0 : vals[k]);
    printf("\n");
    sigprocmask(SIG_BLOCK, &set, 0);
    v.sival_int = 99; sigqueue(getpid(), r1, v);
    siginfo_t si; int s = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %s code SI_QUEUE %d value %d pid ok %d\n", s == r1 ? "RT1" : "?", si.si_code == SI_QUEUE, si.si_value.sival_int, si.si_pid == getpid());
    struct timespec t = {0, 100000000};
    s = sigtimedwait(&set, &si, &t); printf("sigtimedwait empty: %d %s\n", s, errname(errno));
    t.tv_nsec = 0; s = sigtimedwait(&set, &si, &t); printf("sigtimedwait poll: %d %s\n", s, errname(errno));
    pid_t pp = getpid(); pid_t c = fork();
    if (c == 0) { struct timespec d = {0, 50000000}; nanosleep(&d, 0); v.sival_int = 7; sigqueue(pp, r2, v); _exit(0); }
    t.tv_sec = 5; s = sigtimedwait(&set, &si, &t);
    printf("sigtimedwait woken: %s value %d from child %d\n", s == r2 ? "RT3" : "?", si.si_value.sival_int, si.si_pid == c);
    waitpid(c, 0, 0);
    si.si_code = SI_USER; errno = 0;
    long rc = syscall(SYS_rt_sigqueueinfo, 1, r1, &si);
    printf("sigqueueinfo SI_USER to another process: %ld %s\n", rc, errname(errno));
    sigset_t only; sigemptyset(&only); sigaddset(&only, SIGUSR1);
    sigprocmask(SIG_SETMASK, &only, 0);
    n = 0;
    c = fork();
    if (c == 0) { struct timespec d = {0, 50000000}; nanosleep(&d, 0); kill(pp, SIGUSR1); _exit(0); }
    sigset_t none; sigemptyset(&none);
    struct timespec limit = {5, 0};
    int pr = ppoll(0, 0, &limit, &none);
    sigset_t now; sigprocmask(SIG_SETMASK, 0, &now);
    printf("ppoll with an empty mask: %d %s, handler ran %d, SIGUSR1 blocked again %d\n", pr, errname(errno), n, sigismember(&now, SIGUSR1));
    waitpid(c, 0, 0);
    sigprocmask(SIG_SETMASK, &none, 0);
    c = fork();
    if (c == 0) { struct timespec d = {0, 50000000}; nanosleep(&d, 0); kill(pp, SIGUSR1); _exit(0); }
    struct timespec req = {2, 0}, rem = {0, 0};
    int nr = nanosleep(&req, &rem);
    printf("nanosleep interrupted: %d %s, time left between 1 and 2 s: %d\n", nr, errname(errno), rem.tv_sec == 1);
    waitpid(c, 0, 0);
    printf("done\n");
    return 0;
}
