/*
 * SIGPIPE (pipe(7), issue 12): a write to a pipe with no reader raises SIGPIPE in the
 * writer; caught, the handler runs (siginfo SI_USER from the writer itself) and the write
 * fails with EPIPE; ignored, the write just fails with EPIPE; at the default action the
 * writer dies of it. Prints facts only; compared with the host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <unistd.h>

static volatile int hits, code, mine;

static void on_pipe(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    hits++;
    code = info->si_code;
    mine = info->si_pid == getpid();
}

/* A pipe whose read end is closed: its write end. */
static int broken_pipe(void)
{
    int p[2];
    if (pipe(p) != 0) {
        say("pipe: %s", errname(errno));
        exit(1);
    }
    close(p[0]);
    return p[1];
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_pipe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, 0);
    int fd = broken_pipe();
    long r = write(fd, "x", 1);
    say("caught: write %s, handler ran %d, si_code SI_USER %d, from myself %d", outcome(r), hits,
        code == SI_USER, mine);

    signal(SIGPIPE, SIG_IGN);
    r = write(fd, "x", 1);
    say("ignored: write %s, handler ran %d", outcome(r), hits);
    close(fd);

    pid_t c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_DFL);
        int w = broken_pipe();
        long n = write(w, "x", 1);
        say("default: the write returned (%s)", outcome(n));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    say("default: the writer %s", describe(st));
    say("done");
    return 0;
}
