/*
 * The CPU-time interval timers (issue 12; setitimer(2)): ITIMER_VIRTUAL counts the
 * process's user time (SIGVTALRM), ITIMER_PROF its user and system time (SIGPROF); a
 * sleeping process does not bring them closer; periodic ones fire again; a child does not
 * inherit them; SIGPROF's default action ends the process. Prints facts only; compared
 * with the host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/time.h>
#include <time.h>

static volatile int vtalrm, prof, last_code;

static void on_timer(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    if (sig == SIGVTALRM)
        vtalrm++;
    else
        prof++;
    last_code = info->si_code;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Computes until `*flag` reaches `n` or `limit` seconds of CPU time passed. */
static void compute_until(volatile int *flag, int n, double limit)
{
    volatile unsigned long x = 0;
    double end = cpu_now() + limit;
    while (*flag < n && cpu_now() < end)
        for (int i = 0; i < 100000; i++)
            x += i;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

static void arm(int which, long value_us, long interval_us)
{
    struct itimerval it = {{interval_us / 1000000, interval_us % 1000000},
                           {value_us / 1000000, value_us % 1000000}};
    setitimer(which, &it, NULL);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);

    arm(ITIMER_VIRTUAL, 50000, 0);
    compute_until(&vtalrm, 1, 5.0);
    printf("ITIMER_VIRTUAL 50 ms while computing: SIGVTALRM %d, si_code SI_KERNEL %s\n",
           vtalrm, yes(last_code == SI_KERNEL));

    arm(ITIMER_VIRTUAL, 10000000, 250000);
    struct itimerval cur;
    getitimer(ITIMER_VIRTUAL, &cur);
    double left = cur.it_value.tv_sec + cur.it_value.tv_usec / 1e6;
    /* Linux adds a scheduler tick to a CPU timer's value (itimer.c `set_cpu_itimer`). */
    printf("getitimer: value in (9.5, 10.05] s %s, interval %ld.%06ld\n",
           yes(left > 9.5 && left <= 10.05), (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_usec);

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        getitimer(ITIMER_VIRTUAL, &cur);
        printf("a child inherits no timer: %s\n",
               yes(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0));
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);

    vtalrm = 0;
    arm(ITIMER_VIRTUAL, 100000, 0);
    struct timespec nap = {0, 300000000};
    nanosleep(&nap, NULL);
    printf("ITIMER_VIRTUAL 100 ms over a 300 ms sleep: SIGVTALRM %d\n", vtalrm);
    arm(ITIMER_VIRTUAL, 0, 0);

    arm(ITIMER_PROF, 20000, 20000);
    compute_until(&prof, 3, 5.0);
    arm(ITIMER_PROF, 0, 0);
    printf("ITIMER_PROF every 20 ms while computing: 3 SIGPROFs or more %s\n", yes(prof >= 3));

    fflush(stdout);
    child = fork();
    if (child == 0) {
        signal(SIGPROF, SIG_DFL);
        arm(ITIMER_PROF, 10000, 0);
        compute_until(&prof, 1000000, 5.0);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("SIGPROF at its default action: %s\n",
           WIFSIGNALED(status) ? signame(WTERMSIG(status)) : "exited");

    struct itimerval bad = {{0, 0}, {0, 1000000}};
    errno = 0;
    printf("setitimer(3): %s\n", errname(setitimer(3, &bad, NULL) < 0 ? errno : 0));
    errno = 0;
    printf("setitimer(ITIMER_PROF, usec 1000000): %s\n",
           errname(setitimer(ITIMER_PROF, &bad, NULL) < 0 ? errno : 0));
    printf("done\n");
    return 0;
}
