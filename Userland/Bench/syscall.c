/*
 * Null system call round trip: the cost of entering the kernel and coming back for a call that does
 * almost nothing, the classic measure of a kernel's fixed entry/exit overhead (lmbench's lat_syscall
 * "null" does the same with getppid).
 *
 *   syscall [ITERATIONS]      default 1000000
 *
 * Prints exactly one line:
 *   bench-result syscall ticks_per_call=N iterations=N
 *
 * getpid(2) is issued with the SYSCALL instruction directly rather than through glibc: glibc cached the
 * PID in user space from 2.3.4 up to 2.24 (see getpid(2), NOTES), and a wrapper's own instructions are no
 * part of the kernel's cost. The number 39 is __NR_getpid in the x86-64 system call table
 * (arch/x86/entry/syscalls/syscall_64.tbl in Linux). SYSCALL clobbers RCX (return address) and R11
 * (RFLAGS) (Intel SDM vol. 2B, SYSCALL).
 */
#include <sys/syscall.h>

#include "../Include/bench.h"

static inline long null_syscall(void)
{
    long result;
    __asm__ __volatile__("syscall"
                         : "=a"(result)
                         : "0"((long)SYS_getpid)
                         : "rcx", "r11", "memory");
    return result;
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
        return 2;
    }
    unsigned long iterations = argc == 2 ? bench_parse_count(argv[0], "iterations", argv[1]) : 1000000;

    /* A few calls first, so that the measured loop does not include first-touch page faults. */
    long pid = 0;
    for (int i = 0; i < 100; i++)
        pid = null_syscall();
    if (pid <= 0) {
        fprintf(stderr, "%s: getpid returned %ld\n", argv[0], pid);
        return 1;
    }

    uint64_t start = bench_ticks();
    for (unsigned long i = 0; i < iterations; i++)
        null_syscall();
    uint64_t end = bench_ticks();

    printf("bench-result syscall ticks_per_call=%llu iterations=%lu\n",
           (unsigned long long)bench_div_round(end - start, iterations), iterations);
    return 0;
}
