/*
 * placed: kitten_exec_placed (system call 1045, Kernel/Processes/PlacedExec.cs), Kitten only. This program
 * plans placements itself, the way the MemoryManager does (Services/MemoryManager/README.md): the segments
 * where the ELF headers put them (4 KiB pages), a heap after them on a 2 MiB boundary, the stack ending at
 * 511 GiB, all in one physically contiguous block. It finds a free block as a launcher would: it starts
 * near the top of memory and moves down while the kernel answers EBUSY (frames of the block may have been
 * taken since: the kernel keeps a few 2 MiB chunks of ended processes for the next ones, and a process may
 * take memory between the plan and the call, its own included).
 *
 *   placed [--runs N] [PREFIX]
 *                        the cases (KTAP output, ktest.h); memory_comes_back runs its program N times (3)
 *   placed --inside HEAP_START HEAP_LENGTH STACK_TOP STACK_LENGTH PLACED_KB
 *                        what a placed copy of this program checks from inside: brk in its preallocated
 *                        heap, its stack's place, the [heap] line of maps, and that a fork child is an
 *                        ordinary copy; "# inside: ..." lines and exit status 1 if something did not hold
 *   placed --hold        maps and unmaps a page, says "ready", and waits for the end of its stdin
 */
#include "../LinuxTests/ktest.h"
#include "../Include/kitten_exec.h"

#include <elf.h>
#include <sched.h>
#include <sys/mman.h>

#define KIB 1024ull
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)
#define PIE_BASE (256 * GIB)  /* the kernel's load base for static-PIE programs (ProcessMemory.PieBase) */
#define STACK_TOP (511 * GIB) /* where the MemoryManager ends the stack */
#define HEAP_BYTES (32 * MIB)
#define STACK_BYTES (256 * KIB)
#define EXEC_FAILED 100       /* a child whose exec failed exits with EXEC_FAILED + errno */

extern char **environ;

struct plan {
    struct kitten_placement p;
    struct kitten_region r[KITTEN_PLACEMENT_MAX_REGIONS];
    uint64_t bytes; /* the regions' bytes: what VmPlaced must say */
    uint64_t block; /* bytes of the physical block */
};

static const char *self_path;
static int memory_runs = 3;

static uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

/* What to plan: a program, its heap (bytes, page size) and stack, and whether to add a spare region (2 MiB
 * at 1 GiB, where no program here maps anything, on frames of its own 2 MiB past the rest). With `scatter`
 * the heap is that many 4 KiB regions instead, on every other frame of its part of the block and in the
 * reverse order of their pages: a fragmented paged layout, each frame a run of its own. */
struct shape {
    const char *path;
    uint64_t heap, heap_page, stack;
    int spare;
    int scatter;
};

/* The plan for the program at `path` in the block at `phys`: 0, or -errno. The heap's frames are 2 MiB
 * aligned whatever its page size, so that plans differing only in heap_page map the same memory. */
static int make_plan(struct plan *plan, const struct shape *shape, uint64_t phys)
{
    const char *path = shape->path;
    uint64_t heap_bytes = shape->heap, heap_page = shape->heap_page, stack_bytes = shape->stack;
    memset(plan, 0, sizeof *plan);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    Elf64_Ehdr eh;
    Elf64_Phdr ph[32];
    size_t phbytes = 0;
    int ok = pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && eh.e_phnum <= 32 &&
             eh.e_phentsize == sizeof(Elf64_Phdr);
    if (ok) {
        phbytes = eh.e_phnum * sizeof(Elf64_Phdr);
        ok = pread(fd, ph, phbytes, (off_t)eh.e_phoff) == (ssize_t)phbytes;
    }
    close(fd);
    if (!ok)
        return -ENOEXEC;
    uint64_t lowest = UINT64_MAX;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_vaddr & ~4095ull) < lowest)
            lowest = ph[i].p_vaddr & ~4095ull;
    uint64_t bias = eh.e_type == ET_DYN ? PIE_BASE - lowest : 0;
    int n = 0;
    uint64_t cursor = phys;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t start = (ph[i].p_vaddr + bias) & ~4095ull, end = align_up(ph[i].p_vaddr + bias + ph[i].p_memsz, 4096);
        if (n > 0 && start < plan->r[n - 1].virt + plan->r[n - 1].length) {
            /* shares a page with the segment before: one region for both */
            struct kitten_region *last = &plan->r[n - 1];
            uint64_t old_end = last->virt + last->length;
            if (end > old_end) {
                last->length = end - last->virt;
                cursor += end - old_end;
            }
            last->p_flags |= ph[i].p_flags;
            continue;
        }
        plan->r[n++] = (struct kitten_region){start, end - start, cursor, 4096, ph[i].p_flags};
        cursor += end - start;
    }
    uint64_t heap_start = align_up(plan->r[n - 1].virt + plan->r[n - 1].length, 2 * MIB);
    cursor = align_up(cursor, 2 * MIB);
    if (shape->scatter) {
        heap_bytes = (uint64_t)shape->scatter * 4096;
        for (int i = 0; i < shape->scatter; i++)
            plan->r[n++] = (struct kitten_region){heap_start + (uint64_t)i * 4096, 4096,
                                                  cursor + 2 * (uint64_t)(shape->scatter - 1 - i) * 4096, 4096, PF_R | PF_W};
        cursor += 2 * heap_bytes;
    } else {
        plan->r[n++] = (struct kitten_region){heap_start, heap_bytes, cursor, (uint32_t)heap_page, PF_R | PF_W};
        cursor += heap_bytes;
    }
    plan->r[n++] = (struct kitten_region){STACK_TOP - stack_bytes, stack_bytes, cursor, 4096, PF_R | PF_W};
    cursor += stack_bytes;
    if (shape->spare) {
        cursor = align_up(cursor, 2 * MIB) + 2 * MIB;
        plan->r[n++] = (struct kitten_region){1 * GIB, 2 * MIB, cursor, 2 * MIB, PF_R | PF_W};
        cursor += 2 * MIB;
    }
    plan->p = (struct kitten_placement){heap_start, heap_bytes, STACK_TOP, stack_bytes, (uint64_t)n, (uintptr_t)plan->r};
    for (int i = 0; i < n; i++)
        plan->bytes += plan->r[i].length;
    plan->block = cursor - phys;
    return 0;
}

/* ---- /proc ------------------------------------------------------------------------------------------ */

/* The number after `field` in text (a /proc line "Field:   N kB"), or -1. */
static long long field_of(const char *text, const char *field)
{
    const char *at = strstr(text, field);
    return at ? strtoll(at + strlen(field), NULL, 10) : -1;
}

static long long meminfo(const char *field)
{
    static char text[4096];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = 0;
    return field_of(text, field);
}

/* ---- running a program in a placement ---------------------------------------------------------------- */

/* A child running a program in a placement, its stdin and stdout pipes, and what it wrote. */
struct child {
    pid_t pid;
    int in, out;
    struct plan plan;
    int busy_tries;   /* EBUSY answers before the block that worked */
    int status;       /* its wait status, once finished */
    char text[8192];  /* what it wrote to stdout */
};

static uint64_t memory_top(void)
{
    long long total = meminfo("MemTotal:");
    return total > 0 ? ((uint64_t)total * KIB) & ~(2 * MIB - 1) : 0;
}

/* A bare thread on a stack of this program's data (making it takes no memory): it waits for good. */
static int sleeper(void *arg)
{
    (void)arg;
    for (;;)
        kt_sys(SYS_pause);
    return 0;
}

static char sleeper_stack[64 * 1024] __attribute__((aligned(16)));

/* Starts argv[0] in a plan of `shape` at the highest base, going down from the top of memory 2 MiB at a
 * time, where the kernel does not answer EBUSY. With `threaded` the child has a second thread when it
 * calls. 0 (the child runs the program), or what kitten_exec_placed returned. */
static long start_placed(struct child *c, const struct shape *shape, char *const argv[], int threaded)
{
    memset(c, 0, sizeof *c);
    uint64_t top = memory_top();
    if (top == 0 || make_plan(&c->plan, shape, 0) != 0)
        return -ENOEXEC;
    for (uint64_t base = top - align_up(c->plan.block, 2 * MIB); base >= 16 * MIB; base -= 2 * MIB, c->busy_tries++) {
        make_plan(&c->plan, shape, base);
        int in[2], out[2], result[2];
        if (pipe(in) != 0 || pipe(out) != 0 || pipe2(result, O_CLOEXEC) != 0)
            return -EMFILE;
        c->pid = kt_fork();
        if (c->pid < 0)
            return -EAGAIN;
        if (c->pid == 0) {
            int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
            if (threaded && clone(sleeper, sleeper_stack + sizeof sleeper_stack, flags, NULL) < 0)
                _exit(1);
            dup2(in[0], 0);
            dup2(out[1], 1);
            close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(result[0]);
            long r = kitten_exec_placed(argv[0], argv, environ, &c->plan.p);
            if (write(result[1], &r, sizeof r) != sizeof r)
                _exit(2);
            _exit(3);
        }
        close(in[0]), close(out[1]), close(result[1]);
        long r = 0;
        ssize_t n = read(result[0], &r, sizeof r); /* nothing: the exec closed it */
        close(result[0]);
        c->in = in[1];
        c->out = out[0];
        if (n == 0)
            return 0;
        close(c->in), close(c->out);
        kt_reap(c->pid, &c->status);
        if (r != -EBUSY)
            return r;
    }
    return -EBUSY;
}

/* Ends the child's stdin, collects what it wrote and its wait status. False if it did not end normally
 * with status 0. */
static int finish(struct child *c)
{
    close(c->in);
    size_t used = 0;
    for (ssize_t n; (n = read(c->out, c->text + used, sizeof c->text - 1 - used)) > 0;)
        used += (size_t)n;
    c->text[used] = 0;
    close(c->out);
    return kt_reap(c->pid, &c->status) == c->pid && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

/* Whether every frame of the plan is free now, asked without taking memory (no fork): the same frames,
 * with the stack cut to its first frame (the rest planned at 4 GiB, where nothing is loaded), for arguments
 * that do not fit there. The kernel claims every frame, then finds the stack too small (E2BIG) and gives
 * them back; a frame in use is EBUSY. */
static long claimable(const struct plan *plan)
{
    struct plan probe = *plan;
    probe.p.regions = (uintptr_t)probe.r;
    for (uint64_t i = 0, count = probe.p.region_count; i < count; i++) {
        struct kitten_region *r = &probe.r[i];
        if (r->virt + r->length != probe.p.stack_top)
            continue;
        if (r->length > 4096)
            probe.r[probe.p.region_count++] = (struct kitten_region){4 * GIB, r->length - 4096, r->phys + 4096, 4096, PF_R | PF_W};
        r->virt = probe.p.stack_top - 4096;
        r->length = 4096;
        r->page_size = 4096;
    }
    probe.p.stack_length = 4096;
    static char big[16 * 1024];
    memset(big, 'x', sizeof big - 1);
    char *args[] = {"/bin/true", big, NULL};
    return kitten_exec_placed("/bin/true", args, environ, &probe.p);
}

static char *cat_status[] = {"/bin/cat", "/proc/self/status", NULL};
static const struct shape cat_2m = {"/bin/cat", HEAP_BYTES, 2 * MIB, STACK_BYTES, 0, 0};
static const struct shape cat_4k = {"/bin/cat", HEAP_BYTES, 4 * KIB, STACK_BYTES, 0, 0};

/* Runs cat /proc/self/status in a plan of the shape; checks it ran. */
#define RUN_CAT(c, shape)                                                                                    \
    do {                                                                                                     \
        long r_ = start_placed(&(c), &(shape), cat_status, 0);                                               \
        KT_CHECK(r_ == 0, "kitten_exec_placed = %s after %d busy blocks", kt_res(r_), (c).busy_tries);      \
        KT_CHECK(finish(&(c)), "cat: %s:\n%s", kt_status((c).status), (c).text);                             \
    } while (0)

/* ---- the cases ---------------------------------------------------------------------------------------- */

static struct child large;

/* (a) A plan with a 2 MiB-page heap is installed and the program runs: it reports the planned bytes as
 * VmPlaced and few page tables. */
static void t_large_pages_run(void)
{
    RUN_CAT(large, cat_2m);
    kt_write_line("# block of %llu KiB at 0x%llx after %d busy tries", (unsigned long long)(large.plan.block / KIB),
                  (unsigned long long)large.plan.r[0].phys, large.busy_tries);
    long long placed = field_of(large.text, "VmPlaced:"), tables = field_of(large.text, "VmPTE:");
    KT_CHECK(placed == (long long)(large.plan.bytes / KIB), "VmPlaced %lld kB, planned %llu kB:\n%s", placed,
             (unsigned long long)(large.plan.bytes / KIB), large.text);
    /* Fewer page tables than the heap alone would need in 4 KiB pages (one per 2 MiB). */
    KT_CHECK(tables >= 0 && (unsigned long long)tables < HEAP_BYTES / (2 * MIB) * 4, "VmPTE %lld kB", tables);
    kt_write_line("# VmPTE %lld kB with a %llu MiB heap in 2 MiB pages", tables, HEAP_BYTES / MIB);
}

/* (b) The same plan with the heap in 4 KiB pages: one more page table per 2 MiB of heap, exactly. */
static void t_small_pages_cost_page_tables(void)
{
    KT_CHECK(large.plan.bytes != 0 && WIFEXITED(large.status) && WEXITSTATUS(large.status) == 0, "needs large_pages_run");
    struct child small;
    RUN_CAT(small, cat_4k);
    long long placed = field_of(small.text, "VmPlaced:"), tables = field_of(small.text, "VmPTE:");
    long long large_tables = field_of(large.text, "VmPTE:");
    KT_CHECK(placed == (long long)(small.plan.bytes / KIB), "VmPlaced %lld kB, planned %llu kB", placed,
             (unsigned long long)(small.plan.bytes / KIB));
    KT_CHECK(tables - large_tables == (long long)(HEAP_BYTES / (2 * MIB) * 4), "VmPTE %lld kB in 4 KiB pages, %lld kB in 2 MiB pages",
             tables, large_tables);
    kt_write_line("# VmPTE %lld kB with the heap in 4 KiB pages", tables);
}

/* (c) Frames a running placed process holds are busy: the same plan, or one overlapping a page of it, is
 * EBUSY and the caller (this process) goes on; once that process has exited, they are free again. */
static void t_frames_in_use_are_busy(void)
{
    struct child holder;
    char *cat[] = {"/bin/cat", NULL};
    long r = start_placed(&holder, &cat_2m, cat, 0);
    KT_CHECK(r == 0, "kitten_exec_placed = %s", kt_res(r));
    char echo[8] = {0};
    KT_CHECK(write(holder.in, "ping\n", 5) == 5, "write: %s", kt_errno());
    KT_CHECK(read(holder.out, echo, 5) == 5 && strcmp(echo, "ping\n") == 0, "the placed cat did not echo (%s)", echo);
    /* The cat runs in its block now. */
    struct plan shifted;
    const struct shape small = {"/bin/cat", 4 * MIB, 2 * MIB, STACK_BYTES, 0, 0};
    KT_CHECK(make_plan(&shifted, &small, holder.plan.r[0].phys + holder.plan.block - 4 * KIB) == 0, "plan");
    KT_CHECK_RES(kitten_exec_placed("/bin/cat", cat_status, environ, &holder.plan.p), -EBUSY);
    KT_CHECK_RES(kitten_exec_placed("/bin/cat", cat_status, environ, &shifted.p), -EBUSY);
    KT_CHECK_RES(claimable(&holder.plan), -EBUSY);
    KT_CHECK(finish(&holder), "holder: %s", kt_status(holder.status));
    KT_CHECK_RES(claimable(&holder.plan), -E2BIG);
}

/* (d) Malformed placements are EINVAL before anything else is looked at: with a path that does not exist,
 * a well-formed one gets ENOENT. Unreadable ones are EFAULT. The caller goes on each time, and what the
 * refused calls claimed on the way is free again. */
static void t_malformed_placements_are_einval(void)
{
    struct child run;
    RUN_CAT(run, cat_2m);
    struct plan good = run.plan, bad;
    const char *nowhere = "/nonexistent/placed";
    char *args[] = {(char *)nowhere, NULL};
    int heap = (int)good.p.region_count - 2, stack = (int)good.p.region_count - 1;
    good.p.regions = (uintptr_t)good.r;
    KT_CHECK_RES(kitten_exec_placed(nowhere, args, environ, &good.p), -ENOENT);
#define BAD(change)                                                                                  \
    do {                                                                                             \
        bad = good;                                                                                  \
        bad.p.regions = (uintptr_t)bad.r;                                                            \
        change;                                                                                      \
        long r_ = kitten_exec_placed(nowhere, args, environ, &bad.p);                                \
        KT_CHECK(r_ == -EINVAL, "%s: %s, want EINVAL", #change, kt_res(r_));                        \
    } while (0)
    BAD(bad.p.region_count = 0);
    BAD(bad.p.region_count = KITTEN_PLACEMENT_MAX_REGIONS + 1);
    BAD(bad.r[0].page_size = 8192);
    BAD(bad.r[heap].page_size = 1 << 30; bad.r[heap].length = 1ull << 30);
    BAD(bad.r[heap].virt += 4096; bad.p.heap_start += 4096);
    BAD(bad.r[heap].phys += 4096);
    BAD(bad.r[0].length = 0);
    BAD(bad.r[0].p_flags = 8);
    BAD(bad.r[0].virt = 505 * GIB);
    BAD(bad.r[0].virt = 509 * GIB);
    BAD(bad.r[0].virt = 512 * GIB - 4096; bad.r[0].length = 8192);
    BAD(bad.r[1].virt = bad.r[0].virt);
    BAD(bad.r[1].phys = bad.r[0].phys);
    BAD(bad.p.heap_length += 2 * MIB);
    BAD(bad.p.heap_start = 0);
    BAD(bad.p.stack_top -= 4096);
    BAD(bad.p.stack_length = 100);
    BAD(bad.r[stack].phys = 1ull << 52);
#undef BAD
    KT_CHECK_RES(kitten_exec_placed(nowhere, args, environ, NULL), -EFAULT);
    bad = good;
    bad.p.regions = 0xffff800000000000ull;
    KT_CHECK_RES(kitten_exec_placed(nowhere, args, environ, &bad.p), -EFAULT);
    /* Well-formed, but no memory there: a frame beyond RAM is EINVAL, and the claims before it are undone. */
    char *truth[] = {"/bin/true", NULL};
    bad = good;
    bad.p.regions = (uintptr_t)bad.r;
    bad.r[stack].phys = 1ull << 40;
    KT_CHECK_RES(kitten_exec_placed("/bin/true", truth, environ, &bad.p), -EINVAL);
    /* The stack too small for the arguments: E2BIG, after the frames were claimed (and given back). */
    KT_CHECK_RES(claimable(&good), -E2BIG);
    KT_CHECK_RES(claimable(&good), -E2BIG);
}

/* (e) After a placed process exits, free memory is back where it was. The first run warms the kernel's
 * kept memory (page-table pages, spare 2 MiB chunks of process pools: bounded lists reused from one process
 * to the next); after it, every run must leave MemFree exactly as it found it. */
static void t_memory_comes_back(void)
{
    struct child run;
    RUN_CAT(run, cat_2m);
    long long before = meminfo("MemFree:");
    for (int i = 0; i < memory_runs; i++) {
        RUN_CAT(run, cat_2m);
        long long after = meminfo("MemFree:");
        KT_CHECK(after == before, "run %d: MemFree %lld kB, %lld kB before (%d busy tries)", i, after, before, run.busy_tries);
    }
}

/* The placed program's own view: this program again, placed, checks its heap, stack and fork (--inside). */
static void t_inside_a_placed_program(void)
{
    const struct shape self = {self_path, 8 * MIB, 2 * MIB, STACK_BYTES, 0, 0};
    struct plan plan;
    KT_CHECK(make_plan(&plan, &self, 0) == 0, "plan of %s", self_path);
    char heap_start[32], heap_length[32], stack_top[32], stack_length[32], placed[32];
    snprintf(heap_start, sizeof heap_start, "%llu", (unsigned long long)plan.p.heap_start);
    snprintf(heap_length, sizeof heap_length, "%llu", (unsigned long long)plan.p.heap_length);
    snprintf(stack_top, sizeof stack_top, "%llu", (unsigned long long)plan.p.stack_top);
    snprintf(stack_length, sizeof stack_length, "%llu", (unsigned long long)plan.p.stack_length);
    snprintf(placed, sizeof placed, "%llu", (unsigned long long)(plan.bytes / KIB));
    char *args[] = {(char *)self_path, "--inside", heap_start, heap_length, stack_top, stack_length, placed, NULL};
    struct child c;
    long r = start_placed(&c, &self, args, 0);
    KT_CHECK(r == 0, "kitten_exec_placed = %s", kt_res(r));
    KT_CHECK(finish(&c), "%s:\n%s", kt_status(c.status), c.text);
}

/* A planned run that nothing was loaded into goes to the placed process's pool, and back to pmem as soon as
 * it is wholly free there at a munmap, while the process still runs; the frames it uses stay claimed. */
static void t_unused_planned_frames_return_at_munmap(void)
{
    const struct shape self = {self_path, 8 * MIB, 2 * MIB, STACK_BYTES, 1, 0};
    char *hold[] = {(char *)self_path, "--hold", NULL};
    struct child holder;
    long r = start_placed(&holder, &self, hold, 0);
    KT_CHECK(r == 0, "kitten_exec_placed = %s", kt_res(r));
    char ready[8] = {0};
    KT_CHECK(read(holder.out, ready, 6) == 6 && strcmp(ready, "ready\n") == 0, "the holder did not start (%s)", ready);
    int count = (int)holder.plan.p.region_count;
    struct plan spare = {0}, heap = {0};
    spare.r[0] = holder.plan.r[count - 1];
    heap.r[0] = holder.plan.r[count - 3];
    spare.r[0].virt = heap.r[0].virt = STACK_TOP - 2 * MIB; /* probes: 2 MiB of each, as a stack */
    spare.r[0].length = heap.r[0].length = 2 * MIB;
    spare.p = (struct kitten_placement){0, 0, STACK_TOP, 2 * MIB, 1, (uintptr_t)spare.r};
    heap.p = (struct kitten_placement){0, 0, STACK_TOP, 2 * MIB, 1, (uintptr_t)heap.r};
    KT_CHECK_RES(claimable(&spare), -E2BIG);
    KT_CHECK_RES(claimable(&heap), -EBUSY);
    KT_CHECK(finish(&holder), "holder: %s", kt_status(holder.status));
}

/* A fragmented paged layout at the limit: as many regions as a placement may have (4096), nearly all of
 * them the heap's, each a frame of its own, claimed one by one (and given back at the end: the kernel's
 * account of free memory when this program ends says so). */
static void t_scattered_frames_up_to_the_limit(void)
{
    int fixed = 0;
    struct plan shape_of;
    KT_CHECK(make_plan(&shape_of, &cat_4k, 0) == 0, "plan");
    fixed = (int)shape_of.p.region_count - 1; /* the segments and the stack */
    const struct shape scattered = {"/bin/cat", 0, 4 * KIB, STACK_BYTES, 0, KITTEN_PLACEMENT_MAX_REGIONS - fixed};
    static struct child c;
    RUN_CAT(c, scattered);
    KT_CHECK(c.plan.p.region_count == KITTEN_PLACEMENT_MAX_REGIONS, "%llu regions", (unsigned long long)c.plan.p.region_count);
    KT_CHECK(field_of(c.text, "VmPlaced:") == (long long)(c.plan.bytes / KIB), "VmPlaced %lld kB, planned %llu kB",
             field_of(c.text, "VmPlaced:"), (unsigned long long)(c.plan.bytes / KIB));
}

/* A caller with another thread: as execve, the other threads end and the program runs alone. */
static void t_threaded_caller_execs(void)
{
    struct child c;
    long r = start_placed(&c, &cat_2m, cat_status, 1);
    KT_CHECK(r == 0, "kitten_exec_placed = %s", kt_res(r));
    KT_CHECK(finish(&c), "cat: %s", kt_status(c.status));
    KT_CHECK(field_of(c.text, "Threads:") == 1, "Threads %lld:\n%s", field_of(c.text, "Threads:"), c.text);
    KT_CHECK(field_of(c.text, "VmPlaced:") == (long long)(c.plan.bytes / KIB), "VmPlaced %lld kB", field_of(c.text, "VmPlaced:"));
}

static int hold(void)
{
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || munmap(page, 4096) != 0)
        return 1;
    if (write(1, "ready\n", 6) != 6)
        return 1;
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

/* ---- --inside ------------------------------------------------------------------------------------------ */

static int inside_failed;
#define EXPECT(cond, ...)                                  \
    do {                                                   \
        if (!(cond)) {                                     \
            dprintf(1, "# inside (line %d): ", __LINE__); \
            dprintf(1, __VA_ARGS__);                       \
            dprintf(1, "\n");                              \
            inside_failed = 1;                             \
        }                                                  \
    } while (0)

static int all_bytes(const unsigned char *p, size_t n, unsigned char value)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != value)
            return 0;
    return 1;
}

static long long own_status(const char *field)
{
    static char text[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    text[n] = 0;
    return field_of(text, field);
}

static int inside(char **argv)
{
    uint64_t hs = strtoull(argv[2], NULL, 0), hl = strtoull(argv[3], NULL, 0);
    uint64_t st = strtoull(argv[4], NULL, 0), sl = strtoull(argv[5], NULL, 0);
    long long placed = strtoll(argv[6], NULL, 0);
    int local = 0;
    uint64_t sp = (uint64_t)(uintptr_t)&local;
    EXPECT(sp < st && sp >= st - sl, "the stack (%#llx) is not in the planned [%#llx, %#llx)", (unsigned long long)sp,
           (unsigned long long)(st - sl), (unsigned long long)st);
    EXPECT(own_status("VmPlaced:") == placed, "VmPlaced %lld kB, want %lld", own_status("VmPlaced:"), placed);
    /* glibc's start-up took its TLS block (and a little more) from brk: the break is a little above the
     * heap's start. */
    uint64_t b0 = (uint64_t)kt_sys(SYS_brk, 0);
    EXPECT(b0 >= hs && b0 < hs + MIB, "the break %#llx is not at the heap's start %#llx", (unsigned long long)b0,
           (unsigned long long)hs);
    unsigned char *p = (unsigned char *)(uintptr_t)b0;
    EXPECT((uint64_t)kt_sys(SYS_brk, b0 + MIB) == b0 + MIB, "brk up 1 MiB");
    EXPECT(all_bytes(p, MIB, 0), "fresh heap is not zero");
    memset(p, 0xab, MIB);
    EXPECT((uint64_t)kt_sys(SYS_brk, b0 + 4 * KIB + 100) == b0 + 4 * KIB + 100, "brk down");
    EXPECT((uint64_t)kt_sys(SYS_brk, b0 + MIB) == b0 + MIB, "brk up again");
    EXPECT(all_bytes(p, 4 * KIB + 100, 0xab), "what stayed under the break changed");
    EXPECT(all_bytes(p + 4 * KIB + 100, MIB - 4 * KIB - 100, 0), "memory given back with brk and taken again is not zero");
    /* Beyond the planned heap the break grows from the pool. */
    uint64_t far = hs + hl + 2 * MIB;
    EXPECT((uint64_t)kt_sys(SYS_brk, far) == far, "brk beyond the heap");
    EXPECT(all_bytes(p + MIB, far - b0 - MIB, 0), "the heap's rest and beyond are not zero");
    memset((void *)(uintptr_t)(far - 4 * KIB), 0xcd, 4 * KIB);
    EXPECT((uint64_t)kt_sys(SYS_brk, b0 + MIB) == b0 + MIB, "brk back into the heap");
    EXPECT((uint64_t)kt_sys(SYS_brk, far) == far, "brk beyond the heap again");
    EXPECT(all_bytes((const unsigned char *)(uintptr_t)(far - 4 * KIB), 4 * KIB, 0), "memory beyond the heap is not zero when taken again");
    /* maps names the whole preallocated heap. */
    static char maps[16384];
    int fd = open("/proc/self/maps", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, maps, sizeof maps - 1);
    if (fd >= 0)
        close(fd);
    maps[n > 0 ? n : 0] = 0;
    char heap_line[64];
    snprintf(heap_line, sizeof heap_line, "%llx-", (unsigned long long)hs);
    char *line = strstr(maps, heap_line);
    char *end = line ? strchr(line, '\n') : NULL;
    EXPECT(line && end && memmem(line, (size_t)(end - line), "[heap]", 6), "no [heap] line at %s in\n%s", heap_line, maps);
    /* fork: the child is an ordinary copy (its own pool), with the parent's bytes. */
    pid_t pid = fork();
    if (pid == 0) {
        int bad = own_status("VmPlaced:") != 0 || !all_bytes(p, 4 * KIB + 100, 0xab);
        _exit(bad);
    }
    int status = 0;
    EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "fork child: VmPlaced not 0 or the heap not copied (%s)", kt_status(status));
    return inside_failed;
}

static const struct kt_case cases[] = {
    KT_CASE(large_pages_run),
    KT_CASE(small_pages_cost_page_tables),
    KT_CASE(frames_in_use_are_busy),
    KT_CASE(malformed_placements_are_einval),
    KT_CASE(memory_comes_back),
    KT_CASE(inside_a_placed_program),
    KT_CASE(unused_planned_frames_return_at_munmap),
    KT_CASE(threaded_caller_execs),
    KT_CASE(scattered_frames_up_to_the_limit),
};

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 7 && strcmp(argv[1], "--inside") == 0)
        return inside(argv);
    if (argc == 2 && strcmp(argv[1], "--hold") == 0)
        return hold();
    if (argc >= 3 && strcmp(argv[1], "--runs") == 0) {
        memory_runs = atoi(argv[2]);
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    return kt_main("placed", cases, KT_COUNT(cases), argc, argv);
}
