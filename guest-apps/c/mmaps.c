/*
 * mmaps small|huge|sparse...: mmap until the kernel says ENOMEM, and large sparse
 * mappings.
 *
 *   small   one-page anonymous mappings, alternately read-only and read-write so that
 *           neighbours cannot merge, until mmap fails: Linux stops at vm.max_map_count
 *           (65530 by default) with ENOMEM, in a fraction of a second (in the guest,
 *           where every kernel instruction is emulated, 65530 calls take tens of
 *           seconds). Gives up after 1,000,000 mappings or 60 seconds ("no ENOMEM ...";
 *           `small N` gives it N seconds).
 *   aslimit RLIMIT_AS lowered to 64 MiB above what is mapped, then 1 MiB private
 *           writable mappings (alternately read-only, so they cannot merge) until mmap
 *           fails: ENOMEM (Linux `may_expand_vm`), quickly on both kernels.
 *   huge    1 TiB MAP_NORESERVE mappings until the 128 TiB user address space is full
 *           (ENOMEM), then a mapping larger than the whole address space (ENOMEM).
 *   sparse  one 1 TiB mapping with only its first page touched, unmapped again: the
 *           kernel's work must follow the pages in use, not the size of the range.
 *
 * After each, everything is unmapped and a fresh mapping must work and be usable.
 * Differential: prints errno names; counts go on "# " lines (guest-only).
 */
#include "common.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_SMALL 1000000
/* How long `small` may take (seconds; `small N` sets it). */
static long small_seconds = 60;
#define MAX_HUGE 1024
#define TIB (1UL << 40)

static void *maps[MAX_SMALL];

/* A fresh read-write page works: mapped, written, read back, unmapped. */
static const char *fresh_mapping_works(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return errname(errno);
    p[100] = 42;
    int ok = p[100] == 42;
    munmap(p, 4096);
    return ok ? "true" : "false";
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void small(void)
{
    long n = 0;
    int err = 0;
    double start = seconds();
    int timed_out = 0;
    while (n < MAX_SMALL) {
        if (n % 16 == 0 && seconds() - start > small_seconds) {
            timed_out = 1;
            break;
        }
        int prot = n % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            err = errno;
            break;
        }
        maps[n++] = p;
    }
    if (timed_out)
        say("small mappings: no ENOMEM within %ld s", small_seconds);
    else
        say("small mappings: %s", n == MAX_SMALL ? "no ENOMEM" : errname(err));
    say("# small mappings made: %ld", n);
    long bad = 0;
    for (long i = 0; i < n; i++)
        bad += munmap(maps[i], 4096) != 0;
    say("every small mapping unmapped: %s", bad == 0 ? "true" : "false");
    say("after unmapping, a new mapping works: %s", fresh_mapping_works());
}

static void aslimit(void)
{
    struct rlimit old, rl;
    getrlimit(RLIMIT_AS, &old);
    /* 512 MiB: far more than this program has mapped (tens of MiB, the stack region
     * included), far less than the machine has. */
    rl.rlim_cur = 512UL << 20;
    rl.rlim_max = old.rlim_max;
    say("setrlimit RLIMIT_AS 512 MiB: %s", setrlimit(RLIMIT_AS, &rl) == 0 ? "ok" : errname(errno));
    long n = 0;
    int err = 0;
    static void *got[1024];
    while (n < 1024) {
        int prot = n % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        void *p = mmap(NULL, 1 << 20, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            err = errno;
            break;
        }
        got[n++] = p;
    }
    say("1 MiB mappings under RLIMIT_AS: %s", n == 1024 ? "no ENOMEM" : errname(err));
    say("# 1 MiB mappings made: %ld", n);
    say("most of the 512 fit: %s", n >= 400 && n < 512 ? "true" : "false");
    for (long i = 0; i < n; i++)
        munmap(got[i], 1 << 20);
    char *big = mmap(NULL, 600UL << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("a 600 MiB mapping over the limit: %s", big == MAP_FAILED ? errname(errno) : "mapped");
    setrlimit(RLIMIT_AS, &old);
    say("after unmapping, a new mapping works: %s", fresh_mapping_works());
}

static void huge(void)
{
    long n = 0;
    int err = 0;
    while (n < MAX_HUGE) {
        void *p = mmap(NULL, TIB, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            err = errno;
            break;
        }
        maps[n++] = p;
    }
    say("1 TiB mappings: %s", n == MAX_HUGE ? "no ENOMEM" : errname(err));
    say("# 1 TiB mappings made: %ld", n);
    say("at least 100 of them fit: %s", n >= 100 ? "true" : "false");
    if (n > 0) {
        /* The top page of the first (highest) one: the pages the kernel maps around a
         * fault stay inside this mapping (see `sparse` for the other case). */
        char *first = maps[0];
        first[TIB - 1] = 1;
        say("the top page of the first one is usable: %s", first[TIB - 1] == 1 ? "true" : "false");
    }
    long bad = 0;
    for (long i = 0; i < n; i++)
        bad += munmap(maps[i], TIB) != 0;
    say("every 1 TiB mapping unmapped: %s", bad == 0 ? "true" : "false");
    void *p = mmap(NULL, 1UL << 47, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    say("one mapping larger than the address space: %s", p == MAP_FAILED ? errname(errno) : "mapped");
    say("after unmapping, a new mapping works: %s", fresh_mapping_works());
}

static void sparse(void)
{
    char *p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        say("a 1 TiB mapping: %s", errname(errno));
        return;
    }
    p[0] = 1;
    say("a 1 TiB mapping, first page written: %s", p[0] == 1 ? "true" : "false");
    double start = seconds();
    say("unmapped: %s", outcome(munmap(p, TIB)));
    say("# munmap took %.3f s", seconds() - start);
    say("after unmapping, a new mapping works: %s", fresh_mapping_works());
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        say("usage: mmaps small|aslimit|huge|sparse...");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "small") == 0) {
            if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
                small_seconds = atol(argv[++i]);
            small();
        }
        else if (strcmp(argv[i], "huge") == 0)
            huge();
        else if (strcmp(argv[i], "aslimit") == 0)
            aslimit();
        else if (strcmp(argv[i], "sparse") == 0)
            sparse();
        else {
            say("usage: mmaps small|aslimit|huge|sparse...");
            return 2;
        }
    }
    return 0;
}
