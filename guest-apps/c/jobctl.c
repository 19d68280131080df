/*
 * Job control on a terminal (issue 14; POSIX XBD 11.1 "General Terminal Interface", XSH
 * tcsetpgrp/tcgetpgrp/tcgetsid, tty_ioctl(4)): run on a terminal as a session leader in
 * the foreground (a login shell's position: `vmm run` in a pty; a pty's session on the
 * host). A background group that reads the terminal is stopped by SIGTTIN (EIO when it
 * ignores it); it may write unless TOSTOP is set (then SIGTTOU); tcsetpgrp from the
 * background is SIGTTOU unless ignored; a group of another session is EPERM; a process
 * without a controlling terminal gets ENXIO for /dev/tty and ENOTTY for the terminal's
 * job-control requests. Prints facts only; compared with the host by tests/tests/terminal.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

static const char *result(int r) { return r == 0 ? "ok" : errname(errno); }

/* Runs `body` in a child (in a new background process group when `own_group`, with
 * SIGTTOU at its default action); reports how it ended. */
static void in_child(const char *what, void (*body)(void), int own_group)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTTOU, SIG_DFL);
        if (own_group)
            setpgid(0, 0);
        body();
        fflush(stdout);
        _exit(0);
    }
    if (own_group)
        setpgid(pid, pid);
    int status;
    waitpid(pid, &status, WUNTRACED);
    if (WIFSTOPPED(status)) {
        say("%s: stopped by %s", what, signame(WSTOPSIG(status)));
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else if (WIFSIGNALED(status)) {
        say("%s: killed by %s", what, signame(WTERMSIG(status)));
    } else {
        say("%s: exited %d", what, WEXITSTATUS(status));
    }
}

static void in_background(const char *what, void (*body)(void))
{
    in_child(what, body, 1);
}

static void read_terminal(void)
{
    char c;
    ssize_t n = read(0, &c, 1);
    say("  read returned %zd (%s)", n, n < 0 ? errname(errno) : "data");
}

static void read_ignoring_sigttin(void)
{
    signal(SIGTTIN, SIG_IGN);
    read_terminal();
}

static void write_terminal(void)
{
    say("  a background write goes through");
}

static void take_terminal(void)
{
    say("  tcsetpgrp: %s", result(tcsetpgrp(0, getpgrp())));
}

static void take_terminal_ignoring_sigttou(void)
{
    signal(SIGTTOU, SIG_IGN);
    say("  tcsetpgrp with SIGTTOU ignored: %s", result(tcsetpgrp(0, getpgrp())));
    /* Give it back to the parent's group (the foreground before). */
    say("  and back: %s", result(tcsetpgrp(0, getppid())));
}

static void new_session(void)
{
    say("  setsid: %s", setsid() < 0 ? errname(errno) : "ok");
    int fd = open("/dev/tty", O_RDWR);
    say("  open /dev/tty: %s", fd < 0 ? errname(errno) : "ok");
    pid_t pg = tcgetpgrp(0);
    say("  tcgetpgrp(0): %s", pg < 0 ? errname(errno) : "a group");
    pid_t sid = tcgetsid(0);
    say("  tcgetsid(0): %s", sid < 0 ? errname(errno) : "a session");
    say("  TIOCSCTTY on a terminal another session has: %s", result(ioctl(0, TIOCSCTTY, 0)));
}

int main(void)
{
    say("isatty(0): %d", isatty(0));
    say("foreground group is ours: %s", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
    say("session leader: %s, tcgetsid is our session: %s", getsid(0) == getpid() ? "yes" : "no",
        tcgetsid(0) == getsid(0) ? "yes" : "no");
    say("TIOCSCTTY on our own terminal: %s", result(ioctl(0, TIOCSCTTY, 0)));
    say("tcsetpgrp(0, -1): %s", result(tcsetpgrp(0, -1)));
    say("tcsetpgrp(0, init's group 1): %s", result(tcsetpgrp(0, 1)));
    int fd = open("/dev/tty", O_RDWR);
    say("open /dev/tty: %s", fd < 0 ? errname(errno) : "ok");
    if (fd >= 0)
        close(fd);

    signal(SIGTTOU, SIG_IGN); /* the parent itself may touch the terminal */
    in_background("background read", read_terminal);
    in_background("background read, SIGTTIN ignored", read_ignoring_sigttin);
    in_background("background write, TOSTOP off", write_terminal);
    in_background("background tcsetpgrp", take_terminal);
    in_background("background tcsetpgrp, SIGTTOU ignored", take_terminal_ignoring_sigttou);
    say("foreground group is ours again: %s", tcgetpgrp(0) == getpgrp() ? "yes" : "no");

    struct termios t;
    tcgetattr(0, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(0, TCSANOW, &t);
    in_background("background write, TOSTOP on", write_terminal);
    t.c_lflag &= ~TOSTOP;
    tcsetattr(0, TCSANOW, &t);
    in_child("another session", new_session, 0);
    say("done");
    return 0;
}
