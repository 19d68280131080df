/*
 * memhog MIB: allocates MIB MiB with the C library's malloc() in 64 KiB pieces (glibc
 * serves those from brk, musl from brk and mmap) and writes to every page, then says
 * "survived". Asked for more than the machine has, it must be the program that dies, not
 * the kernel: Linux's OOM killer sends SIGKILL (status 137 under a shell), and so must the
 * guest when a page fault finds no free frame. If malloc itself fails instead, it prints
 * "malloc failed: ENOMEM" and exits 1.
 *
 * GUEST ONLY with a MIB larger than the guest: never run an unbounded hog on the host.
 */
#include "common.h"

#define PIECE (64 * 1024)

int main(int argc, char **argv)
{
    if (argc != 2) {
        say("usage: memhog MIB");
        return 2;
    }
    long pieces = atol(argv[1]) * (1024 * 1024 / PIECE);
    for (long i = 0; i < pieces; i++) {
        char *p = malloc(PIECE);
        if (p == NULL) {
            say("malloc failed: %s", errname(errno));
            say("# after %ld KiB", i * (PIECE / 1024));
            return 1;
        }
        for (long off = 0; off < PIECE; off += 4096)
            p[off] = 1;
    }
    say("survived");
    return 0;
}
