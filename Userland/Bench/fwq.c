/*
 * Fixed Work Quanta (FWQ): the classic OS-noise benchmark. One worker per CPU, pinned to it, performs the
 * same fixed amount of work over and over and records how long each quantum took. On a noiseless system
 * every quantum takes the same time; anything the OS does meanwhile (timer ticks, daemons, interrupts,
 * TLB shootdowns) shows as quanta that took longer.
 *
 *   fwq [-n QUANTA] [-w BITS] [-r]
 *     -n QUANTA  quanta per CPU that count (default 10000, as in LLNL's fwq.c)
 *     -w BITS    work per quantum: 2^BITS passes of the work loop (default 14, i.e. 16384 passes)
 *     -r         also print every quantum's detour, run-length encoded (see print_raw)
 *
 * Prints one line per CPU, then one for the whole run:
 *   bench-result fwq-cpu cpu=C quanta=N min=T median=T p99=T max=T mean=T noise_ppm=P max_detour=T
 *   bench-result fwq cpus=K quanta=N work=W min=T noise_ppm=P noise_ppb=P max_detour=T raw_max=T undisturbed=U
 * in TSC ticks (instructions under QEMU -icount), where
 *   min         the fastest undisturbed quantum: one during which no other worker ran (see below); on
 *               one CPU simply the fastest quantum. It is the cost of the work itself.
 *   detour      a quantum's ticks minus min; max_detour is the largest, the longest the OS held up a
 *               quantum.
 *   noise_ppm   sum(detour) / sum(ticks), in parts per million: the share of the run the OS took
 *               (noise_ppb: the same in parts per billion).
 *   raw_max     the longest quantum before the correction below (it includes other workers' work).
 *   undisturbed how many quanta min was taken from.
 *
 * Sources: FWQ comes with FTQ (Fixed Time Quanta) from Sottile and Minnich, "Analysis of microbenchmarks
 * for performance tuning of clusters", IEEE Cluster 2004; LLNL's ASC Sequoia benchmark suite ships the
 * threaded fwq.c (rewritten by Mark Seager, 2008), whose x86-64 work loop is an increment, 16 NOPs, a
 * compare and a conditional jump, run 2^20 times per quantum, 10000 quanta, one thread per core pinned
 * with sched_setaffinity. We keep 19 instructions per pass (one NOP becomes the store described below) but
 * use 2^14 passes: under QEMU -icount a tick is one instruction, so Sequoia's quantum would be 20 million
 * ticks and 10000 of them would take hours to emulate. 2^14 passes are about 311,000 ticks (0.31 ms
 * virtual), shorter than a 250 Hz timer tick (4 ms) by a factor of ten, so periodic kernel activity is
 * resolved quantum by quantum.
 *
 * Several CPUs under -icount. QEMU then runs the virtual CPUs in turn on one host thread (a slice each,
 * as long as the time to the next timer event divided by the number of CPUs), and the TSC is one clock
 * that all of them advance. A quantum during which QEMU ran the other CPUs looks longer by everything they
 * executed: measured raw, every kernel shows about (K-1)/K of the run as "noise" on K CPUs, and a tickless
 * kernel shows the longest detours (its CPUs get the longest slices). No real machine behaves like this,
 * so the figures above are corrected: each worker publishes how many passes of the work loop it has done
 * (the loop's store, one per pass) and how many quantum boundaries; at each boundary a worker reads every
 * other worker's counts with its TSC read (again until none moved meanwhile, so the three belong to one
 * instant), and a quantum's ticks become
 *     raw ticks - 19 x (other workers' passes meanwhile) - B x (other workers' boundaries meanwhile)
 * where B, the instructions of one boundary, is what an undisturbed quantum takes beyond its passes.
 * What remains is this worker's work plus every instruction that was not a worker's work: the OS's, on
 * any CPU. On one CPU the correction does nothing. Summed over the run it is exact (a worker caught in
 * the middle of a pass or of a boundary is counted at the next store, so a quantum may be off by up to a
 * pass or a boundary per other worker, and its neighbour by as much the other way); per quantum it charges
 * a worker with the OS work other CPUs did during its quantum, which on a real machine would overlap in
 * time instead of adding up, so on several CPUs max_detour is an upper bound of one CPU's. noise_ppm is
 * the OS's share of all CPUs' time, the same figure as the mean of the CPUs' own shares. Work the OS does
 * per unit of (virtual) time, such as a periodic tick, weighs K times more on K CPUs than on one: each
 * CPU executes only a K-th of the instructions the clock counts.
 *
 * Only quanta during which every worker was running its quanta count (not those overlapping another
 * worker's start after the start line or its exit): a worker goes on until every worker has QUANTA such
 * quanta, and reports its first QUANTA.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../Include/bench.h"

#define DEFAULT_QUANTA 10000
#define DEFAULT_WORK_BITS 14
#define WARMUP_QUANTA 100
#define INSTRUCTIONS_PER_PASS 19

enum phase { WAITING, MEASURING, FINISHED };

/* What a worker publishes to the others; its own cache line, written only by its worker. */
struct progress {
    volatile uint64_t passes;     /* passes of the work loop done, all quanta */
    volatile uint64_t boundaries; /* quantum boundaries (TSC reads) done since the start line */
    volatile int phase;           /* enum phase */
    volatile int done;            /* has QUANTA quanta that count */
} __attribute__((aligned(64)));

/* One quantum as measured: its ticks and what the other workers did meanwhile. */
struct sample {
    uint64_t ticks;
    uint64_t other_passes;
    uint64_t other_boundaries;
    uint64_t counts; /* 1 if every other worker was measuring from start to end */
};

struct worker {
    int index;
    int cpu;
    struct sample *samples;
    unsigned long recorded;
    unsigned long counted;
    pthread_t thread;
    int failed;
};

static unsigned long quanta = DEFAULT_QUANTA;
static unsigned long capacity;
static long work_passes = 1L << DEFAULT_WORK_BITS;
static int workers_count;
static struct progress *progress;
static pthread_barrier_t start_line;

/*
 * One quantum of work, in assembly so that the compiler can neither remove nor change it: per pass an
 * increment of the pass count, its store where the other workers read it, 15 NOPs, a compare and a
 * jump, all in registers but the store. Returns the new pass count.
 */
static inline uint64_t work_quantum(uint64_t passes, volatile uint64_t *published)
{
    uint64_t end = passes + work_passes;
    __asm__ __volatile__("1:\n\t"
                         "incq %0\n\t"
                         "movq %0, (%2)\n\t"
                         ".rept 15\n\t"
                         "nop\n\t"
                         ".endr\n\t"
                         "cmpq %1, %0\n\t"
                         "jb 1b"
                         : "+r"(passes)
                         : "r"(end), "r"(published)
                         : "cc", "memory");
    return passes;
}

/* The other workers' counts, and whether they all measure / are all done. The same instructions every
 * time (no early exit), so that a boundary always costs the same. */
struct view {
    uint64_t passes, boundaries;
    int all_measuring, all_done;
};

static inline void read_others(int self, struct view *view)
{
    uint64_t passes = 0, boundaries = 0;
    int measuring = 1, done = 1;
    for (int n = 0; n < workers_count; n++) {
        int other = n != self;
        passes += other * progress[n].passes;
        boundaries += other * progress[n].boundaries;
        measuring &= !other | (progress[n].phase == MEASURING);
        done &= progress[n].done;
    }
    view->passes = passes;
    view->boundaries = boundaries;
    view->all_measuring = measuring;
    view->all_done = done;
}

/* The TSC with the others' counts at that instant: read before and after, again if any moved. */
static inline uint64_t snapshot(int self, struct view *view)
{
    struct view after;
    uint64_t now;
    read_others(self, view);
    for (;;) {
        now = bench_ticks();
        read_others(self, &after);
        if (after.passes == view->passes && after.boundaries == view->boundaries)
            return now;
        *view = after;
    }
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
    struct progress *mine = &progress[worker->index];
    if (pin_to(worker->cpu) != 0) {
        fprintf(stderr, "fwq: cannot pin to CPU %d: %s\n", worker->cpu, strerror(errno));
        worker->failed = 1;
    }
    /* Warm up (first execution of the loop, first touches), then start all CPUs together. */
    uint64_t passes = 0;
    for (int i = 0; i < WARMUP_QUANTA; i++)
        passes = work_quantum(passes, &mine->passes);
    pthread_barrier_wait(&start_line);

    struct view before, after;
    uint64_t start = snapshot(worker->index, &before);
    mine->boundaries = 1;
    mine->phase = MEASURING;
    unsigned long i = 0, counted = 0;
    for (;;) {
        passes = work_quantum(passes, &mine->passes);
        uint64_t end = snapshot(worker->index, &after);
        /* Past the capacity the last sample is overwritten: the run goes on only until the others are
         * done, and those quanta do not count. Selects rather than branches keep the boundary's cost
         * the same every time. */
        struct sample *sample = &worker->samples[i < capacity ? i : capacity - 1];
        /* The first quantum does not count: its start is the first boundary's, a shorter one. */
        uint64_t counts = (uint64_t)(before.all_measuring & after.all_measuring) & (counted < quanta) & (i < capacity) & (i > 0);
        sample->ticks = end - start;
        sample->other_passes = after.passes - before.passes;
        sample->other_boundaries = after.boundaries - before.boundaries;
        sample->counts = counts;
        counted += counts;
        i++;
        mine->boundaries++;
        mine->done = counted >= quanta;
        if (after.all_done & (counted >= quanta))
            break;
        start = end;
        before = after;
    }
    mine->phase = FINISHED;
    worker->recorded = i < capacity ? i : capacity;
    worker->counted = counted;
    return NULL;
}

static int compare_ticks(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A quantum's ticks without the other workers' work; *base is the instructions of one boundary (B). */
static int64_t corrected(const struct sample *sample, uint64_t boundary)
{
    return (int64_t)(sample->ticks - INSTRUCTIONS_PER_PASS * sample->other_passes - boundary * sample->other_boundaries);
}

/* The fastest quantum during which no other worker moved, over all workers; 0 if there is none. */
static uint64_t undisturbed_minimum(const struct worker *workers, unsigned long *count)
{
    uint64_t min = 0;
    *count = 0;
    for (int n = 0; n < workers_count; n++) {
        for (unsigned long i = 0; i < workers[n].recorded; i++) {
            const struct sample *sample = &workers[n].samples[i];
            if (!sample->counts || sample->other_passes != 0 || sample->other_boundaries != 0)
                continue;
            if (*count == 0 || sample->ticks < min)
                min = sample->ticks;
            ++*count;
        }
    }
    return min;
}

/* The counted quanta of a worker, corrected, in order. */
static int64_t *counted_quanta(const struct worker *worker, uint64_t boundary)
{
    int64_t *times = malloc(quanta * sizeof *times);
    if (times == NULL) {
        perror("fwq: malloc");
        exit(1);
    }
    unsigned long k = 0;
    for (unsigned long i = 0; i < worker->recorded && k < quanta; i++)
        if (worker->samples[i].counts)
            times[k++] = corrected(&worker->samples[i], boundary);
    if (k < quanta) {
        fprintf(stderr, "fwq: CPU %d kept only %lu of its %lu quanta (more than %lu recorded)\n", worker->cpu, k, quanta, capacity);
        exit(1);
    }
    return times;
}

struct totals {
    int64_t detours;
    uint64_t ticks;
    int64_t max_detour;
    uint64_t raw_max;
};

static void summarise(const struct worker *worker, uint64_t min, uint64_t boundary, struct totals *totals)
{
    int64_t *times = counted_quanta(worker, boundary);
    int64_t detours = 0;
    uint64_t ticks = 0, raw_max = 0;
    for (unsigned long i = 0, k = 0; i < worker->recorded && k < quanta; i++) {
        if (!worker->samples[i].counts)
            continue;
        ticks += worker->samples[i].ticks;
        if (worker->samples[i].ticks > raw_max)
            raw_max = worker->samples[i].ticks;
        detours += times[k++] - (int64_t)min;
    }
    qsort(times, quanta, sizeof *times, compare_ticks);
    int64_t max = times[quanta - 1], total = 0;
    for (unsigned long k = 0; k < quanta; k++)
        total += times[k];
    /* Detours of single quanta may be slightly negative (a pass caught half done); their sum is not. */
    int64_t ppm = detours <= 0 ? 0 : (int64_t)bench_div_round((uint64_t)detours * 1000000, ticks);
    printf("bench-result fwq-cpu cpu=%d quanta=%lu min=%llu median=%lld p99=%lld max=%lld mean=%lld noise_ppm=%lld max_detour=%lld\n",
           worker->cpu, quanta, (unsigned long long)min, (long long)times[quanta / 2],
           (long long)times[quanta * 99 / 100], (long long)max, (long long)(total / (int64_t)quanta), (long long)ppm,
           (long long)(max - (int64_t)min));
    totals->detours += detours;
    totals->ticks += ticks;
    if (max - (int64_t)min > totals->max_detour)
        totals->max_detour = max - (int64_t)min;
    if (raw_max > totals->raw_max)
        totals->raw_max = raw_max;
    free(times);
}

/*
 * Every counted quantum as its detour (corrected ticks minus min), runs of equal values written
 * VALUE*COUNT, up to 32 runs per line:  fwq-raw cpu=C min=T first=I detour=0*523,1021,-3,0*77,...
 * where I is the index of the line's first quantum. Undisturbed quanta under -icount are all equal, so
 * a run is mostly a few lines.
 */
static void print_raw(const struct worker *worker, uint64_t min, uint64_t boundary)
{
    int64_t *times = counted_quanta(worker, boundary);
    unsigned long i = 0;
    while (i < quanta) {
        printf("fwq-raw cpu=%d min=%llu first=%lu detour=", worker->cpu, (unsigned long long)min, i);
        for (int runs = 0; runs < 32 && i < quanta; runs++) {
            int64_t value = times[i] - (int64_t)min;
            unsigned long length = 1;
            while (i + length < quanta && times[i + length] - (int64_t)min == value)
                length++;
            printf(runs == 0 ? "" : ",");
            if (length > 1)
                printf("%lld*%lu", (long long)value, length);
            else
                printf("%lld", (long long)value);
            i += length;
        }
        printf("\n");
    }
    free(times);
}

static void usage(const char *self)
{
    fprintf(stderr, "usage: %s [-n QUANTA] [-w BITS] [-r]\n", self);
    exit(2);
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
            usage(argv[0]);
        }
    }
    if (optind != argc)
        usage(argv[0]);

    /* The CPUs we may run on; sched_getaffinity needs no /proc or /sys, unlike sysconf's CPU count. */
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        perror("fwq: sched_getaffinity");
        return 1;
    }
    workers_count = CPU_COUNT(&allowed);
    /* Room for the quanta before every worker has started and after the first is done. */
    capacity = 2 * quanta + 1000;
    struct worker *workers = calloc(workers_count, sizeof *workers);
    progress = aligned_alloc(64, workers_count * sizeof *progress);
    if (workers == NULL || progress == NULL) {
        perror("fwq: calloc");
        return 1;
    }
    memset((void *)progress, 0, workers_count * sizeof *progress);
    for (int cpu = 0, n = 0; n < workers_count; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        workers[n].index = n;
        workers[n].cpu = cpu;
        /* Touched now (a large malloc maps fresh zero pages lazily), so that no page fault for sample
         * storage happens while measuring. */
        workers[n].samples = malloc(capacity * sizeof(struct sample));
        if (workers[n].samples == NULL) {
            perror("fwq: malloc");
            return 1;
        }
        memset(workers[n].samples, 0, capacity * sizeof(struct sample));
        n++;
    }

    /* The main thread is the first CPU's worker, as in Sequoia's fwq.c: no extra thread to disturb. */
    pthread_barrier_init(&start_line, NULL, workers_count);
    for (int n = 1; n < workers_count; n++) {
        int error = pthread_create(&workers[n].thread, NULL, run_worker, &workers[n]);
        if (error != 0) {
            fprintf(stderr, "fwq: pthread_create: %s\n", strerror(error));
            return 1;
        }
    }
    run_worker(&workers[0]);
    int failed = workers[0].failed;
    for (int n = 1; n < workers_count; n++) {
        pthread_join(workers[n].thread, NULL);
        failed |= workers[n].failed;
    }
    if (failed)
        return 1;
    for (int n = 0; n < workers_count; n++) {
        if (workers[n].counted < quanta) {
            fprintf(stderr, "fwq: CPU %d has only %lu of %lu quanta during which all workers ran\n",
                    workers[n].cpu, workers[n].counted, quanta);
            return 1;
        }
    }

    unsigned long undisturbed;
    uint64_t min = undisturbed_minimum(workers, &undisturbed);
    if (undisturbed == 0) {
        fprintf(stderr, "fwq: no quantum ran undisturbed by the other workers: no base to measure from\n");
        return 1;
    }
    uint64_t boundary = min - INSTRUCTIONS_PER_PASS * (uint64_t)work_passes;
    struct totals totals = { 0 };
    for (int n = 0; n < workers_count; n++)
        summarise(&workers[n], min, boundary, &totals);
    /* ppb too: a quiet kernel's noise is below one ppm. */
    int64_t ppb = totals.detours <= 0 ? 0 : (int64_t)bench_div_round((uint64_t)totals.detours * 1000000000, totals.ticks);
    printf("bench-result fwq cpus=%d quanta=%lu work=%ld min=%llu noise_ppm=%lld noise_ppb=%lld max_detour=%lld raw_max=%llu undisturbed=%lu\n",
           workers_count, quanta, work_passes, (unsigned long long)min, (long long)((ppb + 500) / 1000), (long long)ppb,
           (long long)totals.max_detour, (unsigned long long)totals.raw_max, undisturbed);
    if (raw)
        for (int n = 0; n < workers_count; n++)
            print_raw(&workers[n], min, boundary);
    return 0;
}
