/*
 * Sleeps cut short by signals (issue 12; signal(7), nanosleep(2), restart_syscall(2)): a
 * relative sleep stopped by SIGSTOP and continued goes on for the time it had left
 * (through restart_syscall), not from the start; an absolute one ends when it was due; a
 * caught signal ends it with EINTR and the time left; restart_syscall called with
 * nothing to resume is EINTR. Prints facts only; compared with the host by
 * tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/syscall.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) != 0)
        ;
}

/* A child sleeps 400 ms (how: `kind`); its parent stops it at 100 ms and continues it at
 * 350 ms. Reports the call's result and whether the whole took less than 600 ms (the time
 * left) rather than 650 ms or more (from the start again). */
static void stopped_sleep(int kind, const char *what)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        double t0 = now_s();
        struct timespec d = {0, 400000000}, rem = {9, 9};
        int r;
        if (kind == 0) {
            r = nanosleep(&d, &rem) == 0 ? 0 : errno;
        } else if (kind == 1) {
            r = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &rem);
        } else {
            struct timespec end;
            clock_gettime(CLOCK_MONOTONIC, &end);
            end.tv_nsec += 400000000;
            if (end.tv_nsec >= 1000000000) {
                end.tv_sec++;
                end.tv_nsec -= 1000000000;
            }
            r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
        }
        double took = now_s() - t0;
        printf("%s, stopped and continued: %s, about the time asked (not from the start "
               "again): %s\n", what, errname(r), took >= 0.39 && took < 0.6 ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    pause_ms(100);
    kill(pid, SIGSTOP);
    pause_ms(250);
    kill(pid, SIGCONT);
    int status;
    waitpid(pid, &status, 0);
}

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
    stopped_sleep(0, "nanosleep");
    stopped_sleep(1, "clock_nanosleep relative");
    stopped_sleep(2, "clock_nanosleep absolute");

    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    fflush(stdout);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        pause_ms(100);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct timespec d = {1, 0}, rem = {0, 0};
    int r = nanosleep(&d, &rem);
    double left = rem.tv_sec + rem.tv_nsec / 1e9;
    printf("nanosleep 1 s, caught SIGUSR1 (SA_RESTART) at 0.1 s: %s, time left 0.5-0.95 s: %s\n",
           errname(r == 0 ? 0 : errno), left > 0.5 && left < 0.95 ? "yes" : "no");
    waitpid(pid, NULL, 0);

    errno = 0;
    long n = syscall(SYS_restart_syscall);
    printf("restart_syscall with nothing to resume: %s\n", errname(n == 0 ? 0 : errno));
    printf("done\n");
    return 0;
}
