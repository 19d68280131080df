/*
 * select(2) and pselect(2) (issue 12 lists them for the C libraries' sleeps and tests):
 * timeouts and the time left, readiness of a pipe's two ends, EBADF for a closed
 * descriptor, and pselect's signal mask for the wait. Prints facts only; compared with the
 * host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static volatile int usr1;

static void on_usr1(int sig)
{
    (void)sig;
    usr1++;
}

int main(void)
{
    int p[2];
    if (pipe(p) != 0) {
        say("pipe: %s", errname(errno));
        return 1;
    }
    fd_set r, w;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 100000};
    int n = select(p[0] + 1, &r, 0, 0, &tv);
    say("empty pipe, 100 ms: %d, read end set %d, time left zero %d", n, FD_ISSET(p[0], &r),
        tv.tv_sec == 0 && tv.tv_usec == 0);

    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    n = select(p[1] + 1, &r, &w, 0, &tv);
    say("write end: %d, readable %d, writable %d", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));

    if (write(p[1], "x", 1) != 1)
        say("write failed");
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(p[1], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(p[1] + 1, &r, &w, 0, &tv);
    say("after a write, polled: %d, read end %d, write end readable %d, writable %d", n,
        FD_ISSET(p[0], &r), FD_ISSET(p[1], &r), FD_ISSET(p[1], &w));

    FD_ZERO(&r);
    FD_SET(40, &r);
    n = select(41, &r, 0, 0, &tv);
    say("a closed descriptor: %d %s", n, n < 0 ? errname(errno) : "");

    tv.tv_usec = 1000000;
    FD_ZERO(&r);
    n = select(1, &r, 0, 0, &tv);
    say("1000000 us: %d %s", n, n < 0 ? errname(errno) : "");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    sigset_t block, none, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &block, 0);
    kill(getpid(), SIGUSR1);
    char c;
    if (read(p[0], &c, 1) != 1)
        say("read failed");
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {5, 0};
    n = pselect(p[0] + 1, &r, 0, 0, &ts, &none);
    sigprocmask(SIG_BLOCK, 0, &now);
    say("pselect with an empty mask and SIGUSR1 pending: %d %s, handler ran %d, blocked again %d",
        n, n < 0 ? errname(errno) : "", usr1, sigismember(&now, SIGUSR1));
    say("done");
    return 0;
}
