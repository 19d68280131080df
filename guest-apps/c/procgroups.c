/*
 * procgroups: fork, wait, process groups and sessions through the C library's own
 * wrappers, the way C programs and shells use them. glibc's fork() is
 * clone(CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD) with the child's tid written into
 * its thread descriptor, and runs pthread_atfork handlers; musl's is a plain SIGCHLD clone.
 *
 * Checks: fork's return values and the child's view of its parent; waitpid statuses
 * (exit codes, abort() = SIGABRT, WNOHANG, ECHILD); vfork(); the shell's job-control dance
 * (setpgid from parent and child), a second child joining the group, kill() of a whole
 * group and waitpid() on it; setpgid/getpgid on a zombie and after it is reaped; waitpid(0)
 * seeing only the caller's group; setsid's rules. Differential: prints facts only (errno
 * names, statuses, comparisons), never pids.
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <pthread.h>

static int atfork_prepare, atfork_parent, atfork_child;
static void on_prepare(void) { atfork_prepare++; }
static void on_parent(void) { atfork_parent++; }
static void on_child(void) { atfork_child++; }

/* Waits for `pid`; returns its status (exits the program if waitpid fails). */
static int reap(pid_t pid)
{
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    if (got <= 0 || (pid > 0 && got != pid)) {
        say("waitpid(%s) failed: %s", pid > 0 ? "child" : "group", errname(errno));
        exit(1);
    }
    return status;
}

/* Blocks reading pipe `p` until EOF (every write end closed) or a signal, then exits 0;
 * for a child: it closes its own copy of the write end first. */
static void block_on(int p[2])
{
    char c;
    close(p[1]);
    while (read(p[0], &c, 1) > 0) {
    }
    _exit(0);
}

/* Forks a child that runs block_on(p). */
static pid_t blocked_child(int p[2])
{
    pid_t pid = fork();
    if (pid == 0)
        block_on(p);
    return pid;
}

/* Waits until child `pid` has exited, without reaping it (it stays a zombie). */
static void await_zombie(pid_t pid)
{
    siginfo_t info;
    if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0) {
        say("waitid WNOWAIT: %s", errname(errno));
        exit(1);
    }
}

/* A child that runs `f` and exits with its errno (0 when `f` returned >= 0). */
static const char *in_child(long (*f)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        long r = f();
        _exit(r < 0 ? errno : 0);
    }
    int status = reap(pid);
    return WEXITSTATUS(status) == 0 ? "ok" : errname(WEXITSTATUS(status));
}

static long leader_then_setsid(void)
{
    if (setpgid(0, 0) != 0)
        return -1;
    return setsid();
}
static long setsid_twice(void)
{
    if (setsid() < 0) {
        errno = 0;
        return -2;
    }
    return setsid();
}
static long setsid_then_setpgid(void)
{
    if (setsid() < 0) {
        errno = 0;
        return -2;
    }
    return setpgid(0, 0);
}
static long setsid_facts(void)
{
    pid_t sid = setsid();
    if (sid < 0)
        return -1;
    if (sid != getpid() || getsid(0) != sid || getpgid(0) != sid || getpgrp() != sid) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
static long join_parent_group_after_setsid(void)
{
    pid_t parent_group = getpgid(getppid());
    if (setsid() < 0) {
        errno = 0;
        return -2;
    }
    return setpgid(0, parent_group);
}

int main(void)
{
    pid_t me = getpid();
    pid_t my_group = getpgrp();
    say("getpgrp is getpgid(0): %s", my_group == getpgid(0) ? "true" : "false");

    /* fork: values on both sides, and the atfork handlers. */
    pthread_atfork(on_prepare, on_parent, on_child);
    int fds[2];
    if (pipe(fds) != 0) {
        say("pipe: %s", errname(errno));
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        pid_t self = getpid();
        ssize_t n = write(fds[1], &self, sizeof self);
        _exit(n == sizeof self && getppid() == me && atfork_child == 1 ? 7 : 1);
    }
    pid_t reported = 0;
    ssize_t n = read(fds[0], &reported, sizeof reported);
    close(fds[0]);
    close(fds[1]);
    say("fork: positive pid in the parent: %s", pid > 0 ? "true" : "false");
    say("fork: the child's getpid is what fork returned: %s",
        n == sizeof reported && reported == pid ? "true" : "false");
    say("fork: child (sees its parent, ran its atfork handler): %s", describe(reap(pid)));
    say("fork: prepare and parent handlers ran once: %s",
        atfork_prepare == 1 && atfork_parent == 1 && atfork_child == 0 ? "true" : "false");

    /* waitpid statuses. */
    pid = fork();
    if (pid == 0)
        _exit(42);
    say("exit 42: %s", describe(reap(pid)));
    pid = fork();
    if (pid == 0)
        abort();
    int status = reap(pid);
    say("abort: %s", WIFSIGNALED(status) ? signame(WTERMSIG(status)) : describe(status));
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) != 0)
        return 1;
    pid = blocked_child(hold);
    say("waitpid WNOHANG on a running child: %ld", (long)waitpid(pid, &status, WNOHANG));
    close(hold[1]);
    say("the child saw EOF: %s", describe(reap(pid)));
    close(hold[0]);
    say("waitpid with no children: %s", outcome(waitpid(-1, &status, 0)));
    pid = vfork();
    if (pid == 0)
        _exit(3);
    say("vfork: %s", describe(reap(pid)));

    /* Job control: the shell puts a child in its own group from both sides (whichever
     * runs first wins; both calls succeed), then a second child joins that group. */
    if (pipe2(hold, O_CLOEXEC) != 0)
        return 1;
    int go[2];
    if (pipe2(go, O_CLOEXEC) != 0)
        return 1;
    pid_t leader = fork();
    if (leader == 0) {
        int ok = setpgid(0, 0) == 0;
        char c = ok ? 'y' : 'n';
        if (write(go[1], &c, 1) != 1)
            _exit(2);
        block_on(hold);
    }
    say("parent setpgid(child, child): %s", outcome(setpgid(leader, leader)));
    char c = 0;
    if (read(go[0], &c, 1) != 1)
        return 1;
    say("child setpgid(0, 0): %s", c == 'y' ? "ok" : "failed");
    say("the child leads its own group: %s", getpgid(leader) == leader ? "true" : "false");
    say("the parent's group is unchanged: %s", getpgrp() == my_group ? "true" : "false");
    pid_t member = blocked_child(hold);
    say("second child joins the group: %s", outcome(setpgid(member, leader)));
    say("its group is the leader's: %s", getpgid(member) == leader ? "true" : "false");
    /* A group in another session is out of reach (EPERM). */
    pid_t loner = fork();
    if (loner == 0) {
        c = setsid() == getpid() ? 'y' : 'n';
        if (write(go[1], &c, 1) != 1)
            _exit(2);
        block_on(hold);
    }
    if (read(go[0], &c, 1) != 1)
        return 1;
    say("a third child starts its own session: %s", c == 'y' ? "ok" : "failed");
    say("setpgid into a group of another session: %s", outcome(setpgid(member, loner)));
    say("waitpid WNOHANG on the group: %ld", (long)waitpid(-leader, &status, WNOHANG));
    say("kill the group with SIGTERM: %s", outcome(kill(-leader, SIGTERM)));
    for (int i = 0; i < 2; i++)
        say("waitpid on the group: %s", describe(reap(-leader)));
    say("waitpid on the emptied group: %s", outcome(waitpid(-leader, &status, 0)));
    say("kill the emptied group: %s", outcome(kill(-leader, 0)));
    close(hold[1]);
    say("the other session's child saw EOF: %s", describe(reap(loner)));
    close(hold[0]);
    close(go[0]);
    close(go[1]);

    /* A zombie: it can still be moved to a new group and asked for its group until it is
     * reaped; then it is gone (ESRCH). */
    pid = fork();
    if (pid == 0)
        _exit(0);
    await_zombie(pid);
    say("setpgid on a zombie child: %s", outcome(setpgid(pid, pid)));
    say("getpgid of the zombie: %s",
        getpgid(pid) == pid ? "its own group" : outcome(getpgid(pid)));
    say("kill 0 on the zombie: %s", outcome(kill(pid, 0)));
    /* waitpid(0) waits only for children in the caller's group: this one has left it. */
    say("waitpid(0) with the only child in another group: %s",
        outcome(waitpid(0, &status, WNOHANG)));
    say("waitpid on the zombie's group: %s", describe(reap(-pid)));
    say("getpgid after reaping: %s", outcome(getpgid(pid)));
    say("setpgid after reaping: %s", outcome(setpgid(pid, pid)));

    /* Sessions. */
    say("setsid in a fresh child (leads session and group): %s", in_child(setsid_facts));
    say("setsid by a group leader: %s", in_child(leader_then_setsid));
    say("setsid twice: %s", in_child(setsid_twice));
    say("setpgid(0, 0) by a session leader: %s", in_child(setsid_then_setpgid));
    say("join the old group from a new session: %s", in_child(join_parent_group_after_setsid));
    return 0;
}
