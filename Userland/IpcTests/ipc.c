/*
 * ipc: Kitten's IPC system calls (Kernel/Ipc/README.md) between processes, through kitten_ipc.h. Each case
 * forks the processes it needs; a child has an empty handle table (fork does not copy handles), so the two
 * sides meet through the name registry (a per-case name) and pass further handles in messages. A child
 * reports a failed check as a "# child ..." line and exit status 1. On Linux every call is ENOSYS: this
 * program is for Kitten only.
 *
 *   ipc [PREFIX]     runs the cases whose name starts with PREFIX (KTAP output, ktest.h)
 */
#include "ipctest.h"

/* ---- a server child that answers calls: each reply is the request's words plus one, and the badge ---- */

static void echo_server(const char *name, int calls)
{
    long ep = serve(name);
    CHILD_CHECK(ep > 0, "serve %s: %s", name, kt_res(ep));
    struct kitten_ipc_msg m = {0};
    long r = kitten_ipc_receive((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    for (int i = 0; i < calls; i++) {
        CHILD_CHECK(r == 0, "receive: %s", kt_res(r));
        CHILD_CHECK(m.info & KITTEN_IPC_INFO_CALL, "a call came without KITTEN_IPC_INFO_CALL (info %#lx)",
                    (unsigned long)m.info);
        unsigned words = kitten_ipc_info_words(m.info);
        struct kitten_ipc_msg reply = {.info = kitten_ipc_info(words + 1 > 6 ? 6 : words + 1, 0, 0)};
        for (unsigned w = 0; w < words; w++)
            reply.w[w] = m.w[w] + 1;
        if (words < 6)
            reply.w[words] = m.badge;
        if (i == calls - 1) {
            r = kitten_ipc_reply(0, &reply, NULL);
            CHILD_CHECK(r == 0, "reply: %s", kt_res(r));
        } else {
            m = reply;
            r = kitten_ipc_reply_receive((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
        }
    }
    _exit(0);
}

/* ---- call and reply --------------------------------------------------------------------------------- */

/* A call with no words gets a reply (the server adds one word: the badge, 0). */
IPC_CASE(call_reply_zero_words)
{
    pid_t pid = kt_fork();
    if (pid == 0)
        echo_server("t.zero", 1);
    long ep = lookup("t.zero", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup t.zero: %s", kt_res(ep));
    struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), 0);
    KT_CHECK(kitten_ipc_info_words(m.info) == 1 && m.w[0] == 0, "reply info %#lx w0 %lu", (unsigned long)m.info,
             (unsigned long)m.w[0]);
    KT_CHECK(!(m.info & KITTEN_IPC_INFO_CALL), "a reply has KITTEN_IPC_INFO_CALL");
    CHECK_CHILD_OK(pid);
}

/* Four words go in registers to the server and four (plus the badge) come back, many times in a row. */
IPC_CASE(call_reply_four_words)
{
    pid_t pid = kt_fork();
    if (pid == 0)
        echo_server("t.four", 100);
    long ep = lookup("t.four", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    for (uint64_t i = 0; i < 100; i++) {
        struct kitten_ipc_msg m = msg(4, i, i << 20, ~i, 0x1234567890abcdefull);
        KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), 0);
        KT_CHECK(kitten_ipc_info_words(m.info) == 5, "reply words %u", kitten_ipc_info_words(m.info));
        KT_CHECK(m.w[0] == i + 1 && m.w[1] == (i << 20) + 1 && m.w[2] == ~i + 1 && m.w[3] == 0x1234567890abcdf0ull &&
                     m.w[4] == 0,
                 "call %lu: reply %lx %lx %lx %lx %lx", (unsigned long)i, (unsigned long)m.w[0], (unsigned long)m.w[1],
                 (unsigned long)m.w[2], (unsigned long)m.w[3], (unsigned long)m.w[4]);
    }
    CHECK_CHILD_OK(pid);
}

/* Six words, the most registers carry. */
IPC_CASE(call_reply_six_words)
{
    pid_t pid = kt_fork();
    if (pid == 0)
        echo_server("t.six", 1);
    long ep = lookup("t.six", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    struct kitten_ipc_msg m = {.info = kitten_ipc_info(6, 0, 0), .w = {10, 20, 30, 40, 50, 60}};
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), 0);
    KT_CHECK(kitten_ipc_info_words(m.info) == 6 && m.w[0] == 11 && m.w[5] == 61, "reply %lu..%lu",
             (unsigned long)m.w[0], (unsigned long)m.w[5]);
    CHECK_CHILD_OK(pid);
}

/* A receiver learns which process sent each message (RDX, sender_pid), whichever side came first: here
 * the server waits before the call comes, then a client's call waits before the server receives. */
static void pid_echo_server(const char *name)
{
    long ep = serve(name);
    CHILD_CHECK(ep > 0, "serve %s: %s", name, kt_res(ep));
    struct kitten_ipc_msg m = {0};
    long r = kitten_ipc_receive((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    CHILD_CHECK(r == 0, "receive: %s", kt_res(r));
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 0, 0), .w = {m.sender_pid}};
    r = kitten_ipc_reply(0, &reply, NULL);
    CHILD_CHECK(r == 0, "reply: %s", kt_res(r));
    _exit(0);
}

static void pid_calling_client(const char *name)
{
    long ep = lookup(name, LOOKUP_WAIT);
    CHILD_CHECK(ep > 0, "lookup %s: %s", name, kt_res(ep));
    struct kitten_ipc_msg m = msg(1, 7, 0, 0, 0);
    long r = kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    CHILD_CHECK(r == 0, "call: %s", kt_res(r));
    _exit(0);
}

IPC_CASE(receiver_learns_the_senders_pid)
{
    pid_t server = kt_fork();
    if (server == 0)
        pid_echo_server("t.pid");
    long ep = lookup("t.pid", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup t.pid: %s", kt_res(ep));
    struct kitten_ipc_msg m = msg(1, 1, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), 0);
    KT_CHECK(m.w[0] == (uint64_t)getpid(), "the server saw pid %lu, the caller is %ld", (unsigned long)m.w[0],
             (long)getpid());
    CHECK_CHILD_OK(server);

    long mine = serve("t.pid2");
    KT_CHECK(mine > 0, "serve t.pid2: %s", kt_res(mine));
    pid_t client = kt_fork();
    if (client == 0)
        pid_calling_client("t.pid2");
    struct timespec pause = {0, 20 * 1000 * 1000}; /* the client's call is most likely queued by now */
    nanosleep(&pause, NULL);
    struct kitten_ipc_msg in = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)mine, &in, LOOKUP_WAIT, NULL, 0), 0);
    KT_CHECK(in.sender_pid == (uint64_t)client, "received from pid %lu, the client is %ld",
             (unsigned long)in.sender_pid, (long)client);
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(0, 0, 0)};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    CHECK_CHILD_OK(client);
}

/* The server on another CPU: the message goes by a wake-up (IPI), not a direct switch. */
IPC_CASE(call_reply_across_cpus)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        kt_skip("one CPU");
        return;
    }
    pid_t pid = kt_fork();
    if (pid == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1, &set);
        CHILD_CHECK(sched_setaffinity(0, sizeof set, &set) == 0, "sched_setaffinity: %s", kt_errno());
        echo_server("t.cpus", 50);
    }
    long ep = lookup("t.cpus", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    for (uint64_t i = 0; i < 50; i++) {
        struct kitten_ipc_msg m = msg(1, i, 0, 0, 0);
        KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 10 * SECOND, NULL, 0), 0);
        KT_CHECK(m.w[0] == i + 1, "call %lu: reply %lu", (unsigned long)i, (unsigned long)m.w[0]);
    }
    CHECK_CHILD_OK(pid);
}

/* SEND is one-way: it returns once a receiver took the message, which has no KITTEN_IPC_INFO_CALL. */
IPC_CASE(send_one_way)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        long ep = serve("t.send");
        CHILD_CHECK(ep > 0, "serve: %s", kt_res(ep));
        for (int i = 0; i < 3; i++) {
            struct kitten_ipc_msg m = {0};
            long r = kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0);
            CHILD_CHECK(r == 0, "receive: %s", kt_res(r));
            CHILD_CHECK(!(m.info & KITTEN_IPC_INFO_CALL) && m.w[0] == (uint64_t)i + 7, "message %d: info %#lx w0 %lu", i,
                        (unsigned long)m.info, (unsigned long)m.w[0]);
            CHILD_CHECK(kitten_ipc_reply(0, &empty, NULL) == -KITTEN_EINVAL, "a reply to a SEND did not fail with EINVAL");
        }
        _exit(0);
    }
    long ep = lookup("t.send", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    for (int i = 0; i < 3; i++) {
        struct kitten_ipc_msg m = msg(1, (uint64_t)i + 7, 0, 0, 0);
        KT_CHECK_RES(kitten_ipc_send((int)ep, &m, 5 * SECOND, NULL), 0);
    }
    CHECK_CHILD_OK(pid);
}

/* ---- long messages ---------------------------------------------------------------------------------- */

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + seed);
}

static int filled(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + seed))
            return 0;
    return 1;
}

/* A 3000-byte request and a 5000-byte reply are copied into the receivers' buffers; a reply longer than the
 * caller's capacity is cut to it and says so. */
IPC_CASE(long_message_copy)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        static unsigned char buffer[KITTEN_IPC_MAX_LONG];
        long ep = serve("t.long");
        CHILD_CHECK(ep > 0, "serve: %s", kt_res(ep));
        for (int round = 0; round < 2; round++) {
            struct kitten_ipc_msg m = {0};
            memset(buffer, 0, sizeof buffer);
            long r = kitten_ipc_receive((int)ep, &m, 5 * SECOND, buffer, sizeof buffer);
            CHILD_CHECK(r == 0, "receive: %s", kt_res(r));
            CHILD_CHECK(kitten_ipc_info_length(m.info) == 3000 && filled(buffer, 3000, 1) && buffer[3000] == 0,
                        "request length %u, content %s", kitten_ipc_info_length(m.info),
                        filled(buffer, 3000, 1) ? "right" : "wrong");
            fill(buffer, 5000, 2);
            struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 0, 5000), .w = {99}};
            r = kitten_ipc_reply(0, &reply, buffer);
            CHILD_CHECK(r == 0, "reply: %s", kt_res(r));
        }
        _exit(0);
    }
    long ep = lookup("t.long", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    static unsigned char buffer[8192];
    fill(buffer, 3000, 1);
    struct kitten_ipc_msg m = {.info = kitten_ipc_info(0, 0, 3000)};
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 5 * SECOND, buffer, sizeof buffer), 0);
    KT_CHECK(kitten_ipc_info_length(m.info) == 5000 && !(m.info & KITTEN_IPC_INFO_TRUNCATED) && m.w[0] == 99,
             "reply info %#lx", (unsigned long)m.info);
    KT_CHECK(filled(buffer, 5000, 2), "the reply's bytes differ");
    /* The same again with room for 1000 bytes only. */
    memset(buffer, 0, sizeof buffer);
    fill(buffer, 3000, 1);
    m = (struct kitten_ipc_msg){.info = kitten_ipc_info(0, 0, 3000)};
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 5 * SECOND, buffer, 1000), 0);
    KT_CHECK(kitten_ipc_info_length(m.info) == 1000 && (m.info & KITTEN_IPC_INFO_TRUNCATED), "reply info %#lx",
             (unsigned long)m.info);
    KT_CHECK(filled(buffer, 1000, 2) && buffer[1000] == (unsigned char)(1000 * 7 + 1),
             "the truncated reply wrote the wrong bytes, or past the capacity");
    CHECK_CHILD_OK(pid);
}

/* ---- notifications ---------------------------------------------------------------------------------- */

/* The waiter passes a SIGNAL handle to its notification to the child in a reply; the child's signals OR
 * into the word, which one WAIT reads and clears. */
IPC_CASE(notification_signal_wait)
{
    long ep = serve("t.note");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    long note = kitten_ipc_notification_create();
    KT_CHECK(note > 0, "notification_create: %s", kt_res(note));
    uint64_t bits = 0;
    KT_CHECK_RES(kitten_ipc_wait((int)note, 0, &bits), -KITTEN_EAGAIN);
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = lookup("t.note", LOOKUP_WAIT);
        CHILD_CHECK(server > 0, "lookup: %s", kt_res(server));
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        long r = kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == 0 && kitten_ipc_info_handles(m.info) == 1 && m.w[0] > 0, "call: %s, info %#lx", kt_res(r),
                    (unsigned long)m.info);
        int signal_handle = (int)m.w[0];
        uint64_t badge;
        long id = kitten_ipc_identify(signal_handle, &badge);
        CHILD_CHECK(id == (KITTEN_IPC_TYPE_NOTIFICATION | (KITTEN_IPC_RIGHT_SIGNAL | KITTEN_IPC_RIGHT_TRANSFER) << 8),
                    "identify: %#lx", (unsigned long)id);
        CHILD_CHECK(kitten_ipc_wait(signal_handle, 0, &badge) == -KITTEN_EPERM, "WAIT through a passed handle");
        CHILD_CHECK(kitten_ipc_signal(signal_handle, 0x5) == 0, "signal");
        CHILD_CHECK(kitten_ipc_signal(signal_handle, 0x100) == 0, "signal");
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)note}};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK_RES(kitten_ipc_wait((int)note, 5 * SECOND, &bits), 0);
    KT_CHECK(bits == 0x105, "bits %#lx, want 0x105", (unsigned long)bits);
    KT_CHECK_RES(kitten_ipc_wait((int)note, 0, &bits), -KITTEN_EAGAIN);
}

/* A waiter blocks until the signal comes from another process. */
IPC_CASE(notification_wakes_waiter)
{
    long ep = serve("t.note2");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    long note = kitten_ipc_notification_create();
    KT_CHECK(note > 0, "notification_create: %s", kt_res(note));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = lookup("t.note2", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0) == 0, "call");
        usleep(20000);
        CHILD_CHECK(kitten_ipc_signal((int)m.w[0], 1ull << 63) == 0, "signal");
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)note}};
    KT_CHECK_RES(kitten_ipc_reply(0, &reply, NULL), 0);
    uint64_t bits = 0;
    KT_CHECK_RES(kitten_ipc_wait((int)note, 5 * SECOND, &bits), 0);
    KT_CHECK(bits == 1ull << 63, "bits %#lx", (unsigned long)bits);
    CHECK_CHILD_OK(pid);
}

/* ---- grants ------------------------------------------------------------------------------------------- */

#define GRANT_BYTES (64 * 1024)

/* The granter's side of the grant cases: a region, a grant of it passed to the child in a reply. */
static long offer_grant(const char *name, unsigned char **region, int prot, unsigned rights_mask, long *grant_out)
{
    *region = mmap(NULL, GRANT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (*region == MAP_FAILED)
        return -KITTEN_ENOMEM;
    fill(*region, GRANT_BYTES, 3);
    long ep = serve(name);
    if (ep < 0)
        return ep;
    long grant = kitten_ipc_grant_create(*region, GRANT_BYTES, prot);
    if (grant < 0)
        return grant;
    *grant_out = grant;
    long passed = rights_mask ? kitten_ipc_mint((int)grant, rights_mask, 0) : grant;
    if (passed < 0)
        return passed;
    struct kitten_ipc_msg m = {0};
    long r = kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0);
    if (r < 0)
        return r;
    struct kitten_ipc_msg reply = {.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)passed}};
    return kitten_ipc_reply(0, &reply, NULL);
}

/* The grantee's side: the grant handle from the granter. */
static int fetch_grant(const char *name)
{
    long server = lookup(name, LOOKUP_WAIT);
    CHILD_CHECK(server > 0, "lookup: %s", kt_res(server));
    struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
    long r = kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0);
    CHILD_CHECK(r == 0 && kitten_ipc_info_handles(m.info) == 1 && m.w[0] > 0, "call: %s", kt_res(r));
    return (int)m.w[0];
}

/* Read-write: the grantee sees the granter's bytes and the granter sees the grantee's writes (the same
 * memory, not a copy). */
IPC_CASE(grant_read_write)
{
    long ep = serve("t.grw.done");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        int grant = fetch_grant("t.grw");
        long address = kitten_ipc_grant_map(grant, PROT_READ | PROT_WRITE);
        CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
        unsigned char *p = (unsigned char *)address;
        CHILD_CHECK(filled(p, GRANT_BYTES, 3), "the granted bytes differ");
        fill(p, GRANT_BYTES, 4);
        long done = lookup("t.grw.done", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)done, &m, 5 * SECOND, NULL, 0) == 0, "call done");
        CHILD_CHECK(kitten_ipc_grant_unmap(grant, p) == 0, "grant_unmap");
        _exit(0);
    }
    unsigned char *region;
    long grant;
    KT_CHECK_RES(offer_grant("t.grw", &region, PROT_READ | PROT_WRITE, 0, &grant), 0);
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK(filled(region, GRANT_BYTES, 4), "the grantee's writes are not in the granter's memory");
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), 0);
    CHECK_CHILD_OK(pid);
    munmap(region, GRANT_BYTES);
}

static void write_byte(void *p) { kt_poke((uintptr_t)p, 1); }
static void read_byte(void *p) { kt_poke((uintptr_t)p, 0); }

/* Read-only: mapping for writing is refused, so is mprotect to writable, and a write raises SIGSEGV. */
IPC_CASE(grant_read_only_write_faults)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        int grant = fetch_grant("t.gro");
        CHILD_CHECK(kitten_ipc_grant_map(grant, PROT_READ | PROT_WRITE) == -KITTEN_EACCES, "a read-write map of a "
                                                                                           "read-only grant");
        long address = kitten_ipc_grant_map(grant, PROT_READ);
        CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
        unsigned char *p = (unsigned char *)address;
        CHILD_CHECK(filled(p, GRANT_BYTES, 3), "the granted bytes differ");
        CHILD_CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES, "mprotect: %s", kt_errno());
        int status = kt_run_in_child(write_byte, p + 100);
        CHILD_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "the write: %s", kt_status(status));
        CHILD_CHECK(filled(p, GRANT_BYTES, 3), "the read-only bytes changed");
        _exit(0);
    }
    unsigned char *region;
    long grant;
    /* A read-write grant, passed on with MAP_READ only. */
    KT_CHECK_RES(offer_grant("t.gro", &region, PROT_READ | PROT_WRITE, KITTEN_IPC_RIGHT_MAP_READ | KITTEN_IPC_RIGHT_TRANSFER,
                             &grant),
                 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK(filled(region, GRANT_BYTES, 3), "the granter's bytes changed");
    munmap(region, GRANT_BYTES);
}

/* Revoking unmaps the grant from the grantee: its next access faults, and mapping again fails with EPIPE. */
IPC_CASE(grant_revoke)
{
    long ep = serve("t.grv.sync");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        int grant = fetch_grant("t.grv");
        long address = kitten_ipc_grant_map(grant, PROT_READ);
        CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
        unsigned char *p = (unsigned char *)address;
        CHILD_CHECK(filled(p, GRANT_BYTES, 3), "the granted bytes differ");
        long sync = lookup("t.grv.sync", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)sync, &m, 5 * SECOND, NULL, 0) == 0, "call sync"); /* revoked meanwhile */
        int status = kt_run_in_child(read_byte, p + 100);
        CHILD_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a read after revoke: %s", kt_status(status));
        CHILD_CHECK(kitten_ipc_grant_map(grant, PROT_READ) == -KITTEN_EPIPE, "grant_map after revoke");
        _exit(0);
    }
    unsigned char *region;
    long grant;
    KT_CHECK_RES(offer_grant("t.grv", &region, PROT_READ, 0, &grant), 0);
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK_RES(kitten_ipc_grant_revoke((int)grant), 0);
    KT_CHECK_RES(kitten_ipc_grant_revoke((int)grant), -KITTEN_EPIPE);
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), 0);
    CHECK_CHILD_OK(pid);
    munmap(region, GRANT_BYTES);
}

/* The granter unmapping its region revokes the grant first: the grantee faults instead of reaching memory
 * the granter gave back. */
IPC_CASE(grant_granter_unmap_revokes)
{
    long ep = serve("t.gun.sync");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        int grant = fetch_grant("t.gun");
        long address = kitten_ipc_grant_map(grant, PROT_READ);
        CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
        long sync = lookup("t.gun.sync", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)sync, &m, 5 * SECOND, NULL, 0) == 0, "call sync");
        int status = kt_run_in_child(read_byte, (void *)address);
        CHILD_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a read after the granter's munmap: %s",
                    kt_status(status));
        _exit(0);
    }
    unsigned char *region;
    long grant;
    KT_CHECK_RES(offer_grant("t.gun", &region, PROT_READ, 0, &grant), 0);
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK(munmap(region, GRANT_BYTES) == 0, "munmap: %s", kt_errno());
    KT_CHECK_RES(kitten_ipc_grant_map((int)grant, PROT_READ), -KITTEN_EPIPE);
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), 0);
    CHECK_CHILD_OK(pid);
}

/* A grantee that exits leaves the granter's memory alone; the grant can be mapped again by the granter. */
IPC_CASE(grant_survives_grantee_exit)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        int grant = fetch_grant("t.gex");
        long address = kitten_ipc_grant_map(grant, PROT_READ | PROT_WRITE);
        CHILD_CHECK(address > 0, "grant_map: %s", kt_res(address));
        ((unsigned char *)address)[0] = 0xAB;
        _exit(0);
    }
    unsigned char *region;
    long grant;
    KT_CHECK_RES(offer_grant("t.gex", &region, PROT_READ | PROT_WRITE, 0, &grant), 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK(region[0] == 0xAB && filled(region + 1, GRANT_BYTES - 1, 3) == 0, "granter's byte %#x", region[0]);
    long address = kitten_ipc_grant_map((int)grant, PROT_READ);
    KT_CHECK(address > 0, "grant_map by the granter: %s", kt_res(address));
    KT_CHECK(((unsigned char *)address)[0] == 0xAB, "the granter's own mapping reads %#x",
             ((unsigned char *)address)[0]);
    KT_CHECK_RES(kitten_ipc_close((int)grant), 0); /* the owner handle: revokes */
    munmap(region, GRANT_BYTES);
}

/* ---- names ------------------------------------------------------------------------------------------ */

IPC_CASE(name_registry)
{
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep > 0, "endpoint_create: %s", kt_res(ep));
    KT_CHECK_RES(lookup("t.names", 0), -KITTEN_ENOENT);
    KT_CHECK_RES(kitten_ipc_name_register("t.names", 7, (int)ep), 0);
    KT_CHECK_RES(kitten_ipc_name_register("t.names", 7, (int)ep), -KITTEN_EEXIST);
    KT_CHECK_RES(kitten_ipc_name_register("", 0, (int)ep), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_name_register("bad name", 8, (int)ep), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_name_register("a23456789012345678901234567890123", 33, (int)ep), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_name_register((const char *)KT_KERNEL_TEXT, 4, (int)ep), -KITTEN_EFAULT);
    long client = lookup("t.names", 0);
    KT_CHECK(client > 0 && client != ep, "lookup: %s", kt_res(client));
    uint64_t badge = 1;
    KT_CHECK_RES(kitten_ipc_identify((int)client, &badge),
                 KITTEN_IPC_TYPE_ENDPOINT | (KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_TRANSFER) << 8);
    KT_CHECK(badge == 0, "badge %lu", (unsigned long)badge);
    /* Only the server registers, and only it unregisters. */
    KT_CHECK_RES(kitten_ipc_name_register("t.other", 7, (int)client), -KITTEN_EPERM);
    pid_t pid = kt_fork();
    if (pid == 0) {
        CHILD_CHECK(kitten_ipc_name_unregister("t.names", 7) == -KITTEN_EPERM, "a stranger unregistered the name");
        _exit(0);
    }
    CHECK_CHILD_OK(pid);
    KT_CHECK_RES(kitten_ipc_name_unregister("t.names", 7), 0);
    KT_CHECK_RES(kitten_ipc_name_unregister("t.names", 7), -KITTEN_ENOENT);
    KT_CHECK_RES(lookup("t.names", 0), -KITTEN_ENOENT);
}

/* A lookup waits for the name to appear; the name goes when its server exits, so it can be taken again. */
IPC_CASE(name_lookup_waits_and_server_exit_frees_name)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        usleep(30000);
        long ep = serve("t.later");
        CHILD_CHECK(ep > 0, "serve: %s", kt_res(ep));
        struct kitten_ipc_msg m = {0};
        CHILD_CHECK(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0) == 0, "receive");
        CHILD_CHECK(kitten_ipc_reply(0, &empty, NULL) == 0, "reply");
        _exit(0);
    }
    uint64_t start = now_ns();
    long ep = lookup("t.later", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    KT_CHECK(now_ns() - start >= 20000000, "the lookup returned before the name was registered");
    struct kitten_ipc_msg m = msg(1, 5, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    CHECK_CHILD_OK(pid);
    KT_CHECK_RES(lookup("t.later", 0), -KITTEN_ENOENT);
    long mine = serve("t.later");
    KT_CHECK(mine > 0, "registering the freed name: %s", kt_res(mine));
    KT_CHECK_RES(lookup("t.never", 20000000), -KITTEN_ETIMEDOUT);
}

/* ---- timeouts ----------------------------------------------------------------------------------------- */

IPC_CASE(timeouts)
{
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep > 0, "endpoint_create: %s", kt_res(ep));
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 0, NULL, 0), -KITTEN_EAGAIN);
    uint64_t start = now_ns();
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 30000000, NULL, 0), -KITTEN_ETIMEDOUT);
    uint64_t waited = now_ns() - start;
    KT_CHECK(waited >= 30000000 && waited < 2 * SECOND, "receive waited %lu ns for a 30 ms timeout", (unsigned long)waited);
    /* A call nobody receives, and a call the server takes but never answers. */
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_EAGAIN);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 20000000, NULL, 0), -KITTEN_ETIMEDOUT);
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = serve("t.slow");
        struct kitten_ipc_msg r = {0};
        CHILD_CHECK(kitten_ipc_receive((int)server, &r, 5 * SECOND, NULL, 0) == 0, "receive");
        usleep(100000); /* the caller gives up meanwhile */
        CHILD_CHECK(kitten_ipc_reply(0, &empty, NULL) == -KITTEN_ECONNRESET, "a reply to a caller that timed out");
        _exit(0);
    }
    long slow = lookup("t.slow", LOOKUP_WAIT);
    KT_CHECK(slow > 0, "lookup: %s", kt_res(slow));
    start = now_ns();
    m = msg(1, 1, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)slow, &m, 30000000, NULL, 0), -KITTEN_ETIMEDOUT);
    KT_CHECK(now_ns() - start >= 30000000, "the call timed out early");
    CHECK_CHILD_OK(pid);
    long note = kitten_ipc_notification_create();
    uint64_t bits;
    KT_CHECK_RES(kitten_ipc_wait((int)note, 10000000, &bits), -KITTEN_ETIMEDOUT);
}

/* ---- peers that go away ----------------------------------------------------------------------------- */

/* The server takes the call and dies without answering: ECONNRESET; later calls: EPIPE. */
IPC_CASE(peer_death_during_call)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        long ep = serve("t.dies");
        struct kitten_ipc_msg m = {0};
        CHILD_CHECK(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0) == 0, "receive");
        _exit(0);
    }
    long ep = lookup("t.dies", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    struct kitten_ipc_msg m = msg(1, 1, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), -KITTEN_ECONNRESET);
    CHECK_CHILD_OK(pid);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), -KITTEN_EPIPE);
    KT_CHECK_RES(kitten_ipc_send((int)ep, &m, KITTEN_IPC_FOREVER, NULL), -KITTEN_EPIPE);
}

/* The server is killed while the client's call waits in its queue (never taken): EPIPE, not a hang. */
IPC_CASE(peer_killed_while_call_queued)
{
    pid_t pid = kt_fork();
    if (pid == 0) {
        serve("t.killed");
        for (;;)
            pause();
    }
    long ep = lookup("t.killed", LOOKUP_WAIT);
    KT_CHECK(ep > 0, "lookup: %s", kt_res(ep));
    pid_t killer = kt_fork();
    if (killer == 0) {
        usleep(30000);
        kill(pid, SIGKILL);
        _exit(0);
    }
    struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0), -KITTEN_EPIPE);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "server %s", kt_status(status));
    CHECK_CHILD_OK(killer);
}

/* A server whose client died while it held the call: the reply gets ECONNRESET and it serves on. */
IPC_CASE(client_death_while_held)
{
    long ep = serve("t.client");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = lookup("t.client", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        kitten_ipc_call((int)server, &m, KITTEN_IPC_FOREVER, NULL, 0);
        _exit(3);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    kill(pid, SIGKILL);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFSIGNALED(status), "client %s", kt_status(status));
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), -KITTEN_ECONNRESET);
}

/* Closing the endpoint wakes the server's own waiting receivers... and a receive on it fails with EPIPE;
 * receiving again while holding a call drops that call (ECONNRESET to its caller). */
IPC_CASE(receive_again_drops_held_call)
{
    long ep = serve("t.drop");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long server = lookup("t.drop", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(0, 0, 0, 0, 0);
        CHILD_CHECK(kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0) == -KITTEN_ECONNRESET, "the dropped call");
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 0, NULL, 0), -KITTEN_EAGAIN);
    CHECK_CHILD_OK(pid);
}

/* ---- handles passed in messages ----------------------------------------------------------------------- */

/* The child sends the parent a badged SEND handle to its own endpoint; the parent calls it and the child
 * sees the badge. The owner rights never travel. */
IPC_CASE(capability_passing)
{
    long ep = serve("t.caps");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        long mine = kitten_ipc_endpoint_create();
        CHILD_CHECK(mine > 0, "endpoint_create");
        long badged = kitten_ipc_mint((int)mine, KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_TRANSFER, 0xbadce11);
        CHILD_CHECK(badged > 0, "mint: %s", kt_res(badged));
        CHILD_CHECK(kitten_ipc_mint((int)badged, 0xff, 7) == -KITTEN_EPERM, "re-badging");
        long server = lookup("t.caps", LOOKUP_WAIT);
        /* Two handles: the badged one and an unbadged copy of the endpoint (RECEIVE stripped). */
        struct kitten_ipc_msg m = {.info = kitten_ipc_info(3, 2, 0), .w = {(uint64_t)badged, (uint64_t)mine, 42}};
        CHILD_CHECK(kitten_ipc_send((int)server, &m, 5 * SECOND, NULL) == 0, "send");
        struct kitten_ipc_msg in = {0};
        long r = kitten_ipc_receive((int)mine, &in, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == 0 && in.badge == 0xbadce11 && in.w[0] == 77, "receive: %s badge %#lx w0 %lu", kt_res(r),
                    (unsigned long)in.badge, (unsigned long)in.w[0]);
        in.info = kitten_ipc_info(0, 0, 0);
        CHILD_CHECK(kitten_ipc_reply(0, &in, NULL) == 0, "reply");
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    KT_CHECK(kitten_ipc_info_words(m.info) == 3 && kitten_ipc_info_handles(m.info) == 2 && m.w[2] == 42,
             "info %#lx", (unsigned long)m.info);
    uint64_t badge;
    KT_CHECK_RES(kitten_ipc_identify((int)m.w[0], &badge),
                 KITTEN_IPC_TYPE_ENDPOINT | (KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_TRANSFER) << 8);
    KT_CHECK(badge == 0xbadce11, "the passed handle's badge %#lx", (unsigned long)badge);
    KT_CHECK_RES(kitten_ipc_identify((int)m.w[1], &badge),
                 KITTEN_IPC_TYPE_ENDPOINT | (KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_TRANSFER) << 8);
    struct kitten_ipc_msg dummy = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)m.w[1], &dummy, 0, NULL, 0), -KITTEN_EPERM);
    struct kitten_ipc_msg call = msg(1, 77, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)m.w[0], &call, 5 * SECOND, NULL, 0), 0);
    CHECK_CHILD_OK(pid);
}

/* A saved reply answers later, after other messages; closing one unanswered answers with ECONNRESET. */
IPC_CASE(saved_reply)
{
    long ep = serve("t.saved");
    KT_CHECK(ep > 0, "serve: %s", kt_res(ep));
    pid_t first = kt_fork();
    if (first == 0) {
        long server = lookup("t.saved", LOOKUP_WAIT);
        struct kitten_ipc_msg m = msg(1, 1, 0, 0, 0);
        long r = kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == 0 && m.w[0] == 101, "first call: %s, w0 %lu", kt_res(r), (unsigned long)m.w[0]);
        m = msg(1, 2, 0, 0, 0);
        r = kitten_ipc_call((int)server, &m, 5 * SECOND, NULL, 0);
        CHILD_CHECK(r == -KITTEN_ECONNRESET, "the call whose saved reply was closed: %s", kt_res(r));
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    long saved = kitten_ipc_save_reply();
    KT_CHECK(saved > 0, "save_reply: %s", kt_res(saved));
    KT_CHECK_RES(kitten_ipc_save_reply(), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), -KITTEN_EINVAL);
    uint64_t badge;
    KT_CHECK_RES(kitten_ipc_identify((int)saved, &badge), KITTEN_IPC_TYPE_REPLY);
    KT_CHECK_RES(kitten_ipc_mint((int)saved, 0xff, 0), -KITTEN_EPERM);
    struct kitten_ipc_msg reply = msg(1, 101, 0, 0, 0);
    KT_CHECK_RES(kitten_ipc_reply((int)saved, &reply, NULL), 0);
    KT_CHECK_RES(kitten_ipc_reply((int)saved, &reply, NULL), -KITTEN_EBADF); /* consumed */
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), 0);
    saved = kitten_ipc_save_reply();
    KT_CHECK(saved > 0, "save_reply: %s", kt_res(saved));
    KT_CHECK_RES(kitten_ipc_close((int)saved), 0);
    CHECK_CHILD_OK(first);
}

/* ---- processes ------------------------------------------------------------------------------------- */

/* fork does not copy handles; the parent's stay valid. */
IPC_CASE(fork_child_has_no_handles)
{
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep > 0, "endpoint_create: %s", kt_res(ep));
    pid_t pid = kt_fork();
    if (pid == 0) {
        uint64_t badge;
        CHILD_CHECK(kitten_ipc_identify((int)ep, &badge) == -KITTEN_EBADF, "the child has the parent's handle");
        long mine = kitten_ipc_endpoint_create();
        CHILD_CHECK(mine == 1, "the child's first handle is %ld, want 1", mine);
        _exit(0);
    }
    CHECK_CHILD_OK(pid);
    uint64_t badge;
    KT_CHECK_RES(kitten_ipc_identify((int)ep, &badge),
                 KITTEN_IPC_TYPE_ENDPOINT | (KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_RECEIVE | KITTEN_IPC_RIGHT_TRANSFER) << 8);
}

static volatile int got_signal;
static void on_signal(int sig) { got_signal = sig; }

/* A signal interrupts a blocked receive: EINTR (after the handler ran), never a restart. */
IPC_CASE(signal_interrupts_wait)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    got_signal = 0;
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep > 0, "endpoint_create: %s", kt_res(ep));
    pid_t parent = getpid();
    pid_t pid = kt_fork();
    if (pid == 0) {
        usleep(30000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 5 * SECOND, NULL, 0), -KITTEN_EINTR);
    KT_CHECK(got_signal == SIGUSR1, "the handler did not run");
    CHECK_CHILD_OK(pid);
}

/* ---- bad arguments: error codes, never a crash ------------------------------------------------------ */

IPC_CASE(bad_arguments)
{
    struct kitten_ipc_msg m = {0};
    KT_CHECK_RES(kitten_ipc_call(0, &m, 0, NULL, 0), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_call(-1, &m, 0, NULL, 0), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_call(100000, &m, 0, NULL, 0), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_close(1), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_syscall3(KITTEN_IPC_LAST, 0, 0, 0, 0, 0), -KITTEN_ENOSYS);
    KT_CHECK_RES(kitten_ipc_syscall3(1050, 0, 0, 0, 0, 0), -KITTEN_ENOSYS);
    KT_CHECK_RES(kitten_ipc_syscall3(KITTEN_IPC_ENDPOINT_CREATE, 1, 0, 0, 0, 0), -KITTEN_EINVAL);
    long ep = kitten_ipc_endpoint_create();
    long note = kitten_ipc_notification_create();
    KT_CHECK(ep == 1 && note == 2, "handles %ld and %ld, want 1 and 2", ep, note);
    /* Wrong types and rights. */
    KT_CHECK_RES(kitten_ipc_call((int)note, &m, 0, NULL, 0), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_signal((int)ep, 1), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_signal((int)note, 0), -KITTEN_EINVAL);
    long send_only = kitten_ipc_mint((int)ep, KITTEN_IPC_RIGHT_SEND, 0);
    KT_CHECK(send_only == 3, "mint: %s", kt_res(send_only));
    KT_CHECK_RES(kitten_ipc_receive((int)send_only, &m, 0, NULL, 0), -KITTEN_EPERM);
    KT_CHECK_RES(kitten_ipc_mint((int)send_only, 0xff, 0), -KITTEN_EPERM); /* no TRANSFER */
    KT_CHECK_RES(kitten_ipc_mint((int)note, 0xff, 5), -KITTEN_EPERM);      /* badges are for endpoints */
    long no_send = kitten_ipc_mint((int)ep, KITTEN_IPC_RIGHT_TRANSFER, 0);
    KT_CHECK_RES(kitten_ipc_call((int)no_send, &m, 0, NULL, 0), -KITTEN_EPERM);
    /* Malformed info words. */
    m.info = kitten_ipc_info(7, 0, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_EINVAL);
    m.info = kitten_ipc_info(2, 3, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_EINVAL);
    m.info = kitten_ipc_info(5, 5, 0);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_EINVAL);
    m.info = KITTEN_IPC_INFO_CALL;
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_EINVAL);
    m.info = kitten_ipc_info(0, 0, KITTEN_IPC_MAX_LONG + 1);
    KT_CHECK_RES(kitten_ipc_call((int)ep, &m, 0, NULL, 0), -KITTEN_E2BIG);
    /* Bad handles in a message, bad buffers. */
    m = (struct kitten_ipc_msg){.info = kitten_ipc_info(1, 1, 0), .w = {99}};
    KT_CHECK_RES(kitten_ipc_send((int)ep, &m, 0, NULL), -KITTEN_EBADF);
    m = (struct kitten_ipc_msg){.info = kitten_ipc_info(1, 1, 0), .w = {(uint64_t)send_only}};
    KT_CHECK_RES(kitten_ipc_send((int)ep, &m, 0, NULL), -KITTEN_EPERM);
    m = (struct kitten_ipc_msg){.info = kitten_ipc_info(0, 0, 100)};
    KT_CHECK_RES(kitten_ipc_send((int)ep, &m, 0, (void *)KT_KERNEL_TEXT), -KITTEN_EFAULT);
    KT_CHECK_RES(kitten_ipc_send((int)ep, &m, 0, NULL), -KITTEN_EFAULT);
    m = (struct kitten_ipc_msg){0};
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 0, (void *)KT_KERNEL_TEXT, 100), -KITTEN_EFAULT);
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 0, (void *)KT_NONCANONICAL, 100), -KITTEN_EFAULT);
    KT_CHECK_RES(kitten_ipc_receive((int)ep, &m, 0, (void *)close_all_handles, 100), -KITTEN_EFAULT); /* text */
    /* Replies with nothing held. */
    KT_CHECK_RES(kitten_ipc_reply(0, &empty, NULL), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_reply((int)note, &m, NULL), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_save_reply(), -KITTEN_EINVAL);
    /* Grants. */
    static char page[8192] __attribute__((aligned(4096)));
    KT_CHECK_RES(kitten_ipc_grant_create(page + 1, 4096, PROT_READ), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create(page, 100, PROT_READ), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create(page, 0, PROT_READ), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create(page, 4096, PROT_WRITE), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create(page, 4096, 7), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create((void *)0x1000, 4096, PROT_READ), -KITTEN_EFAULT);
    KT_CHECK_RES(kitten_ipc_grant_create((void *)KT_KERNEL_HALF, 4096, PROT_READ), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_create((void *)((uintptr_t)close_all_handles & ~4095ul), 4096, PROT_READ | PROT_WRITE),
                 -KITTEN_EACCES);
    KT_CHECK_RES(kitten_ipc_grant_map((int)ep, PROT_READ), -KITTEN_EBADF);
    long grant = kitten_ipc_grant_create(page, 4096, PROT_READ);
    KT_CHECK(grant > 0, "grant_create: %s", kt_res(grant));
    KT_CHECK_RES(kitten_ipc_grant_map((int)grant, PROT_READ | PROT_WRITE), -KITTEN_EACCES);
    KT_CHECK_RES(kitten_ipc_grant_map((int)grant, 0), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_grant_unmap((int)grant, page), -KITTEN_EINVAL);
    long readonly = kitten_ipc_mint((int)grant, KITTEN_IPC_RIGHT_MAP_READ, 0);
    KT_CHECK_RES(kitten_ipc_grant_revoke((int)readonly), -KITTEN_EPERM);
    KT_CHECK_RES(kitten_ipc_grant_create(page, 4096 * 1000, PROT_READ), -KITTEN_EFAULT);
    /* Notifications: waiting needs the owner's handle. */
    uint64_t bits;
    long signal_only = kitten_ipc_mint((int)note, 0xff, 0);
    KT_CHECK_RES(kitten_ipc_wait((int)signal_only, 0, &bits), -KITTEN_EPERM);
    /* Names. */
    KT_CHECK_RES(kitten_ipc_name_lookup(NULL, 4, 0), -KITTEN_EFAULT);
    KT_CHECK_RES(kitten_ipc_name_lookup("x", 0, 0), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_name_lookup("x", 1000, 0), -KITTEN_EINVAL);
    KT_CHECK_RES(kitten_ipc_name_register("t.bad", 5, (int)note), -KITTEN_EBADF);
    KT_CHECK_RES(kitten_ipc_close((int)ep), 0);
    KT_CHECK_RES(kitten_ipc_close((int)ep), -KITTEN_EBADF);
    /* The endpoint is dead now: the surviving SEND handle gets EPIPE. */
    m = (struct kitten_ipc_msg){0};
    KT_CHECK_RES(kitten_ipc_call((int)send_only, &m, 0, NULL, 0), -KITTEN_EPIPE);
}

/* A full handle table: EMFILE, and a handle passed into a full table arrives as 0 with HANDLE_LOST. */
IPC_CASE(handle_table_full)
{
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep == 1, "endpoint_create: %s", kt_res(ep));
    long last = 0;
    for (int i = 2; i <= KITTEN_IPC_TABLE_SIZE; i++) {
        last = kitten_ipc_mint((int)ep, 0xff, 0);
        KT_CHECK(last == i, "mint %d: %s", i, kt_res(last));
    }
    KT_CHECK_RES(kitten_ipc_mint((int)ep, 0xff, 0), -KITTEN_EMFILE);
    KT_CHECK_RES(kitten_ipc_close(300), 0);
    KT_CHECK_RES(kitten_ipc_mint((int)ep, 0xff, 0), 300);
}

static const struct kt_case cases[] = {
    KT_CASE(call_reply_zero_words),
    KT_CASE(call_reply_four_words),
    KT_CASE(call_reply_six_words),
    KT_CASE(receiver_learns_the_senders_pid),
    KT_CASE(call_reply_across_cpus),
    KT_CASE(send_one_way),
    KT_CASE(long_message_copy),
    KT_CASE(notification_signal_wait),
    KT_CASE(notification_wakes_waiter),
    KT_CASE(grant_read_write),
    KT_CASE(grant_read_only_write_faults),
    KT_CASE(grant_revoke),
    KT_CASE(grant_granter_unmap_revokes),
    KT_CASE(grant_survives_grantee_exit),
    KT_CASE(name_registry),
    KT_CASE(name_lookup_waits_and_server_exit_frees_name),
    KT_CASE(timeouts),
    KT_CASE(peer_death_during_call),
    KT_CASE(peer_killed_while_call_queued),
    KT_CASE(client_death_while_held),
    KT_CASE(receive_again_drops_held_call),
    KT_CASE(capability_passing),
    KT_CASE(saved_reply),
    KT_CASE(fork_child_has_no_handles),
    KT_CASE(signal_interrupts_wait),
    KT_CASE(bad_arguments),
    KT_CASE(handle_table_full),
};

int main(int argc, char **argv) { return kt_main("ipc", cases, KT_COUNT(cases), argc, argv); }
