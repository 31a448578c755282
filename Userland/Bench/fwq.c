/*
 * Fixed Work Quanta (FWQ): the classic OS-noise benchmark. One worker per CPU, pinned to it, performs the
 * same fixed amount of work over and over and records how long each quantum took. On a noiseless system
 * every quantum takes the same time; anything the OS does on that CPU meanwhile (timer ticks, daemons,
 * interrupts, TLB shootdowns) shows as quanta that took longer.
 *
 *   fwq [-n QUANTA] [-w BITS] [-r]
 *     -n QUANTA  quanta per CPU (default 10000, as in LLNL's fwq.c)
 *     -w BITS    work per quantum: 2^BITS passes of the work loop (default 14, i.e. 16384 passes)
 *     -r         also print every quantum's duration, run-length encoded (see print_raw)
 *
 * Prints, for each CPU, one line:
 *   bench-result fwq cpu=C quanta=N work=W min=T median=T p99=T max=T mean=T noise_ppm=P
 * in TSC ticks, where noise_ppm is the share of the run spent above the fastest quantum,
 * sum(t - min) / sum(t), in parts per million.
 *
 * Sources: FWQ comes with FTQ (Fixed Time Quanta) from Sottile and Minnich, "Analysis of microbenchmarks
 * for performance tuning of clusters", IEEE Cluster 2004; LLNL's ASC Sequoia benchmark suite ships the
 * threaded fwq.c (rewritten by Mark Seager, 2008), whose x86-64 work loop is an increment, 16 NOPs, a
 * compare and a conditional jump, run 2^20 times per quantum, 10000 quanta, one thread per core pinned
 * with sched_setaffinity. We keep that loop, and therefore its exact instruction count (19 per pass),
 * but use 2^14 passes: under QEMU -icount a tick is one instruction, so Sequoia's quantum would be 20
 * million ticks (20 ms of virtual time) and 10000 of them would take hours to emulate. 2^14 passes are
 * about 311,000 ticks (0.31 ms virtual), still shorter than a 250 Hz timer tick (4 ms) by a factor of
 * ten, so periodic kernel activity is resolved quantum by quantum.
 *
 * Under -icount with several CPUs, QEMU runs the virtual CPUs in turn on one host thread and the TSC
 * is one clock advanced by all of them: a quantum during which QEMU switched to other busy CPUs looks
 * longer by their instructions. Kitten and Linux are measured in the same way, so they compare, but
 * SMP figures under -icount must be read with that in mind.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "../Include/bench.h"

#define DEFAULT_QUANTA 10000
#define DEFAULT_WORK_BITS 14
#define WARMUP_QUANTA 100

struct worker {
    int cpu;
    uint64_t *samples;
    pthread_t thread;
    int failed;
};

static unsigned long quanta = DEFAULT_QUANTA;
static long work_passes = 1L << DEFAULT_WORK_BITS;
static pthread_barrier_t start_line;

/*
 * One quantum of work. Sequoia's loop, in assembly so that the compiler can neither remove nor change it:
 * count runs from -passes up to 0, one increment, 16 NOPs, a compare and a jump per pass, all in registers
 * (no memory access, so no cache effects on hardware).
 */
static inline void work_quantum(long passes)
{
    long count = -passes;
    __asm__ __volatile__("1:\n\t"
                         "incq %0\n\t"
                         ".rept 16\n\t"
                         "nop\n\t"
                         ".endr\n\t"
                         "cmpq $0, %0\n\t"
                         "js 1b"
                         : "+r"(count)
                         :
                         : "cc");
}

static int pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* pid 0: the calling thread (sched_setaffinity(2): the thread ID as returned by gettid). */
    return sched_setaffinity(0, sizeof set, &set);
}

static void *run_worker(void *argument)
{
    struct worker *worker = argument;
    if (pin_to(worker->cpu) != 0) {
        fprintf(stderr, "fwq: cannot pin to CPU %d: %s\n", worker->cpu, strerror(errno));
        worker->failed = 1;
    }
    /* Warm up (first execution of the loop, first touches), then start all CPUs together. */
    for (int i = 0; i < WARMUP_QUANTA; i++)
        work_quantum(work_passes);
    pthread_barrier_wait(&start_line);

    for (unsigned long i = 0; i < quanta; i++) {
        uint64_t start = bench_ticks();
        work_quantum(work_passes);
        worker->samples[i] = bench_ticks() - start;
    }
    return NULL;
}

static int compare_ticks(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void print_summary(const struct worker *worker)
{
    uint64_t *sorted = malloc(quanta * sizeof *sorted);
    if (sorted == NULL) {
        perror("fwq: malloc");
        exit(1);
    }
    memcpy(sorted, worker->samples, quanta * sizeof *sorted);
    qsort(sorted, quanta, sizeof *sorted, compare_ticks);
    uint64_t min = sorted[0], total = 0;
    for (unsigned long i = 0; i < quanta; i++)
        total += sorted[i];
    uint64_t excess = total - min * quanta;
    printf("bench-result fwq cpu=%d quanta=%lu work=%ld min=%llu median=%llu p99=%llu max=%llu mean=%llu noise_ppm=%llu\n",
           worker->cpu, quanta, work_passes, (unsigned long long)min,
           (unsigned long long)sorted[quanta / 2], (unsigned long long)sorted[quanta * 99 / 100],
           (unsigned long long)sorted[quanta - 1], (unsigned long long)bench_div_round(total, quanta),
           (unsigned long long)bench_div_round(excess * 1000000, total));
    free(sorted);
}

/*
 * Every quantum as its excess over the fastest one, runs of equal values written VALUE*COUNT, up to 32
 * runs per line:  fwq-raw cpu=C min=T first=I excess=0*523,1021,0*77,...
 * where I is the index of the line's first quantum. Undisturbed quanta under -icount are all equal, so
 * a run is mostly a few lines.
 */
static void print_raw(const struct worker *worker)
{
    uint64_t min = worker->samples[0];
    for (unsigned long i = 1; i < quanta; i++)
        if (worker->samples[i] < min)
            min = worker->samples[i];
    unsigned long i = 0;
    while (i < quanta) {
        printf("fwq-raw cpu=%d min=%llu first=%lu excess=", worker->cpu, (unsigned long long)min, i);
        for (int runs = 0; runs < 32 && i < quanta; runs++) {
            uint64_t value = worker->samples[i] - min;
            unsigned long length = 1;
            while (i + length < quanta && worker->samples[i + length] - min == value)
                length++;
            printf(runs == 0 ? "" : ",");
            if (length > 1)
                printf("%llu*%lu", (unsigned long long)value, length);
            else
                printf("%llu", (unsigned long long)value);
            i += length;
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    int raw = 0, option;
    while ((option = getopt(argc, argv, "n:w:r")) != -1) {
        switch (option) {
        case 'n':
            quanta = bench_parse_count(argv[0], "-n", optarg);
            break;
        case 'w': {
            unsigned long bits = bench_parse_count(argv[0], "-w", optarg);
            if (bits > 30) {
                fprintf(stderr, "%s: -w: at most 30 bits\n", argv[0]);
                return 2;
            }
            work_passes = 1L << bits;
            break;
        }
        case 'r':
            raw = 1;
            break;
        default:
            fprintf(stderr, "usage: %s [-n QUANTA] [-w BITS] [-r]\n", argv[0]);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: %s [-n QUANTA] [-w BITS] [-r]\n", argv[0]);
        return 2;
    }

    /* The CPUs we may run on; sched_getaffinity needs no /proc or /sys, unlike sysconf's CPU count. */
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        perror("fwq: sched_getaffinity");
        return 1;
    }
    int count = CPU_COUNT(&allowed);
    struct worker *workers = calloc(count, sizeof *workers);
    if (workers == NULL) {
        perror("fwq: calloc");
        return 1;
    }
    for (int cpu = 0, n = 0; n < count; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        workers[n].cpu = cpu;
        /* Touched now (calloc of a large block maps fresh zero pages lazily), so that no page fault
         * for sample storage happens while measuring. */
        workers[n].samples = malloc(quanta * sizeof(uint64_t));
        if (workers[n].samples == NULL) {
            perror("fwq: malloc");
            return 1;
        }
        memset(workers[n].samples, 0, quanta * sizeof(uint64_t));
        n++;
    }

    /* The main thread is the first CPU's worker, as in Sequoia's fwq.c: no extra thread to disturb. */
    pthread_barrier_init(&start_line, NULL, count);
    for (int n = 1; n < count; n++) {
        int error = pthread_create(&workers[n].thread, NULL, run_worker, &workers[n]);
        if (error != 0) {
            fprintf(stderr, "fwq: pthread_create: %s\n", strerror(error));
            return 1;
        }
    }
    run_worker(&workers[0]);
    int failed = workers[0].failed;
    for (int n = 1; n < count; n++) {
        pthread_join(workers[n].thread, NULL);
        failed |= workers[n].failed;
    }
    if (failed)
        return 1;

    for (int n = 0; n < count; n++)
        print_summary(&workers[n]);
    if (raw)
        for (int n = 0; n < count; n++)
            print_raw(&workers[n]);
    return 0;
}
