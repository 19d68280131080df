/*
 * An orphaned process group with a stopped member (issue 12; POSIX XSH `_exit`: "If the
 * exit of the process causes a process group to become orphaned, and if any member of
 * the newly-orphaned process group is stopped, then a SIGHUP signal followed by a SIGCONT
 * signal shall be sent to each process in the newly-orphaned process group"): the
 * signals reach the member's handlers like any others, with the kernel's si_code, and
 * the member runs again. A stop signal from the terminal (SIGTSTP) is ignored by a member
 * of an orphaned group (it has nobody to resume it). Prints facts only; compared with the
 * host by tests/tests/difftest.rs.
 */
#define _GNU_SOURCE
#include "common.h"

static volatile int order[4], codes[4], count;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    if (count < 4) {
        order[count] = sig;
        codes[count] = info->si_code;
        count++;
    }
}

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

/* The scenario, in a new session of its own: a member reparented to init (which is in
 * another session) is then in an orphaned group, wherever the program runs. */
static int scenario(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);
        pid_t member = fork();
        if (member == 0) {
            close(fds[0]);
            struct sigaction sa = {0};
            sa.sa_sigaction = on_signal;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGHUP, &sa, NULL);
            sigaction(SIGCONT, &sa, NULL);
            raise(SIGSTOP);
            /* Resumed by the orphaning's SIGCONT; both handlers ran. */
            char line[256];
            int n = 0;
            for (int i = 0; i < count; i++)
                n += snprintf(line + n, sizeof line - n, "%s%s/%s", i ? " " : "",
                              signame(order[i]), code_name(codes[i]));
            n += snprintf(line + n, sizeof line - n, "\n");
            write(fds[1], line, n);
            /* Now orphaned: a terminal stop signal at its default action is discarded. */
            struct sigaction dfl = {0};
            dfl.sa_handler = SIG_DFL;
            sigaction(SIGTSTP, &dfl, NULL);
            raise(SIGTSTP);
            n = snprintf(line, sizeof line, "SIGTSTP in an orphaned group: still running\n");
            write(fds[1], line, n);
            _exit(0);
        }
        close(fds[1]);
        int status;
        waitpid(member, &status, WUNTRACED);
        printf("member stopped: %s\n", WIFSTOPPED(status) ? signame(WSTOPSIG(status)) : "no");
        fflush(stdout);
        _exit(0); /* orphans the group with its stopped member */
    }
    close(fds[1]);
    int status;
    waitpid(child, &status, 0);
    char buf[512];
    ssize_t n, total = 0;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)
        total += n;
    buf[total] = 0;
    printf("the member's handlers ran, in order: %s", buf);
    return 0;
}

int main(void)
{
    fflush(stdout);
    pid_t leader = fork();
    if (leader == 0) {
        if (setsid() < 0) {
            printf("setsid: %s\n", errname(errno));
            _exit(1);
        }
        int r = scenario();
        fflush(stdout);
        _exit(r);
    }
    int status;
    waitpid(leader, &status, 0);
    printf("done\n");
    return 0;
}
