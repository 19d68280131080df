/*
 * futex(2) through raw system calls, printed as facts: EAGAIN when the word differs,
 * timeouts (relative for FUTEX_WAIT, absolute on either clock for FUTEX_WAIT_BITSET),
 * wakes with nobody waiting, a CLONE_VM child and forked children on a MAP_SHARED page
 * waiting and being woken, FUTEX_REQUEUE and FUTEX_CMP_REQUEUE counts, FUTEX_WAKE_OP's
 * operations and comparison, EINTR after a handler, EINVAL and EFAULT, and the wake that
 * goes with CLONE_CHILD_CLEARTID when a CLONE_VM child exits (Linux mm_release).
 *
 * A waker that cannot know whether its waiter is asleep yet retries FUTEX_WAKE until it
 * returns 1 (bounded), so the printed counts do not depend on timing.
 */
#define _GNU_SOURCE
#include "common.h"
#include <sched.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

/* <linux/futex.h>'s constants (musl-gcc has no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_UNLOCK_PI_PRIVATE (FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2,
                  uint32_t *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static const char *res(long r)
{
    static char buf[32];
    if (r < 0)
        return errname(errno);
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
}

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec ns_to_ts(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull) };
    return ts;
}

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* FUTEX_WAKE (op) on `w` until one waiter is woken, at most ~5 s: the wake's result. */
static long wake_one_eventually(uint32_t *w, int op)
{
    long r = 0;
    for (int i = 0; i < 500 && r == 0; i++) {
        r = futex(w, op, 1, NULL, NULL, 0);
        if (r == 0)
            pause_ms(10);
    }
    return r;
}

static void basics(void)
{
    uint32_t w = 1;
    printf("WAIT with a different value: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0)));
    printf("shared WAIT with a different value: %s\n", res(futex(&w, FUTEX_WAIT, 2, NULL, NULL, 0)));

    struct timespec rel = { 0, 20 * 1000000L };
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    printf("WAIT with a 20 ms timeout: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0)));
    printf("  waited at least 20 ms: %d\n", now_ns(CLOCK_MONOTONIC) - t0 >= 20000000ull);

    struct timespec abs = ns_to_ts(now_ns(CLOCK_MONOTONIC) + 20000000ull);
    printf("WAIT_BITSET until monotonic now + 20 ms: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));
    printf("  the deadline passed: %d\n", now_ns(CLOCK_MONOTONIC) >= (uint64_t)abs.tv_sec * 1000000000ull + abs.tv_nsec);
    abs = ns_to_ts(now_ns(CLOCK_REALTIME) + 20000000ull);
    printf("WAIT_BITSET|CLOCK_REALTIME until realtime now + 20 ms: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));
    printf("  the deadline passed: %d\n", now_ns(CLOCK_REALTIME) >= (uint64_t)abs.tv_sec * 1000000000ull + abs.tv_nsec);
    abs = ns_to_ts(1);
    printf("WAIT_BITSET with a deadline in the past: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));
    printf("WAIT_BITSET with a past deadline and a different value: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET, 7, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));

    struct timespec bad = { 0, 1000000000L };
    printf("WAIT with tv_nsec 1e9: %s\n", res(futex(&w, FUTEX_WAIT, 1, &bad, NULL, 0)));
    printf("WAIT with an unreadable timeout: %s\n", res(futex(&w, FUTEX_WAIT, 1, (void *)8, NULL, 0)));
    printf("WAIT_BITSET with bitset 0: %s\n", res(futex(&w, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0)));
    printf("WAKE_BITSET with bitset 0: %s\n", res(futex(&w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0)));
    printf("WAIT|CLOCK_REALTIME: %s\n", res(futex(&w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)));
    printf("WAKE|CLOCK_REALTIME: %s\n", res(futex(&w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)));
    printf("unknown command 14: %s\n", res(futex(&w, 14, 1, NULL, NULL, 0)));
    printf("FUTEX_FD (removed): %s\n", res(futex(&w, 2, 1, NULL, NULL, 0)));

    printf("WAKE of nobody: %s\n", res(futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("shared WAKE of nobody: %s\n", res(futex(&w, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0)));
    printf("WAKE_BITSET of nobody: %s\n", res(futex(&w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0xff)));

    char *bytes = (char *)&w;
    printf("WAIT on a misaligned address: %s\n", res(futex((uint32_t *)(bytes + 1), FUTEX_WAIT, 1, NULL, NULL, 0)));
    printf("WAKE on a misaligned address: %s\n", res(futex((uint32_t *)(bytes + 2), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("WAIT on NULL: %s\n", res(futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0)));
    printf("private WAKE on NULL: %s\n", res(futex(NULL, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("shared WAKE on NULL: %s\n", res(futex(NULL, FUTEX_WAKE, 1, NULL, NULL, 0)));
    printf("REQUEUE with a negative count: %s\n", res(futex(&w, FUTEX_REQUEUE_PRIVATE, (uint32_t)-1, NULL, &w, 0)));

    /* Priority inheritance: Linux locks the free word (it becomes the caller's tid);
     * this kernel answers ENOSYS. Either is printed the same. */
    uint32_t pi = 0;
    long r = futex(&pi, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    printf("LOCK_PI: locked or ENOSYS: %d\n", (r == 0 && pi != 0) || (r < 0 && errno == ENOSYS));
    if (r == 0)
        futex(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
}

static void wake_op(void)
{
    uint32_t a = 0, b = 5;
    long r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5));
    printf("WAKE_OP ADD 3 (old == 5): %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_SET, 4, FUTEX_OP_CMP_LT, 0) | ((unsigned)FUTEX_OP_OPARG_SHIFT << 28));
    printf("WAKE_OP SET 1<<4: %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_OR, 3, FUTEX_OP_CMP_GE, 16));
    printf("WAKE_OP OR 3: %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_NE, 19));
    printf("WAKE_OP ANDN 1: %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_XOR, 0xfff, FUTEX_OP_CMP_GT, 0xfff));
    printf("WAKE_OP XOR -1: %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0));
    printf("WAKE_OP unknown operation: %s, word %u\n", res(r), b);
    b = 1;
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b, FUTEX_OP(FUTEX_OP_ADD, 1, 9, 0));
    printf("WAKE_OP unknown comparison: %s, word %u\n", res(r), b);
    r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, NULL, FUTEX_OP(FUTEX_OP_ADD, 1, 0, 0));
    printf("WAKE_OP on NULL: %s\n", res(r));
}

static uint32_t *shared_page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", errname(errno));
        exit(1);
    }
    return p;
}

/* A forked child that waits on `w` (value 0) for up to 10 s: exits 0 if woken. */
static pid_t waiter_child(uint32_t *w)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec ts = { 10, 0 };
        long r = futex(w, FUTEX_WAIT, 0, &ts, NULL, 0);
        _exit(r == 0 ? 0 : 1);
    }
    return pid;
}

static void reap(pid_t pid, const char *who)
{
    int status;
    waitpid(pid, &status, 0);
    printf("  %s: %s\n", who, describe(status));
}

static void across_fork(void)
{
    uint32_t *page = shared_page();
    uint32_t *w = &page[0];
    pid_t pid = waiter_child(w);
    printf("a forked child waiting on a MAP_SHARED word, woken by the parent: %s\n",
           res(wake_one_eventually(w, FUTEX_WAKE)));
    reap(pid, "the child");

    /* Three waiters on a, moved to b (which also checks they all sleep), then
     * requeued back in pieces. */
    uint32_t *a = &page[1], *b = &page[2];
    pid_t kids[3];
    for (int i = 0; i < 3; i++)
        kids[i] = waiter_child(a);
    long moved = 0;
    for (int i = 0; i < 500 && moved < 3; i++) {
        long r = futex(a, FUTEX_REQUEUE, 0, (void *)(long)INT32_MAX, b, 0);
        if (r < 0) {
            printf("REQUEUE: %s\n", res(r));
            break;
        }
        moved += r;
        if (moved < 3)
            pause_ms(10);
    }
    printf("REQUEUE(wake 0) moved all three waiters: %d\n", moved == 3);
    printf("CMP_REQUEUE with a different value: %s\n",
           res(futex(b, FUTEX_CMP_REQUEUE, 1, (void *)1L, a, 42)));
    printf("CMP_REQUEUE wake 1 requeue 1: %s\n", res(futex(b, FUTEX_CMP_REQUEUE, 1, (void *)1L, a, 0)));
    printf("REQUEUE wake 0 requeue 5: %s\n", res(futex(b, FUTEX_REQUEUE, 0, (void *)5L, a, 0)));
    printf("WAKE on the first word: %s\n", res(futex(a, FUTEX_WAKE, 5, NULL, NULL, 0)));
    printf("WAKE on the second word: %s\n", res(futex(b, FUTEX_WAKE, 5, NULL, NULL, 0)));
    for (int i = 0; i < 3; i++)
        reap(kids[i], "a requeued child");

    /* FUTEX_WAKE_OP waking a forked child on the second word. */
    uint32_t *x = &page[3], *y = &page[4];
    pid = waiter_child(y);
    printf("WAKE_OP whose comparison fails: %s\n",
           res(futex(x, FUTEX_WAKE_OP, 1, (void *)1L, y, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_NE, 0))));
    long r = 0;
    for (int i = 0; i < 500 && r == 0; i++) {
        r = futex(x, FUTEX_WAKE_OP, 1, (void *)1L, y, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
        if (r == 0)
            pause_ms(10);
    }
    printf("WAKE_OP whose comparison holds wakes the child: %s\n", res(r));
    reap(pid, "the child");
    munmap(page, 4096);
}

/* Two mappings of one file at different addresses: a child waits through its own new
 * mapping, the parent wakes through the mapping it had before the fork. They meet only
 * if the futex is known by the page, not by the address. */
static void one_page_two_addresses(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/futex-test-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
        printf("file: %s\n", errname(errno));
        return;
    }
    unlink(path);
    uint32_t *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mine == MAP_FAILED) {
        printf("mmap: %s\n", errname(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        uint32_t *other = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (other == MAP_FAILED || other == mine)
            _exit(2);
        struct timespec ts = { 10, 0 };
        _exit(futex(&other[5], FUTEX_WAIT, 0, &ts, NULL, 0) == 0 ? 0 : 1);
    }
    printf("a child waiting through another mapping of the file, woken by the parent: %s\n",
           res(wake_one_eventually(&mine[5], FUTEX_WAKE)));
    reap(pid, "the child");
    printf("a private WAKE on the file word finds nobody: %s\n",
           res(futex(&mine[5], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    munmap(mine, 4096);
    close(fd);
}

static uint32_t vm_word, tid_word;
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int vm_child(void *arg)
{
    (void)arg;
    struct timespec ts = { 10, 0 };
    long r = syscall(SYS_futex, &vm_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
    return r == 0 ? 0 : 1;
}

static int sleepy_child(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 50 * 1000000L };
    syscall(SYS_nanosleep, &ts, NULL);
    return 0;
}

static void clone_vm(void)
{
    pid_t pid = clone(vm_child, child_stack + sizeof child_stack, CLONE_VM | SIGCHLD, NULL);
    if (pid < 0) {
        printf("clone: %s\n", errname(errno));
        return;
    }
    printf("a CLONE_VM child waiting on a private word, woken by the parent: %s\n",
           res(wake_one_eventually(&vm_word, FUTEX_WAKE_PRIVATE)));
    reap(pid, "the child");

    tid_word = 1;
    pid = clone(sleepy_child, child_stack + sizeof child_stack,
                CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, NULL, NULL, NULL, &tid_word);
    if (pid < 0) {
        printf("clone: %s\n", errname(errno));
        return;
    }
    int timed_out = 0;
    uint32_t v;
    while ((v = __atomic_load_n(&tid_word, __ATOMIC_SEQ_CST)) != 0) {
        struct timespec ts = { 10, 0 };
        if (futex(&tid_word, FUTEX_WAIT, v, &ts, NULL, 0) < 0 && errno == ETIMEDOUT) {
            timed_out = 1;
            break;
        }
    }
    printf("CLONE_CHILD_CLEARTID: the word is 0 and the joiner was woken: %d\n", tid_word == 0 && !timed_out);
    reap(pid, "the child");
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void interrupted(void)
{
    uint32_t w = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    printf("WAIT interrupted by a handler: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0)));

    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ts = { 5, 0 };
    printf("timed WAIT interrupted by an SA_RESTART handler: %s\n",
           res(futex(&w, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0)));
    signal(SIGALRM, SIG_DFL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    basics();
    wake_op();
    across_fork();
    one_page_two_addresses();
    clone_vm();
    interrupted();
    printf("done\n");
    return 0;
}
