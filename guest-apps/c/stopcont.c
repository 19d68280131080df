/*
 * Stop and continue (issue 12): a child stopped by SIGSTOP and continued by SIGCONT, as
 * its parent sees it through waitpid(WUNTRACED / WCONTINUED), waitid(WSTOPPED /
 * WCONTINUED) and SIGCHLD's siginfo (CLD_STOPPED, CLD_CONTINUED, CLD_KILLED); and
 * SA_NOCLDSTOP, which keeps SIGCHLD for exits only. Prints facts only; compared with the
 * host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <time.h>
#include <unistd.h>

static volatile int codes[8], statuses[8], nchld;

static void on_chld(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    if (nchld < 8) {
        codes[nchld] = info->si_code;
        statuses[nchld] = info->si_status;
        nchld++;
    }
}

static const char *cld(int code)
{
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

/* Waits (with signals delivered meanwhile) until `n` SIGCHLDs were seen or 2 s passed. */
static void await_chld(int n)
{
    for (int i = 0; i < 200 && nchld < n; i++) {
        struct timespec d = {0, 10000000};
        nanosleep(&d, 0);
    }
}

static pid_t sleeper(void)
{
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    return c;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, 0);

    pid_t c = sleeper();
    int st = 0;
    kill(c, SIGSTOP);
    pid_t w = waitpid(c, &st, WUNTRACED);
    say("waitpid WUNTRACED: child %d, stopped %d by %s", w == c, WIFSTOPPED(st), signame(WSTOPSIG(st)));
    await_chld(1);
    say("SIGCHLD: %d, %s, status %s", nchld, cld(codes[0]), signame(statuses[0]));
    kill(c, SIGCONT);
    w = waitpid(c, &st, WCONTINUED);
    say("waitpid WCONTINUED: child %d, continued %d", w == c, WIFCONTINUED(st));
    await_chld(2);
    say("SIGCHLD: %d, %s, status %s", nchld, cld(codes[1]), signame(statuses[1]));
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, c, &si, WSTOPPED);
    say("waitid WSTOPPED: %s, %s, status %s", outcome(r), cld(si.si_code), signame(si.si_status));
    await_chld(3);
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, c, &si, WCONTINUED);
    say("waitid WCONTINUED: %s, %s", outcome(r), cld(si.si_code));
    await_chld(4);
    kill(c, SIGKILL);
    w = waitpid(c, &st, 0);
    say("waitpid: killed %d by %s", WIFSIGNALED(st), signame(WTERMSIG(st)));
    await_chld(5);
    say("SIGCHLD codes: %s %s %s %s %s", cld(codes[0]), cld(codes[1]), cld(codes[2]), cld(codes[3]), cld(codes[4]));

    sa.sa_flags |= SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, 0);
    nchld = 0;
    c = sleeper();
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    await_chld(1);
    say("SA_NOCLDSTOP: %d SIGCHLD, %s, status %s", nchld, cld(codes[0]), signame(statuses[0]));
    say("done");
    return 0;
}
