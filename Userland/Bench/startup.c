/*
 * Start-up time of a program: reads the time stamp counter, then becomes PROGRAM by execve(2), with
 * the counter's value as one more argument, `exec_tsc=T`. A program that reads the counter at its own
 * point of interest and echoes its arguments (Userland/CSharp/Hello: its first output line) then has
 * both ends of the interval, and the difference is its start-up, in instructions under QEMU -icount:
 * everything from this execve (the kernel loading the program, the runtime starting) to that point.
 *
 *   startup PROGRAM [ARGS...]
 *
 * No fork: the interval holds nothing but the execve and the program itself, so it means the same on
 * every kernel, whichever way the kernel started us. The formatting of the number, a few hundred
 * instructions of this program after the read, is in it too, the same everywhere.
 *
 * The environment is fixed (PATH and HOME, no TERM), not inherited: Kitten's init and the Linux
 * baseline's /init pass different ones, and the .NET runtime does more on start when TERM names a
 * terminal type (terminfo look-ups), which would measure the environment rather than the kernel.
 *
 * Prints nothing itself unless execve fails (status 127).
 */
#include <string.h>
#include <unistd.h>

#include "../Include/bench.h"

#define MAX_ARGUMENTS 64

int main(int argc, char **argv)
{
    if (argc < 2 || argc > MAX_ARGUMENTS) {
        fprintf(stderr, "usage: %s PROGRAM [ARGS...]   (at most %d arguments)\n", argv[0], MAX_ARGUMENTS - 2);
        return 2;
    }
    char *child_argv[MAX_ARGUMENTS + 1];
    char *child_envp[] = { "PATH=/bench", "HOME=/", NULL };
    char stamp[40];
    for (int i = 1; i < argc; i++)
        child_argv[i - 1] = argv[i];

    uint64_t now = bench_ticks();
    snprintf(stamp, sizeof stamp, "exec_tsc=%llu", (unsigned long long)now);
    child_argv[argc - 1] = stamp;
    child_argv[argc] = NULL;
    execve(argv[1], child_argv, child_envp);
    fprintf(stderr, "%s: execve %s: %s\n", argv[0], argv[1], strerror(errno));
    return 127;
}
