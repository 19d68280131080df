/*
 * emfile [LIMIT]: opens /dev/null until open() fails, with the soft RLIMIT_NOFILE set to
 * LIMIT first when given (the differential test sets 256 so the host's own limit does not
 * matter; the guest-only run keeps the default, 1024 on Linux). Then, at the limit: dup,
 * pipe and F_DUPFD fail too; after closing one descriptor open works again, and after
 * closing them all the limit is reached again at the same count.
 *
 * Prints errno names and comparisons; the count goes on a "# " line (guest-only).
 */
#include "common.h"

#include <fcntl.h>
#include <sys/resource.h>

#define MAX_FDS (1 << 20)

static int fds[MAX_FDS];

/* Opens /dev/null until failure; returns how many opened and leaves errno. */
static int fill(void)
{
    int n = 0;
    while (n < MAX_FDS) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            return n;
        fds[n++] = fd;
    }
    errno = 0;
    return n;
}

int main(int argc, char **argv)
{
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    if (argc == 2) {
        lim.rlim_cur = strtoul(argv[1], NULL, 10);
        say("setrlimit RLIMIT_NOFILE %s: %s", argv[1], outcome(setrlimit(RLIMIT_NOFILE, &lim)));
    }
    int n = fill();
    say("open failed with: %s", errname(errno));
    say("# opened %d with RLIMIT_NOFILE %lu", n, (unsigned long)lim.rlim_cur);
    say("every descriptor below the limit is in use: %s",
        fds[n - 1] == (int)lim.rlim_cur - 1 ? "true" : "false");
    say("dup at the limit: %s", outcome(dup(0)));
    int p[2];
    say("pipe at the limit: %s", outcome(pipe(p)));
    say("F_DUPFD at the limit: %s", outcome(fcntl(0, F_DUPFD, 0)));
    say("F_DUPFD to the limit itself: %s", outcome(fcntl(0, F_DUPFD, (int)lim.rlim_cur)));
    say("dup2 to the limit itself: %s", outcome(dup2(0, (int)lim.rlim_cur)));
    close(fds[n / 2]);
    int again = open("/dev/null", O_RDONLY);
    say("after one close, open gets that descriptor: %s", again == fds[n / 2] ? "true" : "false");
    for (int i = 0; i < n; i++)
        close(fds[i]);
    int m = fill();
    say("after closing all, the limit is reached again at the same count: %s (%s)",
        m == n ? "true" : "false", errname(errno));
    for (int i = 0; i < m; i++)
        close(fds[i]);
    say("pipe works again: %s", outcome(pipe(p)));
    return 0;
}
