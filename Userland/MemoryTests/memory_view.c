/*
 * memory_view: the kernel's free-memory view (kitten_memory_view, 1044; Kernel/Ipc/IpcMemoryView.cs), as a
 * client and the memory manager use it: the call gives a handle to a read-only grant of the view, which
 * maps with GRANT_MAP (1038) and reads in the layout of Services/MemoryManager/Core/FreeMemoryView.cs.
 * Kitten only (on Linux every call is ENOSYS). Tests/Boot.Tests/FreeMemoryViewOnKitten.cs boots it.
 *
 *   memory_view [PREFIX]     runs the cases whose name starts with PREFIX (KTAP output, ktest.h)
 */
#include "../IpcTests/ipctest.h"

#include <signal.h>
#include <sys/sysinfo.h>

/* The layout (FreeMemoryView.cs). */
#define VIEW_BYTES 65536
#define VIEW_MAGIC "KFREEMEM"
#define VIEW_MAX_CPUS 256
#define VIEW_EXTENTS 288
#define VIEW_CAPACITY ((VIEW_BYTES - VIEW_EXTENTS) / 24)
#define PAGE 4096ull
#define MIB (1024ull * 1024)

struct extent {
    uint64_t start, length;
    uint32_t node, reserved;
};

/* A consistent copy of the view (the seqlock: retry while the sequence is odd or moved). */
struct view {
    char magic[8];
    uint64_t sequence;
    uint32_t count, cpus;
    uint64_t reserved;
    uint8_t cpu_nodes[VIEW_MAX_CPUS];
    struct extent extents[VIEW_CAPACITY];
};

_Static_assert(sizeof(struct view) <= VIEW_BYTES, "the copy fits the view");
_Static_assert(__builtin_offsetof(struct view, extents) == VIEW_EXTENTS, "extents at 288");

static struct view copy;

static int read_view(const volatile unsigned char *mapped, struct view *out)
{
    const volatile uint64_t *sequence = (const volatile uint64_t *)(mapped + 8);
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint64_t before = *sequence;
        if (before & 1)
            continue;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        memcpy(out, (const void *)mapped, sizeof *out);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (*sequence == before)
            return 0;
    }
    return -1;
}

/* MemFree of /proc/meminfo, in bytes (0 if unreadable). */
static uint64_t mem_free(void)
{
    static char text[4096];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0)
        return 0;
    long n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = 0;
    const char *line = strstr(text, "MemFree:");
    return line ? strtoull(line + strlen("MemFree:"), NULL, 10) * 1024 : 0;
}

static uint64_t free_bytes(const struct view *v)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < v->count && i < VIEW_CAPACITY; i++)
        sum += v->extents[i].length;
    return sum;
}

static uint64_t distance(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* The view mapped read-only from a new handle; its address, or 0 (and the case failed). */
static const unsigned char *map_view(long *handle_out)
{
    long handle = kitten_memory_view();
    if (handle <= 0) {
        kt_fail("kitten_memory_view() = %s", kt_res(handle));
        return NULL;
    }
    long address = kitten_ipc_grant_map((int)handle, PROT_READ);
    if (address <= 0) {
        kt_fail("grant_map(%ld, PROT_READ) = %s", handle, kt_res(address));
        return NULL;
    }
    if (handle_out)
        *handle_out = handle;
    return (const unsigned char *)address;
}

/* ---- what the view says ----------------------------------------------------------------------------- */

/* Magic, an even sequence, this machine's CPUs on node 0, and pmem's free extents: sorted, apart, whole
 * pages, adding up to what /proc/meminfo said was free just before. */
IPC_CASE(view_describes_free_memory)
{
    uint64_t before = mem_free();
    KT_CHECK(before > 0, "MemFree unreadable");
    const unsigned char *mapped = map_view(NULL);
    if (mapped == NULL)
        return;
    KT_CHECK(read_view(mapped, &copy) == 0, "no consistent copy in 1000 tries");
    KT_CHECK(memcmp(copy.magic, VIEW_MAGIC, 8) == 0, "magic '%.8s'", copy.magic);
    KT_CHECK(copy.sequence % 2 == 0 && copy.sequence >= 2, "sequence %lu", (unsigned long)copy.sequence);
    KT_CHECK(copy.count > 0 && copy.count <= VIEW_CAPACITY, "%u extents", copy.count);
    KT_CHECK(copy.cpus == (uint32_t)get_nprocs(), "%u CPUs in the view, %d online", copy.cpus, get_nprocs());
    KT_CHECK(copy.reserved == 0, "reserved word %#lx", (unsigned long)copy.reserved);
    for (int i = 0; i < VIEW_MAX_CPUS; i++)
        KT_CHECK(copy.cpu_nodes[i] == (i < (int)copy.cpus ? 0 : 0xFF), "CPU %d: node %u", i, copy.cpu_nodes[i]);
    for (uint32_t i = 0; i < copy.count; i++) {
        const struct extent *e = &copy.extents[i];
        KT_CHECK(e->length > 0 && e->start % PAGE == 0 && e->length % PAGE == 0, "extent %u: [%#lx, +%#lx) not whole pages",
                 i, (unsigned long)e->start, (unsigned long)e->length);
        KT_CHECK(e->node == 0 && e->reserved == 0, "extent %u: node %u, reserved %u", i, e->node, e->reserved);
        if (i > 0) {
            const struct extent *p = &copy.extents[i - 1];
            /* pmem merges neighbours: consecutive extents have a gap between them */
            KT_CHECK(p->start + p->length < e->start, "extents %u and %u: [%#lx, +%#lx) then %#lx", i - 1, i,
                     (unsigned long)p->start, (unsigned long)p->length, (unsigned long)e->start);
        }
    }
    uint64_t sum = free_bytes(&copy);
    munmap((void *)mapped, VIEW_BYTES);
    KT_CHECK(distance(sum, before) <= 4 * MIB, "the view holds %lu bytes, MemFree said %lu", (unsigned long)sum,
             (unsigned long)before);
}

/* The view is what was free when it was asked for: 32 MiB more in use show at the next call. */
IPC_CASE(each_call_rewrites_the_view)
{
    long handle;
    const unsigned char *mapped = map_view(&handle);
    if (mapped == NULL)
        return;
    KT_CHECK(read_view(mapped, &copy) == 0, "no consistent copy");
    uint64_t first_sequence = copy.sequence, first_free = free_bytes(&copy);
    size_t size = 32 * MIB;
    unsigned char *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(block != MAP_FAILED, "mmap 32 MiB: %s", kt_errno());
    for (size_t at = 0; at < size; at += PAGE)
        block[at] = 1;
    KT_CHECK(read_view(mapped, &copy) == 0 && copy.sequence == first_sequence, "the view changed before it was asked for");
    long again = kitten_memory_view();
    KT_CHECK(again > 0 && again != handle, "a second call = %s (the first: %ld), want a new handle", kt_res(again), handle);
    KT_CHECK(read_view(mapped, &copy) == 0, "no consistent copy");
    uint64_t second_free = free_bytes(&copy), now = mem_free();
    munmap(block, size);
    munmap((void *)mapped, VIEW_BYTES);
    KT_CHECK(copy.sequence >= first_sequence + 2 && copy.sequence % 2 == 0, "sequence %lu then %lu",
             (unsigned long)first_sequence, (unsigned long)copy.sequence);
    KT_CHECK(first_free >= second_free + 16 * MIB, "free in the view: %lu, then %lu after touching 32 MiB",
             (unsigned long)first_free, (unsigned long)second_free);
    KT_CHECK(distance(second_free, now) <= 4 * MIB, "the view holds %lu bytes, MemFree says %lu",
             (unsigned long)second_free, (unsigned long)now);
}

/* ---- what the grant allows -------------------------------------------------------------------------- */

/* A grant to map read-only and pass on: no MAP_WRITE, no REVOKE. */
IPC_CASE(handle_maps_read_only_and_transfers)
{
    long handle = kitten_memory_view();
    KT_CHECK(handle > 0, "kitten_memory_view() = %s", kt_res(handle));
    uint64_t badge = 1;
    long identity = kitten_ipc_identify((int)handle, &badge);
    KT_CHECK(identity == (KITTEN_IPC_TYPE_GRANT | (long)(KITTEN_IPC_RIGHT_MAP_READ | KITTEN_IPC_RIGHT_TRANSFER) << 8),
             "identify = %s, want a grant with MAP_READ|TRANSFER", kt_res(identity));
    KT_CHECK_RES(kitten_ipc_grant_map((int)handle, PROT_READ | PROT_WRITE), -KITTEN_EACCES);
    KT_CHECK_RES(kitten_ipc_grant_revoke((int)handle), -KITTEN_EPERM);
    long address = kitten_ipc_grant_map((int)handle, PROT_READ);
    KT_CHECK(address > 0, "grant_map(PROT_READ) = %s", kt_res(address));
    KT_CHECK(mprotect((void *)address, VIEW_BYTES, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
             "mprotect(PROT_READ|PROT_WRITE) of the mapping: %s, want EACCES", kt_errno());
    KT_CHECK_RES(kitten_ipc_grant_unmap((int)handle, (void *)address), 0);
}

/* A write to the mapping faults (the pages are read-only in the page tables, whatever the program tries). */
IPC_CASE(write_to_the_view_faults)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        long handle = kitten_memory_view();
        CHILD_CHECK(handle > 0, "kitten_memory_view() = %s", kt_res(handle));
        long address = kitten_ipc_grant_map((int)handle, PROT_READ);
        CHILD_CHECK(address > 0, "grant_map = %s", kt_res(address));
        signal(SIGSEGV, SIG_DFL);
        *(volatile uint64_t *)(address + 8) = 0; /* the sequence */
        kt_write_line("# child: the write to the view went through");
        _exit(1);
    }
    int status = 0;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "the writer %s, want killed by SIGSEGV", kt_status(status));
    const unsigned char *mapped = map_view(NULL);
    if (mapped == NULL)
        return;
    int intact = read_view(mapped, &copy) == 0 && memcmp(copy.magic, VIEW_MAGIC, 8) == 0;
    munmap((void *)mapped, VIEW_BYTES);
    KT_CHECK(intact, "the view is damaged");
}

/* ---- whose it is --------------------------------------------------------------------------------- */

/* As the memory manager gets it: a client passes its handle in a message; the receiver maps it, and keeps
 * it after the client is gone (the grant is the kernel's, not the client's). */
IPC_CASE(handle_passes_in_a_message_and_outlives_its_sender)
{
    long ep = serve("t.view");
    KT_CHECK(ep > 0, "serve t.view: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        close_all_handles(); /* fork copies no handles; be sure */
        long manager = lookup("t.view", LOOKUP_WAIT);
        CHILD_CHECK(manager > 0, "lookup t.view: %s", kt_res(manager));
        long view = kitten_memory_view();
        CHILD_CHECK(view > 0, "kitten_memory_view() = %s", kt_res(view));
        struct kitten_ipc_msg m = {.info = kitten_ipc_info(2, 1, 0), .w = {(uint64_t)view, 7}};
        long r = kitten_ipc_call((int)manager, &m, 10 * SECOND, NULL, 0);
        CHILD_CHECK(r == 0, "call: %s", kt_res(r));
        CHILD_CHECK(m.w[0] == 1, "the receiver could not read the view (reply %lu)", (unsigned long)m.w[0]);
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 10 * SECOND, NULL, 0), 0);
    KT_CHECK(kitten_ipc_info_handles(m.info) == 1 && m.w[0] != 0 && m.w[1] == 7, "received info %#lx w0 %lu w1 %lu",
             (unsigned long)m.info, (unsigned long)m.w[0], (unsigned long)m.w[1]);
    int received = (int)m.w[0];
    long address = kitten_ipc_grant_map(received, PROT_READ);
    int readable = address > 0 && read_view((const unsigned char *)address, &copy) == 0 && memcmp(copy.magic, VIEW_MAGIC, 8) == 0;
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 0, 0), .w = {(uint64_t)readable}};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK(address > 0, "grant_map of the received handle = %s", kt_res(address));
    KT_CHECK(readable, "the received view did not read");
    uint64_t badge;
    KT_CHECK_RES(kitten_ipc_identify(received, &badge), KITTEN_IPC_TYPE_GRANT | (long)(KITTEN_IPC_RIGHT_MAP_READ | KITTEN_IPC_RIGHT_TRANSFER) << 8);
    /* The sender exited: the grant lives on, and so does the mapping. */
    KT_CHECK(read_view((const unsigned char *)address, &copy) == 0 && memcmp(copy.magic, VIEW_MAGIC, 8) == 0,
             "the mapping went with the sender");
    long again = kitten_ipc_grant_map(received, PROT_READ);
    KT_CHECK(again > 0, "grant_map after the sender's exit = %s", kt_res(again));
    KT_CHECK_RES(kitten_ipc_grant_unmap(received, (void *)again), 0);
    KT_CHECK_RES(kitten_ipc_grant_unmap(received, (void *)address), 0);
}

/* A grant has room for 16 mappings at once: mappings that went (munmap, GRANT_UNMAP, a process's exit)
 * must give theirs back, or the 17th would fail. Handles closed must free nothing (the next call works). */
IPC_CASE(mappings_and_handles_come_and_go)
{
    for (int round = 0; round < 40; round++) {
        long handle = kitten_memory_view();
        KT_CHECK(handle > 0, "round %d: kitten_memory_view() = %s", round, kt_res(handle));
        long address = kitten_ipc_grant_map((int)handle, PROT_READ);
        KT_CHECK(address > 0, "round %d: grant_map = %s", round, kt_res(address));
        if (round % 2)
            KT_CHECK(munmap((void *)address, VIEW_BYTES) == 0, "round %d: munmap: %s", round, kt_errno());
        else
            KT_CHECK_RES(kitten_ipc_grant_unmap((int)handle, (void *)address), 0);
        KT_CHECK_RES(kitten_ipc_close((int)handle), 0);
    }
    for (int child = 0; child < 20; child++) {
        pid_t pid = kt_fork();
        if (pid == 0) {
            long handle = kitten_memory_view();
            CHILD_CHECK(handle > 0, "kitten_memory_view() = %s", kt_res(handle));
            long address = kitten_ipc_grant_map((int)handle, PROT_READ);
            CHILD_CHECK(address > 0, "grant_map = %s", kt_res(address));
            _exit(0); /* with the mapping and the handle */
        }
        CHECK_CHILD_OK(pid);
    }
    const unsigned char *mapped = map_view(NULL);
    if (mapped == NULL)
        return;
    int intact = read_view(mapped, &copy) == 0 && memcmp(copy.magic, VIEW_MAGIC, 8) == 0;
    munmap((void *)mapped, VIEW_BYTES);
    KT_CHECK(intact, "the view is gone");
}

static const struct kt_case cases[] = {
    KT_CASE(view_describes_free_memory),
    KT_CASE(each_call_rewrites_the_view),
    KT_CASE(handle_maps_read_only_and_transfers),
    KT_CASE(write_to_the_view_faults),
    KT_CASE(handle_passes_in_a_message_and_outlives_its_sender),
    KT_CASE(mappings_and_handles_come_and_go),
};

int main(int argc, char **argv) { return kt_main("memory_view", cases, KT_COUNT(cases), argc, argv); }
