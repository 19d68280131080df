/*
 * CPU-time accounting (issue 12, `times`): times(2), getrusage(2) (SELF, CHILDREN, THREAD),
 * wait4's rusage, CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID. Times differ from
 * machine to machine, so it prints facts about them with wide margins: a busy loop is
 * user time, a sleep is not CPU time, a child's time reaches its parent only through wait
 * (its own children's included), an automatically reaped child's never does. Compared
 * with the host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

static double clock_s(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

/* About 0.1-0.3 s of user-mode work on current machines. */
static void busy(void)
{
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 100000000UL; i++)
        x += i;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

/* A child that works, or that only waits for a working child of its own. */
static pid_t busy_child(int by_grandchild)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (by_grandchild)
            waitpid(busy_child(0), NULL, 0);
        else
            busy();
        _exit(0);
    }
    return pid;
}

int main(void)
{
    struct tms t0, t1;
    times(&t0);
    double th0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    busy();
    double th1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double pr1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    times(&t1);
    long du = t1.tms_utime - t0.tms_utime, ds = t1.tms_stime - t0.tms_stime;
    printf("busy loop: user ticks grew by 5 or more: %s\n", yes(du >= 5));
    printf("busy loop: system ticks grew less than user ticks: %s\n", yes(ds < du));
    printf("busy loop: thread clock advanced 0.05 s or more: %s\n", yes(th1 - th0 >= 0.05));
    printf("process clock >= thread clock: %s\n", yes(pr1 >= th1));
    printf("no child waited for: cutime %ld cstime %ld\n", (long)t1.tms_cutime,
           (long)t1.tms_cstime);

    struct rusage self, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_THREAD, &thread);
    printf("rusage self user >= thread clock before it - 0.02 s: %s\n",
           yes(tv_s(self.ru_utime) + tv_s(self.ru_stime) >= th1 - 0.02));
    printf("rusage thread user within 0.05 s of self user: %s\n",
           yes(tv_s(thread.ru_utime) - tv_s(self.ru_utime) < 0.05 &&
               tv_s(self.ru_utime) - tv_s(thread.ru_utime) < 0.05));

    struct timespec nap = {0, 200000000};
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    clock_t r0 = times(&t0);
    nanosleep(&nap, NULL);
    clock_t r1 = times(&t1);
    double w1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    printf("sleep 0.2 s: wall >= 0.2 s: %s\n", yes(w1 - w0 >= 0.2));
    printf("sleep 0.2 s: thread CPU time grew by less than 0.1 s: %s\n", yes(c1 - c0 < 0.1));
    printf("sleep 0.2 s: times() return value grew by 20 ticks or more: %s\n",
           yes(r1 - r0 >= 20));

    pid_t c = busy_child(0);
    int status;
    struct rusage cr;
    pid_t got = wait4(c, &status, 0, &cr);
    times(&t1);
    struct rusage children;
    getrusage(RUSAGE_CHILDREN, &children);
    printf("wait4 reaped the child: %s, its rusage user 0.05 s or more: %s\n", yes(got == c),
           yes(tv_s(cr.ru_utime) >= 0.05));
    printf("cutime 5 ticks or more after waiting: %s\n", yes(t1.tms_cutime >= 5));
    long cutime = t1.tms_cutime;
    printf("RUSAGE_CHILDREN user matches cutime within 2 ticks: %s\n",
           yes(labs((long)(tv_s(children.ru_utime) * 100) - cutime) <= 2));

    c = busy_child(1);
    waitpid(c, &status, 0);
    times(&t1);
    printf("the work of a grandchild its child waited for reaches the parent: %s\n",
           yes(t1.tms_cutime - cutime >= 5));
    cutime = t1.tms_cutime;

    struct sigaction ign = {0};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &ign, NULL);
    busy_child(0);
    errno = 0;
    pid_t none = wait(NULL);
    times(&t1);
    printf("SIGCHLD ignored: wait gives %s, cutime unchanged: %s\n", errname(none < 0 ? errno : 0),
           yes(t1.tms_cutime == cutime));

    errno = 0;
    printf("getrusage(5): %s\n", errname(getrusage(5, &self) < 0 ? errno : 0));
    struct timespec res;
    printf("clock_getres(CLOCK_PROCESS_CPUTIME_ID) 1 ms or finer: %s\n",
           yes(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 &&
               res.tv_nsec <= 1000000));
    printf("clock_nanosleep(CLOCK_THREAD_CPUTIME_ID): %s\n",
           errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &nap, NULL)));
    return 0;
}
