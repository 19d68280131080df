/*
 * The vDSO (issue 15): the auxiliary vector names it (AT_SYSINFO_EHDR), it is an ELF
 * shared object exporting Linux's clock functions (version LINUX_2.6), and the C library's
 * clock_gettime, gettimeofday and time (which go through it) agree with the system calls.
 * Prints facts only; compared with the host by tests/tests/difftest.rs.
 *
 * `vdso N` instead reads CLOCK_MONOTONIC N times and exits: the vDSO benchmark
 * (docs/BENCHMARKS.md), where `vmm run --timings` shows the kernel instructions it took.
 */
#define _GNU_SOURCE
#include "common.h"
#include <elf.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long sys_ns(clockid_t c)
{
    struct timespec t;
    syscall(SYS_clock_gettime, c, &t);
    return ns_of(t);
}

static long long libc_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns_of(t);
}

static const char *yes(int c) { return c ? "yes" : "no"; }

/* The address of `name` (version LINUX_2.6 not checked) in the vDSO at `base`, through its
 * dynamic symbol table (DT_HASH gives the symbol count), or NULL. */
static void *vdso_sym(unsigned long base, const char *name)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
    Elf64_Dyn *dyn = NULL;
    long bias = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            bias = base - ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
    }
    if (!dyn)
        return NULL;
    Elf64_Sym *syms = NULL;
    const char *strs = NULL;
    Elf32_Word *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB) syms = (Elf64_Sym *)(bias + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_STRTAB) strs = (const char *)(bias + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_HASH) hash = (Elf32_Word *)(bias + dyn->d_un.d_ptr);
    }
    if (!syms || !strs || !hash)
        return NULL;
    for (Elf32_Word i = 0; i < hash[1]; i++)
        if (syms[i].st_shndx != SHN_UNDEF && strcmp(strs + syms[i].st_name, name) == 0)
            return (void *)(bias + syms[i].st_value);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        long n = atol(argv[1]);
        struct timespec t;
        long long first = libc_ns(CLOCK_MONOTONIC);
        for (long i = 0; i < n; i++)
            clock_gettime(CLOCK_MONOTONIC, &t);
        printf("# %ld reads in %lld ns\n", n, ns_of(t) - first);
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR: %s\n", yes(base != 0));
    if (!base)
        return 1;
    printf("ELF shared object: %s\n",
           yes(memcmp((void *)base, ELFMAG, SELFMAG) == 0 && ((Elf64_Ehdr *)base)->e_type == ET_DYN));
    const char *names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
                           "__vdso_clock_getres", "__vdso_getcpu"};
    for (int i = 0; i < 5; i++)
        printf("%s: %s\n", names[i], yes(vdso_sym(base, names[i]) != NULL));

    /* Each clock the vDSO answers, bracketed by two system calls (20 ms slack: the coarse
     * clocks lag by up to a tick on Linux). */
    struct { clockid_t id; const char *name; } clocks[] = {
        {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"},
        {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"}, {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
        {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "BOOTTIME"},
    };
    int (*vdso_cgt)(clockid_t, struct timespec *) = vdso_sym(base, "__vdso_clock_gettime");
    const long long slack = 20000000;
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        long long before = sys_ns(clocks[i].id);
        long long by_libc = libc_ns(clocks[i].id);
        struct timespec t = {0, 0};
        int r = vdso_cgt ? vdso_cgt(clocks[i].id, &t) : -1;
        long long after = sys_ns(clocks[i].id);
        int in = by_libc >= before - slack && by_libc <= after + slack;
        int vin = r == 0 && ns_of(t) >= before - slack && ns_of(t) <= after + slack;
        printf("%s: libc between system calls %s, vDSO %s\n", clocks[i].name, yes(in), yes(vin));
    }

    long long m0 = libc_ns(CLOCK_MONOTONIC), r0 = libc_ns(CLOCK_REALTIME);
    usleep(2000);
    long long m1 = libc_ns(CLOCK_MONOTONIC), r1 = libc_ns(CLOCK_REALTIME);
    printf("after 2 ms: MONOTONIC advanced %s, REALTIME advanced %s\n", yes(m1 - m0 >= 2000000),
           yes(r1 - r0 >= 2000000));
    printf("REALTIME after 2020: %s\n", yes(r1 / 1000000000LL > 1577836800LL));

    struct timeval tv;
    gettimeofday(&tv, NULL);
    long long rt = libc_ns(CLOCK_REALTIME);
    long long tvn = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
    printf("gettimeofday agrees with REALTIME: %s\n", yes(rt - tvn >= 0 && rt - tvn < slack));
    time_t secs = time(NULL);
    gettimeofday(&tv, NULL);
    printf("time agrees with gettimeofday: %s\n", yes(tv.tv_sec - secs >= 0 && tv.tv_sec - secs <= 1));

    struct timespec res;
    int gr = clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(MONOTONIC): %d, %ld ns\n", gr, res.tv_nsec);
    /* Clocks the vDSO cannot answer go to the kernel: CPU time, and its errors. */
    struct timespec cpu;
    printf("PROCESS_CPUTIME_ID through the vDSO: %d\n", vdso_cgt ? vdso_cgt(CLOCK_PROCESS_CPUTIME_ID, &cpu) : -1);
    printf("clock 100 through the vDSO: %d\n", vdso_cgt ? vdso_cgt(100, &cpu) : -1);
    errno = 0;
    int bad = clock_gettime(100, &cpu);
    printf("clock_gettime(100): %d %s\n", bad, errname(errno));
    long (*getcpu_fn)(unsigned *, unsigned *, void *) = vdso_sym(base, "__vdso_getcpu");
    unsigned c = 99, node = 99;
    printf("__vdso_getcpu: %ld\n", getcpu_fn ? getcpu_fn(&c, &node, NULL) : -1);
    unsigned c2 = 99, node2 = 99;
    long r = syscall(SYS_getcpu, &c2, &node2, NULL);
    printf("getcpu system call: %ld, same node as the vDSO's: %s, a CPU number: %s\n", r,
           node2 == node ? "yes" : "no", c2 < 4096 ? "yes" : "no");
    return 0;
}
