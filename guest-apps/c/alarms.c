/*
 * The real-time interval timer (issue 12): alarm(2) and setitimer(ITIMER_REAL) deliver
 * SIGALRM to a handler (ending pause with EINTR) or, at the default action, end the
 * process; a periodic timer fires repeatedly; getitimer and alarm report what is left; a
 * forked child does not inherit the timer. Prints facts only; compared with the host by
 * tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);

    unsigned prev = alarm(1);
    int r = pause();
    say("alarm(1) then pause: %s, SIGALRM handled %d, previous alarm %u", outcome(r), alarms, prev);

    alarm(30);
    prev = alarm(0);
    say("alarm(0) after alarm(30): previous %u", prev);

    struct itimerval it = {{0, 50000}, {0, 50000}}, old;
    r = setitimer(ITIMER_REAL, &it, 0);
    sigset_t none;
    sigemptyset(&none);
    alarms = 0;
    while (alarms < 3)
        sigsuspend(&none);
    struct itimerval now;
    getitimer(ITIMER_REAL, &now);
    say("periodic 50 ms timer: %s, fired %d, interval kept %d, armed %d", outcome(r), alarms,
        now.it_interval.tv_usec == 50000, now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, &old);
    getitimer(ITIMER_REAL, &now);
    say("disarmed: old interval %ld us, now armed %d", (long)old.it_interval.tv_usec,
        now.it_value.tv_sec != 0 || now.it_value.tv_usec != 0);

    it.it_value.tv_usec = 1000000;
    r = setitimer(ITIMER_REAL, &it, 0);
    say("setitimer with 1000000 us: %s", outcome(r));

    alarm(5);
    pid_t c = fork();
    if (c == 0) {
        _exit(alarm(0) == 0 ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    say("a forked child has no alarm: %d", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    alarm(0);

    c = fork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        for (;;)
            pause();
    }
    waitpid(c, &st, 0);
    say("default action: %s", describe(st));

    /* A program computing in user mode, never entering the kernel, still gets its alarm
     * (the timer interrupt's work sends it on the way back to user mode). */
    c = fork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    waitpid(c, &st, 0);
    say("default action while computing: %s", describe(st));
    say("done");
    return 0;
}
