/*
 * Credentials (issue 13): every set*id transition from root and from unprivileged
 * identities, with the EPERM and EINVAL cases of setuid(2), setreuid(2), setresuid(2),
 * setfsuid(2) and their group twins; setgroups/getgroups; kill(2) permission between
 * users; RLIMIT_NPROC counted per real uid; the ids after an exec. Runs as root; each
 * case in its own child, so each starts from root. Prints facts only (never pids or
 * machine-dependent ids); compared with the host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/syscall.h>

/* The user and group ids: real, effective, saved, file-system. */
static void ids(const char *what)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    int fsu = setfsuid(-1), fsg = setfsgid(-1);
    say("%s: uid %u %u %u fs %d, gid %u %u %u fs %d", what, r, e, s, fsu, gr, ge, gs, fsg);
}

/* The outcome of a call. */
static void res(const char *what, long ret)
{
    say("%s: %s", what, outcome(ret));
}

/* The supplementary groups. */
static void groups(const char *what)
{
    gid_t list[8];
    int n = getgroups(8, list);
    char line[128] = "";
    for (int i = 0; i < n; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), " %u", list[i]);
    say("%s: %d groups:%s", what, n, line);
}

/* Runs `body` in a child and waits for it; reports an abnormal end. */
static void in_child(const char *name, void (*body)(void))
{
    say("-- %s", name);
    pid_t c = fork();
    if (c == 0) {
        body();
        exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        say("%s: %s", name, describe(st));
}

static void drop_all(void)
{
    res("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000));
    ids("after");
    res("setuid(0)", setuid(0));
    res("setresuid(-1, 0, -1)", setresuid(-1, 0, -1));
    res("setresuid(-1, -1, 0)", setresuid(-1, -1, 0));
    res("setreuid(0, -1)", setreuid(0, -1));
    res("setreuid(-1, 0)", setreuid(-1, 0));
    res("seteuid(0)", seteuid(0));
    res("setuid(2000)", setuid(2000));
    res("setuid(-1)", setuid(-1));
    res("setuid(1000)", setuid(1000));
    res("setgid(0) (the real gid)", setgid(0));
    res("setgid(5)", setgid(5));
    res("setresgid(5, -1, -1)", setresgid(5, -1, -1));
    res("setregid(-1, 5)", setregid(-1, 5));
    res("setgroups(0, NULL)", setgroups(0, NULL));
    say("setfsuid(0) returns %d", setfsuid(0));
    say("setfsgid(5) returns %d", setfsgid(5));
    ids("still");
}

static void keep_saved_root(void)
{
    res("setresuid(1000, 2000, 0)", setresuid(1000, 2000, 0));
    ids("after");
    res("setresuid(1000, 1000, 3000)", setresuid(1000, 1000, 3000));
    res("setuid(0) (saved: euid only)", setuid(0));
    ids("after");
    res("setresuid(3000, 3000, 3000) (privileged again)", setresuid(3000, 3000, 3000));
    ids("after");
    res("setuid(0)", setuid(0));
}

static void setreuid_saved_rule(void)
{
    res("setreuid(-1, 1000)", setreuid(-1, 1000));
    ids("euid != old ruid: saved follows");
    res("setreuid(-1, 0)", setreuid(-1, 0));
    ids("euid == old ruid: saved stays");
    res("setreuid(1000, -1)", setreuid(1000, -1));
    ids("ruid set: saved = euid");
    res("setreuid(2000, 3000)", setreuid(2000, 3000));
    ids("after");
    res("setreuid(3000, 2000) (swap, unprivileged)", setreuid(3000, 2000));
    ids("after");
    res("setreuid(-1, 4000)", setreuid(-1, 4000));
    res("setreuid(4000, -1)", setreuid(4000, -1));
    res("setreuid(2000, 3000) (swap back)", setreuid(2000, 3000));
    res("setreuid(2000, -1)", setreuid(2000, -1));
    ids("after");
}

static void fs_ids(void)
{
    say("setfsuid(1234) returns %d", setfsuid(1234));
    say("setfsgid(77) returns %d", setfsgid(77));
    ids("after");
    res("setresuid(-1, -1, -1)", setresuid(-1, -1, -1));
    res("setresgid(-1, -1, -1)", setresgid(-1, -1, -1));
    ids("no-op keeps the fs ids");
    res("setreuid(-1, -1)", setreuid(-1, -1));
    ids("setreuid resets fsuid");
    res("setregid(-1, -1)", setregid(-1, -1));
    ids("setregid resets fsgid");
    say("setfsuid(55) returns %d", setfsuid(55));
    res("setresuid(0, 0, 0)", setresuid(0, 0, 0));
    ids("naming the euid resets fsuid");
    res("setresuid(1, 2, 3)", setresuid(1, 2, 3));
    say("setfsuid(4) returns %d", setfsuid(4));
    say("setfsuid(3) returns %d", setfsuid(3));
    say("setfsuid(0) returns %d", setfsuid(0));
    say("setfsuid(1) returns %d", setfsuid(1));
    say("setfsgid(9) returns %d", setfsgid(9));
    ids("after");
}

static void group_ids(void)
{
    res("setresgid(100, 200, 300)", setresgid(100, 200, 300));
    ids("after");
    res("setgid(7) (privileged)", setgid(7));
    ids("after");
    res("setregid(100, 300)", setregid(100, 300));
    ids("after");
    res("setregid(-1, 100) (egid == old rgid)", setregid(-1, 100));
    ids("after");
    res("setresgid(100, 200, 300)", setresgid(100, 200, 300));
    res("setuid(1000)", setuid(1000));
    res("setgid(300) (saved)", setgid(300));
    ids("after");
    res("setgid(200)", setgid(200));
    res("setregid(300, -1)", setregid(300, -1));
    ids("after");
    res("setresgid(100, -1, -1)", setresgid(100, -1, -1));
    res("setgid(-1)", setgid(-1));
}

static void supplementary(void)
{
    gid_t three[] = {30, 10, 20}, bad[] = {5, (gid_t)-1}, list[8];
    res("setgroups(3, {30, 10, 20})", setgroups(3, three));
    groups("sorted");
    say("getgroups(0, NULL) = %d", getgroups(0, NULL));
    res("getgroups(2, list)", getgroups(2, list));
    res("getgroups(-1, list)", syscall(SYS_getgroups, -1, list));
    res("setgroups(65537, list)", setgroups(65537, list));
    res("setgroups(2, {5, -1})", setgroups(2, bad));
    res("setgroups(1, bad pointer)", setgroups(1, (gid_t *)8));
    groups("unchanged");
    gid_t dup[] = {4, 4};
    res("setgroups(2, {4, 4})", setgroups(2, dup));
    groups("duplicates");
    res("setgroups(0, NULL)", setgroups(0, NULL));
    groups("none");
    res("setgroups(3, ...)", setgroups(3, three));
    res("setuid(1000)", setuid(1000));
    groups("kept across setuid");
    res("setgroups(0, NULL) unprivileged", setgroups(0, NULL));
    res("setgroups(-1, NULL) unprivileged", setgroups(-1, NULL));
}

/* A child with user ids (r, e, s) that waits to be killed; returns its pid once ready. */
static pid_t target(uid_t r, uid_t e, uid_t s)
{
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        if (setresuid(r, e, s) != 0)
            exit(1);
        write(p[1], "x", 1);
        for (;;)
            pause();
    }
    close(p[1]);
    char x;
    read(p[0], &x, 1);
    close(p[0]);
    return c;
}

/* From a child with user ids (r, e, s): kill(t, sig)'s outcome. */
static void try_kill(uid_t r, uid_t e, uid_t s, pid_t t, int sig, const char *what)
{
    pid_t c = fork();
    if (c == 0) {
        setresuid(r, e, s);
        int ret = kill(t, sig);
        say("%s: %s", what, outcome(ret));
        exit(0);
    }
    waitpid(c, 0, 0);
}

static void kills(void)
{
    pid_t t = target(2000, 2000, 2000);
    try_kill(1000, 1000, 1000, t, 0, "1000 -> 2000, signal 0");
    try_kill(1000, 1000, 1000, t, SIGTERM, "1000 -> 2000, SIGTERM");
    try_kill(2000, 1000, 1000, t, 0, "real 2000 -> 2000");
    try_kill(1000, 2000, 1000, t, 0, "effective 2000 -> 2000");
    try_kill(1000, 1000, 2000, t, 0, "saved 2000 -> 2000");
    try_kill(1000, 1000, 1000, t, SIGCONT, "1000 -> 2000, SIGCONT in the session");
    try_kill(1000, 0, 1000, t, SIGTERM, "effective root -> 2000");
    pid_t saved = target(3000, 3000, 1000);
    try_kill(1000, 1000, 1000, saved, 0, "1000 -> saved uid 1000");
    pid_t eff = target(3000, 1000, 3000);
    try_kill(1000, 1000, 1000, eff, 0, "1000 -> effective uid 1000 only");
    try_kill(1000, 1000, 1000, getppid(), SIGTERM, "1000 -> root");
    int st;
    pid_t all[] = {t, saved, eff};
    for (int i = 0; i < 3; i++) {
        kill(all[i], SIGKILL);
        waitpid(all[i], &st, 0);
        say("target %d: %s", i, describe(st));
    }
}

/* fork's outcome; a child exits at once and stays a zombie until reaped. */
static pid_t try_fork(const char *what)
{
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    say("%s: %s", what, outcome(c));
    return c;
}

static void nproc(void)
{
    /* A uid no other process uses, even with the test running twice at once. */
    uid_t u = 200000 + (uid_t)getpid();
    struct rlimit lim = {2, 2};
    setrlimit(RLIMIT_NPROC, &lim);
    pid_t a = try_fork("root (real uid 0), limit 2");
    waitpid(a, 0, 0);
    setresuid(0, u, u);
    a = try_fork("real uid 0, effective user");
    waitpid(a, 0, 0);
    setresuid(u, 0, 0);
    pid_t kids[3];
    kids[0] = try_fork("real user, effective root, first");
    kids[1] = try_fork("real user, effective root, second");
    kids[2] = try_fork("real user, effective root, third (exempt)");
    for (int i = 0; i < 3; i++)
        waitpid(kids[i], 0, 0);
    setresuid(u, u, u);
    a = try_fork("user, first child (with itself: 2)");
    pid_t b = try_fork("user, second child (zombie counted)");
    waitpid(a, 0, 0);
    b = try_fork("user, after reaping one");
    waitpid(b, 0, 0);
}

static void exec_ids(const char *self)
{
    char *argv[] = {(char *)self, "report", 0};
    res("setresuid(1000, 1000, 0)", setresuid(1000, 1000, 0));
    pid_t c = fork();
    if (c == 0) {
        /* Exec permission is checked with the fs uid: root's, whatever the path's modes. */
        setfsuid(0);
        execv(self, argv);
        say("exec failed: %s", errname(errno));
        _exit(1);
    }
    waitpid(c, 0, 0);
    res("setresuid(1000, 0, 0)", setresuid(1000, 0, 0));
    res("setresgid(1000, 5, 6)", setresgid(1000, 5, 6));
    setfsuid(42);
    execv(self, argv);
    say("exec failed: %s", errname(errno));
}

static const char *self_path;
static char copy_dir[64], copy_path[96];

/* A copy of this program where every user may search and execute it (the exec below runs
 * with an fs uid of 42, and the program's own directory, a build tree, may be private). */
static int copy_self(void)
{
    snprintf(copy_dir, sizeof copy_dir, "/tmp/setidsXXXXXX");
    if (!mkdtemp(copy_dir) || chmod(copy_dir, 0755) != 0)
        return -1;
    snprintf(copy_path, sizeof copy_path, "%s/setids", copy_dir);
    int in = open(self_path, O_RDONLY), out = open(copy_path, O_CREAT | O_WRONLY, 0755);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            break;
    close(in);
    close(out);
    return chmod(copy_path, 0755);
}

static void exec_child(void)
{
    exec_ids(copy_path);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0) {
        ids("after exec");
        say("AT_SECURE %lu", getauxval(AT_SECURE));
        return 0;
    }
    self_path = argv[0];
    /* A known start: the host's root may have supplementary groups. */
    if (setgroups(0, NULL) != 0) {
        say("not root: %s", errname(errno));
        return 1;
    }
    ids("root");
    groups("root");
    in_child("dropping every root id", drop_all);
    in_child("keeping a saved root uid", keep_saved_root);
    in_child("setreuid's saved uid", setreuid_saved_rule);
    in_child("file-system ids", fs_ids);
    in_child("group ids", group_ids);
    in_child("supplementary groups", supplementary);
    in_child("kill between users", kills);
    in_child("RLIMIT_NPROC per real uid", nproc);
    if (copy_self() != 0) {
        say("copying the program: %s", errname(errno));
        return 1;
    }
    in_child("exec", exec_child);
    unlink(copy_path);
    rmdir(copy_dir);
    say("done");
    return 0;
}
