/*
 * notatty: a program whose descriptors are not a terminal and whose session has no
 * controlling terminal, as under `vmm run` with its stdin and stdout piped (the console
 * is then not a terminal, docs/DESIGN.md "The terminal") and on the host under the test
 * harness (stdin /dev/null, stdout and stderr pipes). tty_ioctl(4), tty(4), POSIX XBD 11.
 *
 * Checks, in a child that called setsid() (so neither side has a controlling terminal
 * whatever the harness has): isatty() and the terminal requests on descriptors 0, 1, 2
 * and on a pipe fail with ENOTTY (tcgetattr, tcsetattr, TIOCGWINSZ, tcgetpgrp,
 * tcsetpgrp, tcgetsid, TIOCSCTTY, TIOCNOTTY); FIONREAD still counts a pipe's bytes;
 * /dev/tty cannot be opened (ENXIO). Differential: prints errno names only.
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

static const char *result(int r)
{
    return r < 0 ? errname(errno) : "ok";
}

static void requests(const char *what, int fd)
{
    struct termios t;
    struct winsize ws;
    errno = 0;
    int tty = isatty(fd);
    say("%s: isatty %d (%s)", what, tty, errname(errno));
    say("%s: tcgetattr %s", what, result(tcgetattr(fd, &t)));
    memset(&t, 0, sizeof t);
    say("%s: tcsetattr %s", what, result(tcsetattr(fd, TCSANOW, &t)));
    say("%s: TIOCGWINSZ %s", what, result(ioctl(fd, TIOCGWINSZ, &ws)));
    say("%s: tcgetpgrp %s", what, result(tcgetpgrp(fd)));
    say("%s: tcsetpgrp %s", what, result(tcsetpgrp(fd, getpgrp())));
    say("%s: tcgetsid %s", what, result(tcgetsid(fd)));
    say("%s: TIOCSCTTY %s", what, result(ioctl(fd, TIOCSCTTY, 0)));
    say("%s: TIOCNOTTY %s", what, result(ioctl(fd, TIOCNOTTY)));
}

static int in_new_session(void)
{
    if (setsid() < 0) {
        say("setsid: %s", errname(errno));
        return 1;
    }
    requests("stdin", 0);
    requests("stdout", 1);
    requests("stderr", 2);
    int p[2];
    if (pipe(p) < 0) {
        say("pipe: %s", errname(errno));
        return 1;
    }
    requests("pipe", p[0]);
    if (write(p[1], "abc", 3) != 3) {
        say("write: %s", errname(errno));
        return 1;
    }
    int n = -1;
    int r = ioctl(p[0], FIONREAD, &n);
    say("pipe: FIONREAD %s, %d bytes", result(r), n);
    say("open /dev/tty without a controlling terminal: %s", result(open("/dev/tty", O_RDWR)));
    say("open /dev/tty read-only: %s", result(open("/dev/tty", O_RDONLY | O_NOCTTY)));
    return 0;
}

int main(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int r = in_new_session();
        fflush(stdout);
        _exit(r);
    }
    int status = 0;
    waitpid(child, &status, 0);
    say("child: %s %d", WIFEXITED(status) ? "exit" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    say("done");
    return 0;
}
