/*
 * File access as an unprivileged user (issue 13; POSIX XBD 4.5 "File Access Permissions",
 * path_resolution(7), access(2), chmod(2), chown(2), utimensat(2), unlink(2) on sticky
 * directories): root prepares files and directories in a fresh directory under /tmp,
 * then a child becomes user 1000 (groups 1000 and 3000) and tries reads, writes,
 * searches, listings, creation, sticky deletion, chmod, chown, time changes and access()
 * with real against effective ids. Prints facts only; compared with the host by
 * tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <time.h>

static char base[64];

static const char *at(const char *name)
{
    static char path[4][160];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 160, "%s/%s", base, name);
    return p;
}

static void make(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = open(at(name), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd >= 0) {
        write(fd, "data\n", 5);
        close(fd);
    }
    chown(at(name), uid, gid);
    chmod(at(name), mode);
}

static void makedir(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    mkdir(at(name), 0700);
    chown(at(name), uid, gid);
    chmod(at(name), mode);
}

static const char *try_open(const char *name, int flags)
{
    int fd = open(at(name), flags);
    if (fd < 0)
        return errname(errno);
    close(fd);
    return "ok";
}

static const char *result(int r) { return r == 0 ? "ok" : errname(errno); }

static void as_user(void)
{
    gid_t groups[2] = {1000, 3000};
    if (setgroups(2, groups) != 0 || setresgid(1000, 1000, 1000) != 0 ||
        setresuid(1000, 1000, 1000) != 0) {
        say("dropping privileges: %s", errname(errno));
        _exit(1);
    }
    say("read own 0600: %s", try_open("own", O_RDONLY));
    say("read root's 0600: %s", try_open("root600", O_RDONLY));
    say("read root's 0644: %s, write it: %s", try_open("root644", O_RDONLY),
        try_open("root644", O_WRONLY));
    say("write group 3000's 0660 (a supplementary group): %s", try_open("grp660", O_WRONLY));
    say("read other group's 0640: %s", try_open("other640", O_RDONLY));
    say("owner bits win: own 0066 read: %s", try_open("own066", O_RDONLY));
    say("search-only dir 0711: open a file in it %s, list it %s",
        try_open("d711/f", O_RDONLY), opendir(at("d711")) ? "ok" : errname(errno));
    say("read-only dir 0744: list it %s, open a file in it %s",
        opendir(at("d744")) ? "ok" : errname(errno), try_open("d744/f", O_RDONLY));
    int fd = open(at("d755/new"), O_CREAT | O_WRONLY, 0644);
    say("create in root's 0755 dir: %s", fd >= 0 ? "ok" : errname(errno));
    if (fd >= 0)
        close(fd);
    say("unlink root's file in a sticky 1777 dir: %s", result(unlink(at("sticky/rootfile"))));
    say("unlink own file in a sticky 1777 dir: %s", result(unlink(at("sticky/ownfile"))));
    say("rename root's file in a sticky dir: %s",
        result(rename(at("sticky/rootfile"), at("sticky/moved"))));
    say("chmod root's file: %s", result(chmod(at("root644"), 0666)));
    say("chmod own file: %s", result(chmod(at("own"), 0640)));
    say("chown own file to user 2000: %s", result(chown(at("own"), 2000, -1)));
    say("chgrp own file to supplementary group 3000: %s", result(chown(at("own"), -1, 3000)));
    say("chgrp own file to group 4000: %s", result(chown(at("own"), -1, 4000)));
    chmod(at("own"), 02755);
    struct stat st;
    stat(at("own"), &st);
    say("chmod g+s on own file with group 3000: mode %o", st.st_mode & 07777);
    say("touch (now) a file it may write (group 0660): %s",
        result(utimensat(AT_FDCWD, at("grp660"), NULL, 0)));
    struct timespec times[2] = {{1000, 0}, {2000, 0}};
    say("set explicit times on it: %s", result(utimensat(AT_FDCWD, at("grp660"), times, 0)));
    say("touch root's 0644: %s", result(utimensat(AT_FDCWD, at("root644"), NULL, 0)));
    fd = open(at("suid666"), O_WRONLY);
    if (fd >= 0) {
        write(fd, "x", 1);
        close(fd);
    }
    stat(at("suid666"), &st);
    say("write to root's 6666 file: mode now %o", st.st_mode & 07777);
    say("truncate root's 0644: %s", result(truncate(at("root644"), 0)));
    say("link to root's 0600 file (protected_hardlinks): %s",
        result(link(at("root600"), at("sticky/hardlink"))));
}

static void real_versus_effective(void)
{
    /* Real uid 1000, effective root: access() answers for the real id. */
    if (setresuid(1000, 0, 0) != 0) {
        say("setresuid: %s", errname(errno));
        _exit(1);
    }
    say("real 1000, effective 0: access(root's 0600, R_OK) %s",
        result(access(at("root600"), R_OK)));
    say("  faccessat(AT_EACCESS) %s", result(faccessat(AT_FDCWD, at("root600"), R_OK, AT_EACCESS)));
    say("  open it %s", try_open("root600", O_RDONLY));
    say("  access(own 0600, W_OK) %s", result(access(at("own"), W_OK)));
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/dacXXXXXX");
    if (!mkdtemp(base)) {
        say("mkdtemp: %s", errname(errno));
        return 1;
    }
    chmod(base, 0755);
    make("own", 0600, 1000, 1000);
    make("own066", 0066, 1000, 1000);
    make("root600", 0600, 0, 0);
    make("root644", 0644, 0, 0);
    make("grp660", 0660, 0, 3000);
    make("other640", 0640, 0, 5000);
    make("suid666", 06666, 0, 0);
    makedir("d711", 0711, 0, 0);
    make("d711/f", 0644, 0, 0);
    makedir("d744", 0744, 0, 0);
    make("d744/f", 0644, 0, 0);
    makedir("d755", 0755, 0, 0);
    makedir("sticky", 01777, 0, 0);
    make("sticky/rootfile", 0644, 0, 0);
    make("sticky/ownfile", 0644, 1000, 1000);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        as_user();
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pid = fork();
    if (pid == 0) {
        real_versus_effective();
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    const char *names[] = {"d711/f", "d744/f", "sticky/rootfile", "sticky/ownfile",
                           "sticky/moved", "sticky/hardlink", "d755/new"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(at(names[i]));
    const char *dirs[] = {"d711", "d744", "d755", "sticky"};
    const char *files[] = {"own", "own066", "root600", "root644", "grp660", "other640",
                           "suid666"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(at(files[i]));
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        rmdir(at(dirs[i]));
    say("cleaned up: %s", result(rmdir(base)));
    return 0;
}
