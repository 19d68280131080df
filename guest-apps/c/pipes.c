/*
 * pipes: raises RLIMIT_NOFILE (soft and hard) to 1048576 (Linux's nr_open; root only),
 * then creates non-blocking pipes and fills each with 64 KiB (a whole default pipe
 * buffer), until the kernel refuses: pipe() fails (EMFILE, ENFILE, ENOMEM), a write
 * fails (ENOMEM) or a write comes back short. The kernel must refuse, not crash. Then it
 * closes everything and checks that a new pipe takes a full 64 KiB again.
 *
 * GUEST ONLY (the host has far more memory). Prints:
 *
 *     setrlimit RLIMIT_NOFILE 1048576: ok
 *     refused: pipe ENOMEM              (or "write ENOMEM", "write short", ...)
 *     # pipes: 1930                     (guest-only count)
 *     a new pipe takes 64 KiB again: true
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <sys/resource.h>

#define NR_OPEN (1 << 20)
#define FILL (64 * 1024)

static int fds[NR_OPEN];
static char data[FILL];

int main(void)
{
    struct rlimit lim = {NR_OPEN, NR_OPEN};
    say("setrlimit RLIMIT_NOFILE %d: %s", NR_OPEN, outcome(setrlimit(RLIMIT_NOFILE, &lim)));
    memset(data, 'p', sizeof data);
    int n = 0;
    const char *how = "nothing";
    while (n + 2 <= NR_OPEN) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) != 0) {
            how = errname(errno);
            say("refused: pipe %s", how);
            break;
        }
        fds[n++] = p[0];
        fds[n++] = p[1];
        ssize_t w = write(p[1], data, sizeof data);
        if (w < 0) {
            say("refused: write %s", errname(errno));
            break;
        }
        if (w != sizeof data) {
            say("refused: write short");
            break;
        }
    }
    say("# pipes: %d", n / 2);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    int p[2];
    if (pipe2(p, O_NONBLOCK) != 0) {
        say("a new pipe: %s", errname(errno));
        return 1;
    }
    say("a new pipe takes 64 KiB again: %s", write(p[1], data, sizeof data) == FILL ? "true" : "false");
    return 0;
}
