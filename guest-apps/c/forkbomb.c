/*
 * forkbomb exit|block: raises RLIMIT_NPROC (soft and hard) to 100000, which only root may
 * do, then forks with the C library's fork() as fast as it can until fork fails, without
 * reaping anything on the way:
 *
 *   exit   each child _exits at once, so zombies pile up;
 *   block  each child blocks in pause() (falling back to a read of a pipe nobody writes if
 *          pause() returns, so the bomb still holds its children); the parent then
 *          SIGKILLs them all.
 *
 * Then it reaps every child and checks how they ended (exit: status 0; block: SIGKILL).
 * Before the bomb, a probe child checks that pause() really blocks.
 *
 * GUEST ONLY: never run this on the host. Facts printed:
 *
 *     setrlimit RLIMIT_NPROC 100000: ok
 *     pause blocks: true                       (block only)
 *     fork failed with: EAGAIN                 (Linux: EAGAIN at threads-max, or ENOMEM)
 *     # children: 510                          (a count: guest-only)
 *     every child reaped: true
 *     every child ended as expected: true
 */
#include "common.h"

#include <sys/resource.h>
#include <time.h>

#define MAX_CHILDREN 100000

static pid_t children[MAX_CHILDREN];

/* The probe: a child in pause() must still be running 50 ms later. */
static int pause_blocks(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(1);
    }
    if (pid < 0)
        return 0;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int status;
    int running = waitpid(pid, &status, WNOHANG) == 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return running;
}

int main(int argc, char **argv)
{
    int block = argc == 2 && strcmp(argv[1], "block") == 0;
    if (argc != 2 || (!block && strcmp(argv[1], "exit") != 0)) {
        say("usage: forkbomb exit|block");
        return 2;
    }
    struct rlimit lim = {MAX_CHILDREN, MAX_CHILDREN};
    say("setrlimit RLIMIT_NPROC 100000: %s", outcome(setrlimit(RLIMIT_NPROC, &lim)));
    int hold[2];
    if (block) {
        say("pause blocks: %s", pause_blocks() ? "true" : "false");
        if (pipe(hold) != 0) {
            say("pipe: %s", errname(errno));
            return 1;
        }
    }

    int count = 0, err = 0;
    while (count < MAX_CHILDREN) {
        pid_t pid = fork();
        if (pid == 0) {
            if (!block)
                _exit(0);
            close(hold[1]);
            pause();
            char c;
            while (read(hold[0], &c, 1) != 0) {
            }
            _exit(1);
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        children[count++] = pid;
    }
    say("fork failed with: %s", count == MAX_CHILDREN ? "nothing (stopped at 100000)" : errname(err));
    say("# children: %d", count);

    if (block) {
        for (int i = 0; i < count; i++)
            kill(children[i], SIGKILL);
        close(hold[0]);
        close(hold[1]);
    }
    int reaped = 0, as_expected = 0, status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) > 0) {
        reaped++;
        if (block ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
                  : WIFEXITED(status) && WEXITSTATUS(status) == 0)
            as_expected++;
    }
    say("every child reaped: %s", reaped == count ? "true" : "false");
    if (reaped != count)
        say("# reaped %d of %d (waitpid: %s)", reaped, count, errname(errno));
    say("every child ended as expected: %s", as_expected == count ? "true" : "false");
    return 0;
}
