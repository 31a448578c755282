/*
 * ipctest.h: what the IPC test programs in this folder share, on top of ktest.h: cases that start and end
 * with an empty handle table, checks in forked children (a "# child ..." line and exit status 1), and the
 * usual moves (serve a name, look one up, build a message).
 */
#ifndef IPCTEST_H
#define IPCTEST_H

#include "../LinuxTests/ktest.h"
#include "../Include/kitten_ipc.h"

#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#define SECOND 1000000000ull
#define LOOKUP_WAIT (5 * SECOND)

/* Every case starts with an empty handle table: the runner closes what a case left. */
static inline void close_all_handles(void)
{
    for (int h = 1; h <= KITTEN_IPC_TABLE_SIZE; h++)
        kitten_ipc_close(h);
}

#define IPC_CASE(name)                  \
    static void body_##name(void);      \
    static void t_##name(void)          \
    {                                   \
        close_all_handles();            \
        body_##name();                  \
        close_all_handles();            \
    }                                   \
    static void body_##name(void)

/* A child's failed check: one diagnostic line, exit status 1. */
#define CHILD_CHECK(cond, ...)                                                   \
    do {                                                                         \
        if (!(cond)) {                                                           \
            char m_[256];                                                        \
            snprintf(m_, sizeof m_, __VA_ARGS__);                                \
            kt_write_line("# child (line %d): %s", __LINE__, m_);                \
            _exit(1);                                                            \
        }                                                                        \
    } while (0)

static inline long lookup(const char *name, uint64_t timeout) { return kitten_ipc_name_lookup(name, strlen(name), timeout); }

/* A new endpoint registered under the name; its handle (or -errno). */
static inline long serve(const char *name)
{
    long ep = kitten_ipc_endpoint_create();
    if (ep < 0)
        return ep;
    long r = kitten_ipc_name_register(name, strlen(name), (int)ep);
    return r < 0 ? r : ep;
}

static inline struct kitten_ipc_msg msg(unsigned words, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    struct kitten_ipc_msg m = {.info = kitten_ipc_info(words, 0, 0), .w = {a, b, c, d, 0, 0}};
    return m;
}

/* A reply with nothing in it (a received message's info has output flags, which a sender may not pass). */
static const struct kitten_ipc_msg empty __attribute__((unused));

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

/* Waits for a child and checks it exited 0. */
#define CHECK_CHILD_OK(pid)                                                                       \
    do {                                                                                          \
        int st_ = 0;                                                                              \
        KT_CHECK_RES(kt_reap(pid, &st_), pid);                                                    \
        KT_CHECK(WIFEXITED(st_) && WEXITSTATUS(st_) == 0, "the child %s (a # child line says why)", \
                 kt_status(st_));                                                                 \
    } while (0)

#endif
