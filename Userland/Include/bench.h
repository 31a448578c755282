/*
 * Shared by the benchmark programs and the Linux baseline's /init: reading the time stamp counter and
 * parsing counts from the command line. Header-only, so every program stays one static binary.
 *
 * Under QEMU with `-icount shift=0,sleep=off` the guest's TSC is QEMU's virtual clock, which advances one
 * tick (1 ns) per instruction executed (by any virtual CPU: TCG then runs the CPUs in turn on one host
 * thread) and jumps ahead over time all CPUs spend halted. So a tick count is an exact, repeatable cost.
 */
#ifndef KITTEN_BENCH_H
#define KITTEN_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * RDTSC is not ordered with the instructions around it; LFENCE before it makes it wait until every earlier
 * instruction has completed (Intel SDM vol. 2B, RDTSC: "If software requires RDTSC to be executed only
 * after all previous instructions have executed ..., it can execute LFENCE immediately before RDTSC").
 * That matters on hardware only; under QEMU TCG instructions complete in order anyway.
 */
static inline uint64_t bench_ticks(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Parses a positive decimal count; on anything else prints why and exits with status 2 (usage error). */
static inline unsigned long bench_parse_count(const char *program, const char *what, const char *text)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value == 0 || text[0] == '-') {
        fprintf(stderr, "%s: %s: expected a positive number, got '%s'\n", program, what, text);
        exit(2);
    }
    return value;
}

/* Rounded integer division, for per-call figures from totals. */
static inline uint64_t bench_div_round(uint64_t total, uint64_t count)
{
    return (total + count / 2) / count;
}

#endif
