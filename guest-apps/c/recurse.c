/*
 * recurse [direct]: unbounded recursion, 1 KiB of stack per call. The stack runs into
 * its RLIMIT_STACK (8 MiB) and the kernel must end the program with SIGSEGV (Linux:
 * status 139 under a shell). `direct` recurses in this process; without it a forked child
 * recurses (with RLIMIT_CORE 0, so the host writes no core file) and the parent prints
 * how it ended, then that it is still running.
 *
 * Differential: "child: killed by SIGSEGV". The core-dump flag of the status goes on a
 * "# " line: Linux sets it only when a core was written.
 */
#include "common.h"

#include <sys/resource.h>

static volatile int stop;

/* Recurses until the stack runs out; the work after the call keeps it a real call. */
static int deeper(volatile char *above)
{
    volatile char frame[1024];
    frame[0] = above ? above[0] + 1 : 0;
    frame[1023] = frame[0];
    if (stop)
        return 0;
    return deeper(frame) + frame[1023];
}

int main(int argc, char **argv)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (argc == 2 && strcmp(argv[1], "direct") == 0)
        return deeper(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(deeper(NULL));
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        say("waitpid: %s", errname(errno));
        return 1;
    }
    say("child: %s", describe(status));
    say("# core dump flag: %d", WCOREDUMP(status) ? 1 : 0);
    say("parent still runs: true");
    return 0;
}
