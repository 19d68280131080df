/*
 * File attributes as root (issue 13): the creation mask, chmod/fchmod/fchmodat(2), chown,
 * lchown, fchown, fchownat and the set-id bits they clear, link/linkat and link counts,
 * truncate/ftruncate with zero fill, utimensat/futimens/utimes/utime/futimesat with
 * explicit times, UTIME_OMIT and UTIME_NOW, access/faccessat, and the errors of each.
 * Works in a fresh directory under /tmp (mkdtemp) and removes it. Prints facts only:
 * modes, owners, link counts, sizes, errno names, times that were set explicitly, and
 * time comparisons ("ctime advanced"), never the current time or inode numbers.
 * Compared with the host by tests/tests/difftest.rs (the host's /tmp may be ext4, the
 * guest's is tmpfs: nothing printed depends on the file system's kind).
 */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* "EXDEV" and friends that common.h does not name. */
static const char *err(void)
{
    switch (errno) {
    case EXDEV: return "EXDEV";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EMLINK: return "EMLINK";
    case ENOTEMPTY: return "ENOTEMPTY";
    default: return errname(errno);
    }
}

static const char *res(long r)
{
    return r < 0 ? err() : "ok";
}

static struct stat st_of(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        say("lstat %s: %s", path, err());
        exit(1);
    }
    return st;
}

/* One line with what lstat says about `path`: type and mode bits, owner, links, size. */
static void show(const char *label, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        say("%s: lstat %s", label, err());
        return;
    }
    /* A directory's size is the file system's business (ext4 4096, tmpfs 0). */
    long long size = S_ISDIR(st.st_mode) ? 0 : (long long)st.st_size;
    say("%s: mode %o uid %u gid %u nlink %lu size %lld", label, (unsigned)st.st_mode,
        (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned long)st.st_nlink, size);
}

static int later(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static int same(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* A pause long enough for any file system's time stamps to move on. */
static void tick(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, 0);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        say("writing %s: %s", path, err());
        exit(1);
    }
    close(fd);
}

/* The file's bytes, "\0" shown as '.', at most 31. */
static const char *content(const char *path)
{
    static char buf[32];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return err();
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == 0)
            buf[i] = '.';
    buf[n] = 0;
    return buf;
}

static void creation_mask(void)
{
    umask(027);
    int fd = open("masked", O_CREAT | O_WRONLY, 0666);
    close(fd);
    mkdir("maskdir", 0777);
    show("umask 027: file 0666", "masked");
    show("umask 027: dir 0777", "maskdir");
    umask(0);
    fd = open("unmasked", O_CREAT | O_WRONLY, 06777);
    close(fd);
    show("umask 0: file 06777", "unmasked");
    umask(022);
    unlink("masked");
    unlink("unmasked");
    rmdir("maskdir");
}

static void modes(void)
{
    put("f", "data");
    mkdir("d", 0755);
    symlink("f", "ln");
    say("chmod 600: %s", res(chmod("f", 0600)));
    show("after chmod 600", "f");
    struct stat before = st_of("f");
    tick();
    chmod("f", 0640);
    struct stat after = st_of("f");
    say("chmod: ctime advanced %d, mtime same %d", later(after.st_ctim, before.st_ctim),
        same(after.st_mtim, before.st_mtim));
    chmod("f", 04755);
    show("chmod 4755", "f");
    chmod("f", 02755);
    show("chmod 2755", "f");
    chmod("f", 01777);
    show("chmod 1777", "f");
    chmod("f", 0177777);
    show("chmod 0177777 (only 07777 counts)", "f");
    chmod("d", 02775);
    show("chmod dir 2775", "d");
    chmod("ln", 0600);
    show("chmod through a link: the target", "f");
    show("chmod through a link: the link", "ln");
    int fd = open("f", O_RDONLY);
    say("fchmod on a read-only descriptor: %s", res(fchmod(fd, 0444)));
    close(fd);
    show("after fchmod", "f");
    fd = open("f", O_PATH);
    /* Raw: musl retries through /proc/self/fd, which the guest does not have. */
    say("fchmod on O_PATH: %s", res(syscall(SYS_fchmod, fd, 0644)));
    close(fd);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    say("fchmodat: %s", res(fchmodat(dfd, "f", 0644, 0)));
    show("after fchmodat", "f");
    say("fchmodat2 NOFOLLOW on a link: %s",
        res(syscall(SYS_fchmodat2, dfd, "ln", 0600, AT_SYMLINK_NOFOLLOW)));
    say("fchmodat2 NOFOLLOW on a file: %s",
        res(syscall(SYS_fchmodat2, dfd, "f", 0604, AT_SYMLINK_NOFOLLOW)));
    show("after fchmodat2", "f");
    say("fchmodat2 bad flags: %s", res(syscall(SYS_fchmodat2, dfd, "f", 0600, 0x1)));
    close(dfd);
    fd = open("f", O_RDONLY);
    say("fchmodat2 AT_EMPTY_PATH: %s", res(syscall(SYS_fchmodat2, fd, "", 0640, AT_EMPTY_PATH)));
    close(fd);
    show("after AT_EMPTY_PATH", "f");
    say("chmod of a missing file: %s", res(chmod("nothing", 0600)));
    say("chmod below a file: %s", res(chmod("f/x", 0600)));
    say("chmod of an empty path: %s", res(chmod("", 0600)));
    fd = open("f", O_RDONLY);
    say("fchmod of a closed descriptor: %s", res(fchmod(99, 0600)));
    close(fd);
}

static void owners(void)
{
    say("chown 1000:1000: %s", res(chown("f", 1000, 1000)));
    show("after chown", "f");
    struct stat before = st_of("f");
    tick();
    chown("f", 1234, -1);
    struct stat after = st_of("f");
    show("chown 1234:-1", "f");
    say("chown: ctime advanced %d", later(after.st_ctim, before.st_ctim));
    chown("f", -1, 4321);
    show("chown -1:4321", "f");
    say("lchown of the link: %s", res(lchown("ln", 7, 8)));
    show("lchown: the link", "ln");
    show("lchown: the target", "f");
    chown("ln", 9, 10);
    show("chown through the link: the target", "f");
    int fd = open("f", O_RDONLY);
    say("fchown: %s", res(fchown(fd, 11, 12)));
    show("after fchown", "f");
    say("fchownat AT_EMPTY_PATH: %s", res(fchownat(fd, "", 13, 14, AT_EMPTY_PATH)));
    show("after fchownat AT_EMPTY_PATH", "f");
    close(fd);
    say("fchownat NOFOLLOW: %s", res(fchownat(AT_FDCWD, "ln", 15, 16, AT_SYMLINK_NOFOLLOW)));
    show("fchownat NOFOLLOW: the link", "ln");
    say("fchownat bad flags: %s", res(fchownat(AT_FDCWD, "f", 0, 0, 0x2)));
    fd = open("f", O_PATH);
    say("fchown on O_PATH: %s", res(syscall(SYS_fchown, fd, 0, 0)));
    close(fd);
    say("chown of a missing file: %s", res(chown("nothing", 0, 0)));

    /* Changing the owner clears set-id bits, also for root, also with -1, -1. */
    chmod("f", 06755);
    chown("f", 0, 0);
    show("6755, chown 0:0", "f");
    chmod("f", 06755);
    chown("f", -1, -1);
    show("6755, chown -1:-1", "f");
    chmod("f", 04644);
    chown("f", 5, -1);
    show("4644, chown 5:-1", "f");
    chmod("f", 02744);
    chown("f", 6, 6);
    show("2744 (no group x), chown 6:6", "f");
    chmod("f", 02754);
    chown("f", -1, 7);
    show("2754, chown -1:7", "f");
    chmod("d", 06775);
    chown("d", 8, 8);
    show("dir 6775, chown 8:8", "d");
    chown("d", 0, 0);
    chmod("d", 0755);
    chown("f", 0, 0);

    /* Root keeps the set-id bits when writing and truncating (CAP_FSETID). */
    chmod("f", 06755);
    fd = open("f", O_WRONLY | O_APPEND);
    say("write by root: %s", res(write(fd, "x", 1)));
    close(fd);
    show("6755 after a write by root", "f");
    truncate("f", 2);
    show("6755 after truncate by root", "f");
    chmod("f", 0644);
}

static void links(void)
{
    struct stat before = st_of("f");
    tick();
    say("link f g: %s", res(link("f", "g")));
    struct stat f = st_of("f"), g = st_of("g");
    say("same inode %d, nlink %lu and %lu, ctime advanced %d", f.st_ino == g.st_ino,
        (unsigned long)f.st_nlink, (unsigned long)g.st_nlink, later(f.st_ctim, before.st_ctim));
    chmod("g", 0600);
    show("chmod of g seen through f", "f");
    say("link onto an existing name: %s", res(link("f", "g")));
    say("link of a directory: %s", res(link("d", "d2")));
    say("link of a missing file: %s", res(link("nothing", "n2")));
    say("link into a missing directory: %s", res(link("f", "nodir/x")));
    say("link below a file: %s", res(link("f", "f/x")));
    say("link with a trailing slash: %s", res(link("f", "h/")));
    say("link of a file with a trailing slash: %s", res(link("f/", "h")));
    say("link onto .: %s", res(link("f", "d/.")));
    say("link of a symlink: %s", res(link("ln", "ln2")));
    show("link does not follow", "ln2");
    say("linkat AT_SYMLINK_FOLLOW: %s", res(linkat(AT_FDCWD, "ln", AT_FDCWD, "ln3", AT_SYMLINK_FOLLOW)));
    show("linkat followed", "ln3");
    show("f now", "f");
    say("linkat bad flags: %s", res(linkat(AT_FDCWD, "f", AT_FDCWD, "x", 0x100)));
    int fd = open("f", O_RDONLY);
    say("linkat AT_EMPTY_PATH: %s", res(linkat(fd, "", AT_FDCWD, "byfd", AT_EMPTY_PATH)));
    close(fd);
    show("f after AT_EMPTY_PATH", "f");
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    say("linkat into a directory fd: %s", res(linkat(AT_FDCWD, "f", dfd, "inner", 0)));
    close(dfd);
    show("d/inner", "d/inner");
    say("link to another file system: %s", res(link("f", "/dev/fileattrs-link")));
    unlink("g");
    unlink("ln2");
    unlink("ln3");
    unlink("byfd");
    unlink("d/inner");
    show("f after unlinking the others", "f");

    /* An open file with no name left cannot get one back. */
    put("gone", "x");
    fd = open("gone", O_RDONLY);
    unlink("gone");
    say("linkat of an unlinked file: %s", res(linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH)));
    close(fd);

    mkdir("d/sub", 0755);
    show("dir with a subdirectory", "d");
    rmdir("d/sub");
}

static void sizes(void)
{
    put("t", "hello");
    struct stat before = st_of("t");
    tick();
    say("truncate to 10: %s", res(truncate("t", 10)));
    struct stat after = st_of("t");
    say("size %lld, content %s, mtime advanced %d, ctime advanced %d", (long long)after.st_size,
        content("t"), later(after.st_mtim, before.st_mtim), later(after.st_ctim, before.st_ctim));
    truncate("t", 3);
    say("truncate to 3: size %lld, content %s", (long long)st_of("t").st_size, content("t"));
    truncate("t", 8);
    say("grown to 8 again: content %s", content("t"));
    int fd = open("t", O_RDWR);
    before = st_of("t");
    tick();
    say("ftruncate to 2: %s", res(ftruncate(fd, 2)));
    after = st_of("t");
    say("size %lld, content %s, mtime advanced %d", (long long)after.st_size, content("t"),
        later(after.st_mtim, before.st_mtim));
    say("ftruncate to 70000: %s", res(ftruncate(fd, 70000)));
    say("size %lld", (long long)st_of("t").st_size);
    char byte = 1;
    say("pread at 69999: %ld, byte %d", (long)pread(fd, &byte, 1, 69999), byte);
    say("ftruncate negative: %s", res(ftruncate(fd, -1)));
    close(fd);
    fd = open("t", O_RDONLY);
    say("ftruncate read-only: %s", res(ftruncate(fd, 0)));
    close(fd);
    fd = open("t", O_PATH);
    say("ftruncate O_PATH: %s", res(ftruncate(fd, 0)));
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY);
    say("ftruncate a directory: %s", res(ftruncate(fd, 0)));
    close(fd);
    int p[2];
    pipe(p);
    say("ftruncate a pipe: %s", res(ftruncate(p[1], 0)));
    close(p[0]);
    close(p[1]);
    say("ftruncate a closed descriptor: %s", res(ftruncate(99, 0)));
    say("truncate negative: %s", res(truncate("t", -1)));
    say("truncate negative, missing file: %s", res(truncate("nothing", -1)));
    say("truncate a directory: %s", res(truncate("d", 0)));
    say("truncate a missing file: %s", res(truncate("nothing", 0)));
    say("truncate below a file: %s", res(truncate("t/x", 0)));
    symlink("t", "tl");
    say("truncate through a link: %s", res(truncate("tl", 1)));
    say("size %lld", (long long)st_of("t").st_size);
    chmod("t", 0);
    say("truncate mode 000 as root: %s", res(truncate("t", 0)));
    unlink("tl");
    unlink("t");
}

static void times(void)
{
    put("u", "x");
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    say("utimensat explicit: %s", res(utimensat(AT_FDCWD, "u", ts, 0)));
    struct stat st = st_of("u");
    say("atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
        (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct stat before = st;
    tick();
    struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    say("atime OMIT, mtime NOW: %s", res(utimensat(AT_FDCWD, "u", omit_now, 0)));
    st = st_of("u");
    say("atime kept %d, mtime recent %d, ctime advanced %d", same(st.st_atim, before.st_atim),
        st.st_mtim.tv_sec > 1600000000, later(st.st_ctim, before.st_ctim));
    struct timespec set_omit[2] = {{1300000000, 5}, {0, UTIME_OMIT}};
    utimensat(AT_FDCWD, "u", set_omit, 0);
    st = st_of("u");
    say("atime set %lld.%09ld, mtime kept %d", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
        st.st_mtim.tv_sec > 1600000000);
    utimensat(AT_FDCWD, "u", ts, 0);
    say("utimensat NULL: %s", res(utimensat(AT_FDCWD, "u", 0, 0)));
    st = st_of("u");
    say("both recent %d", st.st_atim.tv_sec > 1600000000 && st.st_mtim.tv_sec > 1600000000);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    say("both OMIT on a missing file: %s", res(utimensat(AT_FDCWD, "nothing", omit, 0)));
    say("both OMIT, bad flags: %s", res(utimensat(AT_FDCWD, "u", omit, 0x4000)));
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    say("bad nsec: %s", res(utimensat(AT_FDCWD, "u", bad, 0)));
    say("bad nsec, missing file: %s", res(utimensat(AT_FDCWD, "nothing", bad, 0)));
    bad[0].tv_nsec = -1;
    say("negative nsec: %s", res(utimensat(AT_FDCWD, "u", bad, 0)));
    say("bad flags: %s", res(utimensat(AT_FDCWD, "u", ts, 0x4000)));
    symlink("u", "ul");
    say("utimensat NOFOLLOW on a link: %s", res(utimensat(AT_FDCWD, "ul", ts, AT_SYMLINK_NOFOLLOW)));
    st = st_of("ul");
    say("link mtime %lld", (long long)st.st_mtim.tv_sec);
    unlink("ul");
    int fd = open("u", O_RDONLY);
    struct timespec fts[2] = {{1400000000, 0}, {1500000000, 0}};
    say("futimens: %s", res(futimens(fd, fts)));
    st = st_of("u");
    say("atime %lld mtime %lld", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    say("utimensat(fd, NULL path) with flags: %s",
        res(syscall(SYS_utimensat, fd, 0, fts, AT_SYMLINK_NOFOLLOW)));
    say("utimensat AT_EMPTY_PATH: %s", res(utimensat(fd, "", ts, AT_EMPTY_PATH)));
    say("mtime %lld", (long long)st_of("u").st_mtim.tv_sec);
    close(fd);
    fd = open("u", O_PATH);
    say("futimens on O_PATH: %s", res(futimens(fd, fts)));
    close(fd);
    say("futimens on a closed descriptor: %s", res(futimens(99, fts)));
    struct timeval tv[2] = {{1100000000, 250000}, {1110000000, 999999}};
    say("utimes: %s", res(utimes("u", tv)));
    st = st_of("u");
    say("atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
        (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    tv[1].tv_usec = 1000000;
    say("utimes bad usec: %s", res(utimes("u", tv)));
    tv[1].tv_usec = 0;
    say("futimesat: %s", res(syscall(SYS_futimesat, AT_FDCWD, "u", tv)));
    say("mtime %lld.%09ld", (long long)st_of("u").st_mtim.tv_sec, st_of("u").st_mtim.tv_nsec);
    struct utimbuf ub = {1050000000, 1060000000};
    say("utime: %s", res(utime("u", &ub)));
    st = st_of("u");
    say("atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
        (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    say("utime NULL: %s", res(utime("u", 0)));
    say("recent %d", st_of("u").st_mtim.tv_sec > 1600000000);
    say("utime of a missing file: %s", res(utime("nothing", &ub)));
    chmod("u", 0);
    say("utimensat on mode 000 as root: %s", res(utimensat(AT_FDCWD, "u", ts, 0)));
    unlink("u");
}

static void access_checks(void)
{
    put("a", "x");
    chmod("a", 0);
    say("access R|W on 000: %s", res(access("a", R_OK | W_OK)));
    say("access X on 000: %s", res(access("a", X_OK)));
    chmod("a", 0644);
    say("access X on 644: %s", res(access("a", X_OK)));
    chmod("a", 0010);
    say("access X on 010: %s", res(access("a", X_OK)));
    say("access F: %s", res(access("a", F_OK)));
    say("access bad mode: %s", res(access("a", 8)));
    say("access a missing file: %s", res(access("nothing", F_OK)));
    say("access below a file: %s", res(access("a/x", F_OK)));
    chmod("d", 0);
    say("access X on a dir 000: %s", res(access("d", X_OK)));
    chmod("d", 0755);
    say("faccessat AT_EACCESS: %s", res(faccessat(AT_FDCWD, "a", R_OK, AT_EACCESS)));
    int fd = open("a", O_PATH);
    say("faccessat2 AT_EMPTY_PATH: %s", res(syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH)));
    close(fd);
    say("faccessat2 bad flags: %s", res(syscall(SYS_faccessat2, AT_FDCWD, "a", R_OK, 0x1)));
    symlink("nothing", "dangling");
    say("faccessat2 NOFOLLOW on a dangling link: %s",
        res(syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW)));
    say("access through a dangling link: %s", res(access("dangling", F_OK)));
    unlink("dangling");
    unlink("a");
}

int main(void)
{
    char dir[] = "/tmp/fileattrs-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        say("mkdtemp: %s", err());
        return 1;
    }
    umask(022);
    creation_mask();
    modes();
    owners();
    links();
    sizes();
    times();
    access_checks();
    unlink("ln");
    unlink("f");
    rmdir("d");
    if (chdir("/") != 0 || rmdir(dir) != 0)
        say("cleaning up: %s", err());
    say("done");
    return 0;
}
