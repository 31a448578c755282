/*
 * Process launch: fork(2), execve(2) of a static program that exits at once, wait4(2) for it; COUNT
 * times. This is what a job launcher does per process on a node, and on Linux it is dominated by copying
 * the parent's address space description (fork), tearing it down and loading a new image (execve), and
 * the exit and reaping of the child.
 *
 *   spawn [COUNT [PROGRAM]]   default 1000 and /bench/exit
 *
 * Prints exactly one line:
 *   bench-result spawn ticks_per_spawn=N count=N
 */
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../Include/bench.h"

/* Starts PROGRAM once and waits for it; returns 0 if it exited with status 0. */
static int spawn_once(const char *self, const char *program)
{
    char *const child_argv[] = { (char *)program, NULL };
    char *const child_envp[] = { NULL };
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", self, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execve(program, child_argv, child_envp);
        /* Only reached if execve failed; _exit, not exit: the parent's stdio buffers are not ours. */
        fprintf(stderr, "%s: execve %s: %s\n", self, program, strerror(errno));
        _exit(127);
    }
    int status;
    pid_t waited;
    do
        waited = wait4(pid, &status, 0, NULL);
    while (waited < 0 && errno == EINTR);
    if (waited != pid) {
        fprintf(stderr, "%s: wait4: %s\n", self, strerror(errno));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: %s did not exit with status 0 (wait status 0x%x)\n", self, program, status);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 3) {
        fprintf(stderr, "usage: %s [COUNT [PROGRAM]]\n", argv[0]);
        return 2;
    }
    unsigned long count = argc >= 2 ? bench_parse_count(argv[0], "count", argv[1]) : 1000;
    const char *program = argc >= 3 ? argv[2] : "/bench/exit";

    /* stdout may be a pipe or a file: flush now, or each child would inherit (and not print) the buffer. */
    fflush(stdout);

    /* One launch first, so that the program's file is in the page cache before measuring. */
    if (spawn_once(argv[0], program) != 0)
        return 1;

    uint64_t start = bench_ticks();
    for (unsigned long i = 0; i < count; i++) {
        if (spawn_once(argv[0], program) != 0)
            return 1;
    }
    uint64_t end = bench_ticks();

    printf("bench-result spawn ticks_per_spawn=%llu count=%lu\n",
           (unsigned long long)bench_div_round(end - start, count), count);
    return 0;
}
