/*
 * ipc_threads: Kitten's IPC calls in processes with several threads (Kernel/Ipc/README.md: "a thread blocks
 * in a call; the other threads of its process keep running"). The threads of a process share one handle
 * table; each thread holds its own received call; a thread that ends drops the call it holds; exit_group
 * and execve end threads that wait in IPC calls; a signal to one thread interrupts only its call; a revoked
 * grant is gone from a thread running on another CPU when GRANT_REVOKE returns; grant calls and mmap from
 * two threads of one process do not trip over each other. Kitten only (on Linux every call is ENOSYS).
 *
 *   ipc_threads [PREFIX]     runs the cases whose name starts with PREFIX (KTAP output, ktest.h)
 */
#include "ipctest.h"

#include <pthread.h>

static const char *self_path;

static long gettid_raw(void) { return kt_sys(SYS_gettid); }

/* Spins until *flag is set or `ns` passed; whether it was set. */
static int wait_flag(volatile int *flag, uint64_t ns)
{
    uint64_t end = now_ns() + ns;
    while (!*flag) {
        if (now_ns() > end)
            return 0;
        sched_yield();
    }
    return 1;
}

/* ---- one handle table per process -------------------------------------------------------------------- */

#define FIRST_CALLERS 4

static volatile int go;
static long created[FIRST_CALLERS];

static void *create_notification(void *arg)
{
    long i = (long)arg;
    while (!go)
        ;
    created[i] = kitten_ipc_notification_create();
    return NULL;
}

/* Threads of a fresh process (no IPC state yet) make their first IPC calls at the same moment: they all
 * land in the one handle table, with distinct handles that every thread can use. */
IPC_CASE(first_calls_share_one_table)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        pthread_t threads[FIRST_CALLERS];
        go = 0;
        for (long i = 0; i < FIRST_CALLERS; i++)
            CHILD_CHECK(pthread_create(&threads[i], NULL, create_notification, (void *)i) == 0, "pthread_create");
        go = 1;
        for (int i = 0; i < FIRST_CALLERS; i++)
            pthread_join(threads[i], NULL);
        unsigned seen = 0;
        for (int i = 0; i < FIRST_CALLERS; i++) {
            CHILD_CHECK(created[i] >= 1 && created[i] <= FIRST_CALLERS, "thread %d got handle %s", i, kt_res(created[i]));
            seen |= 1u << created[i];
            uint64_t badge;
            CHILD_CHECK(kitten_ipc_identify((int)created[i], &badge) ==
                            (KITTEN_IPC_TYPE_NOTIFICATION |
                             (KITTEN_IPC_RIGHT_SIGNAL | KITTEN_IPC_RIGHT_WAIT | KITTEN_IPC_RIGHT_TRANSFER) << 8),
                        "handle %ld is not the main thread's", created[i]);
        }
        CHILD_CHECK(seen == 0x1e, "handles %ld %ld %ld %ld are not 1..4", created[0], created[1], created[2], created[3]);
        _exit(0);
    }
    CHECK_CHILD_OK(pid);
}

/* ---- each thread holds its own call -------------------------------------------------------------------- */

static long two_ep;
static volatile int holding;
static volatile long server_result[2];

static void *hold_then_reply(void *arg)
{
    long index = (long)arg;
    struct kitten_ipc_msg m = {0};
    long r = kitten_ipc_receive((int)two_ep, &m, 5 * SECOND, NULL, 0);
    if (r != 0) {
        server_result[index] = r;
        return NULL;
    }
    /* Both server threads hold a call before either answers. */
    __atomic_add_fetch(&holding, 1, __ATOMIC_SEQ_CST);
    uint64_t end = now_ns() + 5 * SECOND;
    while (holding < 2 && now_ns() < end)
        sched_yield();
    struct kitten_ipc_msg reply = msg(2, m.w[0] + 100, (uint64_t)gettid_raw(), 0, 0);
    server_result[index] = holding < 2 ? -KITTEN_ETIMEDOUT : kitten_ipc_reply(0, &reply, NULL);
    return NULL;
}

static void two_clients_call(uint64_t value)
{
    long ep = lookup("tt.two", LOOKUP_WAIT);
    CHILD_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    struct kitten_ipc_msg m = msg(1, value, 0, 0, 0);
    long r = kitten_ipc_call((int)ep, &m, 10 * SECOND, NULL, 0);
    CHILD_CHECK(r == 0 && m.w[0] == value + 100, "call %lu: %s, reply %lu", (unsigned long)value, kt_res(r),
                (unsigned long)m.w[0]);
    _exit(0);
}

/* Two threads of the server each take a call and hold it at the same time; each answer goes to its own
 * caller. */
IPC_CASE(threads_hold_calls_of_their_own)
{
    two_ep = serve("tt.two");
    KT_CHECK(two_ep > 0, "serve: %s", kt_res(two_ep));
    holding = 0;
    pthread_t a, b;
    pthread_create(&a, NULL, hold_then_reply, (void *)0);
    pthread_create(&b, NULL, hold_then_reply, (void *)1);
    pid_t first = kt_fork();
    if (first == 0)
        two_clients_call(1);
    pid_t second = kt_fork();
    if (second == 0)
        two_clients_call(2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    KT_CHECK_RES(server_result[0], 0);
    KT_CHECK_RES(server_result[1], 0);
    CHECK_CHILD_OK(first);
    CHECK_CHILD_OK(second);
}

/* ---- a thread that ends ------------------------------------------------------------------------------ */

static long drop_ep;
static volatile long drop_received;

static void *receive_then_exit(void *arg)
{
    (void)arg;
    struct kitten_ipc_msg m = {0};
    drop_received = kitten_ipc_receive((int)drop_ep, &m, 5 * SECOND, NULL, 0);
    kt_sys(SYS_exit, 0); /* this thread only, holding the call */
    return NULL;
}

/* A server thread that ends while it holds a call: the caller gets ECONNRESET, and the process (its other
 * threads, its endpoint) serves on. */
IPC_CASE(thread_exit_drops_its_call)
{
    drop_ep = serve("tt.drop");
    KT_CHECK(drop_ep > 0, "serve: %s", kt_res(drop_ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long ep = lookup("tt.drop", LOOKUP_WAIT);
        CHILD_CHECK(ep > 0, "lookup: %s", kt_res(ep));
        struct kitten_ipc_msg m = msg(1, 5, 0, 0, 0);
        long r = kitten_ipc_call((int)ep, &m, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == -KITTEN_ECONNRESET, "the call the ended thread held: %s", kt_res(r));
        m = msg(1, 6, 0, 0, 0);
        r = kitten_ipc_call((int)ep, &m, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == 0 && m.w[0] == 7, "the next call: %s, reply %lu", kt_res(r), (unsigned long)m.w[0]);
        _exit(0);
    }
    pthread_t t;
    pthread_create(&t, NULL, receive_then_exit, NULL);
    pthread_join(t, NULL);
    KT_CHECK_RES(drop_received, 0);
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)drop_ep, &m, 5 * SECOND, NULL, 0), 0);
    struct kitten_ipc_msg reply = msg(1, m.w[0] + 1, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    CHECK_CHILD_OK(pid);
}

/* ---- exit_group and execve end threads that wait in IPC --------------------------------------------- */

/* The child's side of the two cases below: a thread waiting to receive on its own endpoint (name `own`),
 * a thread whose call to the parent (name `parent`) the parent holds; the main thread waits for a byte on
 * the pipe, then ends the process with exit_group, or execs the probe. */
static long blocked_own_ep;
static const char *blocked_parent_name;

static void *receive_forever(void *arg)
{
    (void)arg;
    struct kitten_ipc_msg m = {0};
    kitten_ipc_receive((int)blocked_own_ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    kt_write_line("# child: the receive returned");
    _exit(1);
}

static void *call_forever(void *arg)
{
    (void)arg;
    long ep = lookup(blocked_parent_name, LOOKUP_WAIT);
    struct kitten_ipc_msg m = msg(1, 1, 0, 0, 0);
    long r = kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    kt_write_line("# child: the call returned %s", kt_res(r));
    _exit(1);
}

static void blocked_threads_child(const char *own, const char *parent, int pipe_in, int exec)
{
    blocked_own_ep = serve(own);
    CHILD_CHECK(blocked_own_ep > 0, "serve: %s", kt_res(blocked_own_ep));
    blocked_parent_name = parent;
    pthread_t r, c;
    pthread_create(&r, NULL, receive_forever, NULL);
    pthread_create(&c, NULL, call_forever, NULL);
    char byte;
    CHILD_CHECK(read(pipe_in, &byte, 1) == 1, "read: %s", kt_errno());
    if (exec) {
        char *argv[] = {(char *)self_path, "--exec-probe", (char *)own, NULL};
        char *envp[] = {NULL};
        execve(self_path, argv, envp);
        _exit(98);
    }
    kt_sys(SYS_exit_group, 5);
}

/* The parent's side: it holds the child's call and has a handle to the child's endpoint when it tells the
 * child to go; then the child's status, the held call, the endpoint and the name say how it went. */
static void end_blocked_threads(const char *own, const char *parent, int exec, int want_status)
{
    long ep = serve(parent);
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    int fds[2];
    KT_CHECK(pipe(fds) == 0, "pipe: %s", kt_errno());
    pid_t pid = kt_fork();
    if (pid == 0) {
        close(fds[1]);
        blocked_threads_child(own, parent, fds[0], exec);
    }
    close(fds[0]);
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    long child_ep = lookup(own, LOOKUP_WAIT);
    KT_CHECK(child_ep > 0, "lookup %s: %s", own, kt_res(child_ep));
    usleep(20000); /* the child's receiving thread is waiting by now */
    KT_CHECK(write(fds[1], "x", 1) == 1, "write: %s", kt_errno());
    close(fds[1]);
    int status = 0;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == want_status, "child %s, want exit %d", kt_status(status),
             want_status);
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), -KITTEN_ECONNRESET);
    struct kitten_ipc_msg call = msg(0, 0, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)child_ep, &call, SECOND, NULL, 0), -KITTEN_EPIPE);
    KT_CHECK_RES(lookup(own, 0), -KITTEN_ENOENT);
}

/* exit_group from the main thread ends a thread waiting to receive and a thread waiting for a reply: the
 * process ends (no hang), its endpoint is dead, its name gone, the call it made is dropped. */
IPC_CASE(exit_group_ends_threads_in_ipc) { end_blocked_threads("tt.eg", "tt.eg.parent", 0, 5); }

/* execve from the main thread ends the other threads (waiting in IPC) and closes the process's handles: the
 * new program starts with an empty table (the probe checks, exit 42). */
IPC_CASE(execve_ends_threads_in_ipc) { end_blocked_threads("tt.ex", "tt.ex.parent", 1, 42); }

static int exec_probe(const char *own)
{
    uint64_t badge;
    for (int h = 1; h <= 4; h++)
        if (kitten_ipc_identify(h, &badge) != -KITTEN_EBADF)
            return 43;
    return lookup(own, 0) == -KITTEN_ENOENT ? 42 : 44;
}

/* ---- signals ------------------------------------------------------------------------------------------- */

static volatile long handler_tid;
static volatile long interrupted_result;
static volatile int receiving;
static long signal_ep;

static void on_usr1(int sig)
{
    (void)sig;
    handler_tid = gettid_raw();
}

static void *receive_until_signal(void *arg)
{
    volatile long *tid = arg;
    *tid = gettid_raw();
    struct kitten_ipc_msg m = {0};
    receiving = 1;
    interrupted_result = kitten_ipc_receive((int)signal_ep, &m, 5 * SECOND, NULL, 0);
    return NULL;
}

/* A signal sent to one thread (tgkill) interrupts its receive with EINTR and runs the handler there; the
 * other thread's IPC goes on. */
IPC_CASE(signal_interrupts_one_thread)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    handler_tid = 0;
    receiving = 0;
    signal_ep = kitten_ipc_endpoint_create();
    KT_CHECK(signal_ep > 0, "endpoint_create: %s", kt_res(signal_ep));
    volatile long tid = 0;
    pthread_t t;
    pthread_create(&t, NULL, receive_until_signal, (void *)&tid);
    KT_CHECK(wait_flag(&receiving, 5 * SECOND), "the thread did not start");
    usleep(30000); /* in its receive by now */
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    KT_CHECK_RES(interrupted_result, -KITTEN_EINTR);
    KT_CHECK(handler_tid == tid, "the handler ran in thread %ld, want %ld", handler_tid, tid);
    long note = kitten_ipc_notification_create();
    KT_CHECK(note > 0, "notification_create: %s", kt_res(note));
    KT_CHECK_RES(kitten_ipc_signal((int)note, 2), 0);
    uint64_t bits = 0;
    KT_CHECK_RES(kitten_ipc_wait((int)note, 0, &bits), 0);
    KT_CHECK(bits == 2, "bits %#lx", (unsigned long)bits);
}

/* ---- grants ----------------------------------------------------------------------------------------------- */

#define GRANT_BYTES (64 * 1024)

static unsigned char *granted_page;
static volatile int reader_started;

static void *read_granted_forever(void *arg)
{
    (void)arg;
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1, &set);
        sched_setaffinity(0, sizeof set, &set);
        sched_yield();
    }
    reader_started = 1;
    for (;;)
        (void)*(volatile unsigned char *)granted_page;
    return NULL;
}

/* The grantee: a thread (on CPU 1 if there is one) reads the granted page without pause while the main
 * thread tells the granter to revoke; that thread must fault (SIGSEGV ends the process). */
static void grantee_with_reader(void)
{
    long server = lookup("tt.rv", LOOKUP_WAIT);
    CHILD_CHECK(server > 0, "lookup: %s", kt_res(server));
    struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
    CHILD_CHECK(kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0) == 0 && kitten_ipc_info_handles(m.info) == 1,
                "fetching the grant");
    long address = kitten_ipc_grant_map((int)m.w[0], PROT_READ);
    CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
    granted_page = (unsigned char *)address;
    pthread_t t;
    reader_started = 0;
    pthread_create(&t, NULL, read_granted_forever, NULL);
    CHILD_CHECK(wait_flag(&reader_started, 5 * SECOND), "the reader did not start");
    usleep(20000);
    m = msg(0, 0, 0, 0, 0);
    CHILD_CHECK(kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0) == 0, "revoke request");
    for (;;)
        pause();
}

/* GRANT_REVOKE returns only once no CPU can still reach the pages: a thread of the grantee that reads them
 * in a loop on another CPU faults right after. */
IPC_CASE(revoke_reaches_thread_on_other_cpu)
{
    unsigned char *region = mmap(NULL, GRANT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(region != MAP_FAILED, "mmap: %s", kt_errno());
    memset(region, 0x5a, GRANT_BYTES);
    long ep = serve("tt.rv");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    long grant = kitten_ipc_grant_create(region, GRANT_BYTES, PROT_READ);
    KT_CHECK(grant > 0, "grant_create: %s", kt_res(grant));
    pid_t pid = kt_fork();
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        grantee_with_reader();
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)grant}};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK_RES(kitten_ipc_grant_revoke((int)grant), 0);
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), 0);
    int status = 0;
    uint64_t end = now_ns() + 5 * SECOND;
    long r;
    while ((r = kt_sys(SYS_wait4, pid, &status, WNOHANG, NULL)) == 0 && now_ns() < end)
        usleep(10000);
    KT_CHECK(r == pid, "the grantee's reader still runs 5 s after the revoke (a stale TLB entry?)");
    kt_untrack_child(pid);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "grantee %s, want SIGSEGV", kt_status(status));
    munmap(region, GRANT_BYTES);
}

#define MAP_ROUNDS 200

static volatile int mapper_failed;

static void *mmap_munmap_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < MAP_ROUNDS && !mapper_failed; i++) {
        unsigned char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            mapper_failed = 1;
            break;
        }
        p[0] = p[8191] = (unsigned char)i;
        if (munmap(p, 3 * 4096) != 0)
            mapper_failed = 2;
    }
    return NULL;
}

/* One thread maps and unmaps anonymous memory while another maps and unmaps a grant, again and again: both
 * change the one address space, and every mapping reads what it should. */
IPC_CASE(grant_map_beside_mmap_in_another_thread)
{
    unsigned char *region = mmap(NULL, GRANT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(region != MAP_FAILED, "mmap: %s", kt_errno());
    for (int i = 0; i < GRANT_BYTES; i++)
        region[i] = (unsigned char)(i * 13);
    long ep = serve("tt.mm");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    long grant = kitten_ipc_grant_create(region, GRANT_BYTES, PROT_READ);
    KT_CHECK(grant > 0, "grant_create: %s", kt_res(grant));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = lookup("tt.mm", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0) == 0, "fetching the grant");
        int handle = (int)m.w[0];
        mapper_failed = 0;
        pthread_t t;
        pthread_create(&t, NULL, mmap_munmap_loop, NULL);
        for (int i = 0; i < MAP_ROUNDS; i++) {
            long address = kitten_ipc_grant_map(handle, PROT_READ);
            CHILD_CHECK(address > 0, "round %d: grant_map: %s", i, kt_res(address));
            unsigned char *p = (unsigned char *)address;
            CHILD_CHECK(p[0] == 0 && p[4097] == (unsigned char)(4097 * 13) && p[GRANT_BYTES - 1] ==
                                                                                  (unsigned char)((GRANT_BYTES - 1) * 13),
                        "round %d: the grant reads wrong", i);
            long r = kitten_ipc_grant_unmap(handle, p);
            CHILD_CHECK(r == 0, "round %d: grant_unmap: %s", i, kt_res(r));
        }
        pthread_join(t, NULL);
        CHILD_CHECK(mapper_failed == 0, "the other thread's mmap/munmap failed (%d)", mapper_failed);
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)grant}};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK_RES(kitten_ipc_close((int)grant), 0);
    munmap(region, GRANT_BYTES);
}

static const struct kt_case cases[] = {
    KT_CASE(first_calls_share_one_table),
    KT_CASE(threads_hold_calls_of_their_own),
    KT_CASE(thread_exit_drops_its_call),
    KT_CASE(exit_group_ends_threads_in_ipc),
    KT_CASE(execve_ends_threads_in_ipc),
    KT_CASE(signal_interrupts_one_thread),
    KT_CASE(revoke_reaches_thread_on_other_cpu),
    KT_CASE(grant_map_beside_mmap_in_another_thread),
};

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc > 2 && strcmp(argv[1], "--exec-probe") == 0)
        return exec_probe(argv[2]);
    return kt_main("ipc_threads", cases, KT_COUNT(cases), argc, argv);
}
