/*
 * The vDSO: clock reads in user mode, without entering the kernel (a system call costs
 * 250+ us here, every kernel instruction being emulated; user code runs natively).
 *
 * The formulas are the kernel's own (guest-kernel/kernel/src/time/{mod,clock}.rs), from
 * the same numbers, which the kernel publishes in the vvar page at boot:
 *   monotonic_ns = (rdtsc - boot_tsc) * 1e6 / tsc_khz   (128-bit product, truncating)
 *   realtime_ns  = boot_wall_ns + monotonic_ns
 * so a vDSO read and a system call agree to the nanosecond at the same TSC value. Any
 * clock the page cannot answer (CPU-time clocks, alarm clocks, bad ids) is asked of the
 * kernel with the `syscall` instruction, which also gives the errors.
 *
 * Built by guest-kernel/kernel/build.rs as a position-independent shared object with no
 * relocations (vdso.lds), and included in the kernel image.
 */
#include "vdso.h"

#define NSEC_PER_SEC 1000000000UL
#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_getcpu 309

struct timespec { long tv_sec; long tv_nsec; };
struct timeval { long tv_sec; long tv_usec; };
struct timezone { int tz_minuteswest; int tz_dsttime; };

/* Defined by vdso.lds one page below the ELF header: the kernel maps the vvar page there. */
extern const struct vvar_data vvar_page __attribute__((visibility("hidden")));

static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static u64 rdtsc(void)
{
	u32 lo, hi;
	/* Ordered after the loads before it, as the kernel's reading is in program order. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((u64)hi << 32) | lo;
}

/* ticks * 1e6 / khz with a 128-bit intermediate (the kernel's `ticks_to_ns`), by one
 * MUL and one DIV: the quotient fits 64 bits for 584 years of uptime. */
static u64 ticks_to_ns(u64 ticks, u64 khz)
{
	u64 lo, hi, q, r;
	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "0"(ticks), "rm"(1000000UL));
	if (hi >= khz)
		return ~0UL;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "0"(lo), "1"(hi), "rm"(khz));
	(void)r;
	return q;
}

/* Monotonic and wall-clock ns now; 0 if the page is not filled in (then the caller falls
 * back to the system call). Retries while the kernel is mid-update. */
static int read_clock(u64 *mono, u64 *wall)
{
	const struct vvar_data *d = &vvar_page;
	for (;;) {
		u32 seq = d->seq;
		__asm__ volatile("" ::: "memory");
		if (seq & 1)
			continue;
		u32 valid = d->valid;
		u64 boot_tsc = d->boot_tsc, boot_wall = d->boot_wall_ns, khz = d->tsc_khz;
		u64 now = rdtsc();
		__asm__ volatile("" ::: "memory");
		if (d->seq != seq)
			continue;
		if (!valid)
			return 0;
		u64 ticks = now > boot_tsc ? now - boot_tsc : 0;
		*mono = khz ? ticks_to_ns(ticks, khz) : 0;
		*wall = boot_wall + *mono;
		return 1;
	}
}

/* 1 for the clocks this page answers with monotonic time, 2 with wall-clock time, 0 for
 * the rest (asked of the kernel). */
static int clock_kind(long id)
{
	switch (id) {
	case 0:  /* CLOCK_REALTIME */
	case 5:  /* CLOCK_REALTIME_COARSE */
	case 11: /* CLOCK_TAI */
		return 2;
	case 1: /* CLOCK_MONOTONIC */
	case 4: /* CLOCK_MONOTONIC_RAW */
	case 6: /* CLOCK_MONOTONIC_COARSE */
	case 7: /* CLOCK_BOOTTIME */
		return 1;
	default:
		return 0;
	}
}

int __vdso_clock_gettime(long id, struct timespec *ts)
{
	int kind = clock_kind(id);
	u64 mono, wall;
	if (kind == 0 || !read_clock(&mono, &wall))
		return (int)syscall2(SYS_clock_gettime, id, (long)ts);
	u64 ns = kind == 2 ? wall : mono;
	ts->tv_sec = (long)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	u64 mono, wall;
	if (!read_clock(&mono, &wall))
		return (int)syscall2(SYS_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		tv->tv_sec = (long)(wall / NSEC_PER_SEC);
		tv->tv_usec = (long)(wall % NSEC_PER_SEC / 1000);
	}
	if (tz) {
		/* The kernel's time zone is always UTC. */
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

long __vdso_time(long *t)
{
	u64 mono, wall;
	if (!read_clock(&mono, &wall))
		return syscall2(SYS_time, (long)t, 0);
	long secs = (long)(wall / NSEC_PER_SEC);
	if (t)
		*t = secs;
	return secs;
}

int __vdso_clock_getres(long id, struct timespec *res)
{
	/* The kernel reports 1 ns for every clock it knows (the TSC is finer). */
	if (clock_kind(id) == 0)
		return (int)syscall2(SYS_clock_getres, id, (long)res);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	/* One CPU, one NUMA node. */
	(void)unused;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

/* The unprefixed aliases Linux's vDSO also exports. */
int clock_gettime(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, struct timezone *)
	__attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
