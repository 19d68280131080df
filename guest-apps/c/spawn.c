/*
 * spawn TRUE CAT: starting programs through the C library: posix_spawn (glibc and musl
 * both use clone(CLONE_VM|CLONE_VFORK) and report exec errors through shared memory) with
 * file actions and attributes, posix_spawnp's PATH search, system(), popen()/pclose(),
 * and the shell's own sequence (fork, setpgid, exec "/bin/sh -c ...", waitpid). TRUE and
 * CAT are paths of a `true` and a `cat` program.
 *
 * Checks: exec errors come back as posix_spawn's return value (ENOENT, EACCES, ENOEXEC);
 * dup2/close file actions wire a program between two pipes; POSIX_SPAWN_SETPGROUP and
 * POSIX_SPAWN_SETSID put the child in a new group / session; system() and popen() run
 * /bin/sh and report its exit status. Differential: facts only (no pids).
 */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>

extern char **environ;

static int reap(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        say("waitpid: %s", errname(errno));
        exit(1);
    }
    return status;
}

/* posix_spawn of `path` with no arguments; "ok: <how it ended>" or the error's name. */
static const char *spawn_plain(const char *path)
{
    static char buf[96];
    pid_t pid;
    char *argv[] = {(char *)path, NULL};
    int err = posix_spawn(&pid, path, NULL, NULL, argv, environ);
    if (err != 0)
        return errname(err);
    snprintf(buf, sizeof buf, "ok: %s", describe(reap(pid)));
    return buf;
}

/* Writes `len` bytes of `data` to a new file at `path` with `mode`. */
static void make_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        say("creating %s: %s", path, errname(errno));
        exit(1);
    }
    close(fd);
}

/* Spawns CAT with stdin and stdout on two pipes and `flags`; returns the child's pid and
 * leaves the parent's ends in `to_child` and `from_child`. */
static pid_t spawn_cat(const char *cat, short flags, int *to_child, int *from_child)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        say("pipe2: %s", errname(errno));
        exit(1);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, flags);
    if (flags & POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    char *argv[] = {(char *)cat, NULL};
    int err = posix_spawn(&pid, cat, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(out[1]);
    if (err != 0) {
        say("posix_spawn cat: %s", errname(err));
        exit(1);
    }
    *to_child = in[1];
    *from_child = out[0];
    return pid;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        say("usage: spawn TRUE CAT");
        return 2;
    }
    const char *true_bin = argv[1], *cat = argv[2];

    say("posix_spawn true: %s", spawn_plain(true_bin));
    say("posix_spawn a missing program: %s", spawn_plain("/nonexistent/program"));
    say("posix_spawn a directory: %s", spawn_plain("/"));
    char path[64];
    snprintf(path, sizeof path, "/tmp/spawn-test-%ld", (long)getpid());
    make_file(path, "hello\n", 6, 0644);
    say("posix_spawn a file without x permission: %s", spawn_plain(path));
    unlink(path);
    make_file(path, "\x7f" "ELF garbage, not a program\n", 27, 0755);
    say("posix_spawn an executable that is no program: %s", spawn_plain(path));
    unlink(path);

    /* File actions: cat between two pipes. */
    int to, from;
    pid_t pid = spawn_cat(cat, 0, &to, &from);
    char buf[64] = {0};
    ssize_t n = write(to, "through cat\n", 12);
    close(to);
    ssize_t got = 0, r;
    while ((r = read(from, buf + got, sizeof buf - 1 - got)) > 0)
        got += r;
    close(from);
    say("cat between two pipes: wrote %ld, read back %s", (long)n,
        strcmp(buf, "through cat\n") == 0 ? "the same" : "something else");
    say("cat: %s", describe(reap(pid)));

    /* Attributes: a new process group; a new session. */
    pid = spawn_cat(cat, POSIX_SPAWN_SETPGROUP, &to, &from);
    say("POSIX_SPAWN_SETPGROUP: the child leads a new group: %s",
        getpgid(pid) == pid && getpgrp() != pid ? "true" : "false");
    say("  and stays in our session: %s", getsid(pid) == getsid(0) ? "true" : "false");
    close(to);
    close(from);
    say("  it ended: %s", describe(reap(pid)));
    pid = spawn_cat(cat, POSIX_SPAWN_SETSID, &to, &from);
    say("POSIX_SPAWN_SETSID: the child leads a new session: %s",
        getsid(pid) == pid && getpgid(pid) == pid ? "true" : "false");
    close(to);
    close(from);
    say("  it ended: %s", describe(reap(pid)));

    /* posix_spawnp searches PATH. */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", true_bin);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        say("TRUE must be a path");
        return 2;
    }
    *slash = 0;
    setenv("PATH", dir[0] ? dir : "/", 1);
    char *true_argv[] = {"true", NULL};
    int err = posix_spawnp(&pid, "true", NULL, NULL, true_argv, environ);
    say("posix_spawnp true with PATH set to its directory: %s",
        err ? errname(err) : describe(reap(pid)));
    char *missing_argv[] = {"no-such-program-here", NULL};
    err = posix_spawnp(&pid, "no-such-program-here", NULL, NULL, missing_argv, environ);
    say("posix_spawnp of a name not in PATH: %s", err ? errname(err) : "started");
    setenv("PATH", "/bin:/usr/bin", 1);

    /* system() and popen() run /bin/sh -c. */
    say("system(NULL) finds a shell: %s", system(NULL) != 0 ? "true" : "false");
    say("system(\"exit 3\"): %s", describe(system("exit 3")));
    say("system(\"true\"): %s", describe(system("true")));
    FILE *p = popen("echo popen works", "r");
    if (p == NULL) {
        say("popen: %s", errname(errno));
        return 1;
    }
    char line[64] = {0};
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = 0;
    line[strcspn(line, "\n")] = 0;
    say("popen read: %s", line);
    say("pclose: %s", describe(pclose(p)));
    p = popen("exit 4", "r");
    say("pclose of \"exit 4\": %s", p ? describe(pclose(p)) : errname(errno));

    /* The shell's sequence for a foreground job: fork, setpgid on both sides, exec. */
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", "exit 5", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* EACCES if the child has already exec'd: a race, not reported */
    say("fork, setpgid, exec sh -c 'exit 5': %s", describe(reap(pid)));
    pid = fork();
    if (pid == 0) {
        execl("/nonexistent/sh", "sh", (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126);
    }
    say("fork, exec of a missing program: %s", describe(reap(pid)));
    pid = fork();
    if (pid == 0) {
        setenv("PATH", "/nonexistent:/also-missing", 1);
        execvp("true", true_argv);
        _exit(errno == ENOENT ? 127 : 126);
    }
    say("fork, execvp with no match in PATH: %s", describe(reap(pid)));
    return 0;
}
