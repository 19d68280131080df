/*
 * What a program learns about who runs it: its real, effective and saved user and group
 * ids, its supplementary groups and AT_SECURE. Installed setuid-root (mode 4755, owner 0)
 * and started by an unprivileged user (`vmm run --user 1000`, or `setpriv --reuid 1000` on
 * the host), Linux gives it "uid 1000 0 0" and AT_SECURE 1 (execve(2), getauxval(3));
 * compared with the host by tests/tests/users.rs.
 *
 * `secure --exec-as ID PATH` first becomes user and group ID (no other groups) and execs
 * PATH: how a test starts a set-user-id program as a user from a root shell.
 */
#define _GNU_SOURCE
#include "common.h"
#include <grp.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--exec-as") == 0) {
        gid_t id = (gid_t)atoi(argv[2]);
        if (setgroups(1, &id) != 0 || setgid(id) != 0 || setuid(id) != 0) {
            say("dropping privileges: %s", errname(errno));
            return 1;
        }
        execv(argv[3], &argv[3]);
        say("exec %s: %s", argv[3], errname(errno));
        return 127;
    }
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) != 0 || getresgid(&gr, &ge, &gs) != 0) {
        say("getres*id: %s", errname(errno));
        return 1;
    }
    gid_t groups[64];
    int n = getgroups(64, groups);
    if (n < 0) {
        say("getgroups: %s", errname(errno));
        return 1;
    }
    say("uid %u %u %u", r, e, s);
    say("gid %u %u %u", gr, ge, gs);
    printf("groups");
    for (int i = 0; i < n; i++)
        printf(" %u", groups[i]);
    printf("\n");
    say("AT_SECURE %lu", getauxval(AT_SECURE));
    return 0;
}
