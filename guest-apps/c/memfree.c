/*
 * memfree [FILE...]: reads each FILE to its end (so its pages sit in the guest's page
 * cache before the measurement, as they will after the program under test has run), then
 * prints the kernel's free memory (sysinfo(2) `freeram`) and process count (`procs`):
 *
 *     memfree: 118236 KiB free, 3 processes
 *
 * Guest-only: the robustness tests run it before and after a hostile program to check that
 * the memory came back.
 */
#include "common.h"

#include <fcntl.h>

int main(int argc, char **argv)
{
    static char buf[1 << 16];
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            say("memfree: open %s: %s", argv[i], errname(errno));
            return 1;
        }
        while (read(fd, buf, sizeof buf) > 0) {
        }
        close(fd);
    }
    struct sysinfo info;
    if (sysinfo(&info) != 0) {
        say("memfree: sysinfo: %s", errname(errno));
        return 1;
    }
    say("memfree: %lu KiB free, %u processes", free_kib(), (unsigned)info.procs);
    return 0;
}
