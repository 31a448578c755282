/*
 * One-way message cost between two processes on one CPU: a client sends a request, a server answers, and
 * half the round trip is the one-way cost (what seL4 and L4 quote for their IPC fast paths). Every one-way
 * includes the switch from one process to the other.
 *
 *   ipc kitten [ITERATIONS]   Kitten IPC (kitten_ipc.h): CALL with 0 and with 4 words in registers, the
 *                             server looping in REPLY_RECEIVE; then the pipe exchange below, on Kitten
 *   ipc linux [ITERATIONS]    the same exchange by the means Linux has: a pair of pipes carrying 4 words
 *                             (32 bytes) each way, and a pair of processes taking turns on a futex word in
 *                             shared memory (FUTEX_WAIT/FUTEX_WAKE, 4 words beside it)
 *
 * default 10000 iterations (after 100 unmeasured ones). Prints exactly one line, in TSC ticks per one-way
 * (instructions under -icount):
 *   bench-result ipc kitten_oneway_0=N kitten_oneway_4=N kitten_pipe_oneway=N iterations=N
 *   bench-result ipc pipe_oneway=N futex_oneway=N iterations=N
 * Every reply is checked (the server adds one to the first word); a wrong one fails the run (status 1).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../Include/bench.h"
#include "../Include/kitten_ipc.h"

#define WARMUP 100

static void fail(const char *what, long result)
{
    fprintf(stderr, "ipc: %s failed: %ld\n", what, result);
    exit(1);
}

/* ---- Kitten IPC ------------------------------------------------------------------------------------- */

/* Answers every call with the words it brought, the first plus one, for ever (the client kills it). */
static void kitten_server(void)
{
    long ep = kitten_ipc_endpoint_create();
    if (ep < 0)
        fail("endpoint_create", ep);
    long r = kitten_ipc_name_register("bench.ipc", 9, (int)ep);
    if (r < 0)
        fail("name_register", r);
    struct kitten_ipc_msg m = {0};
    r = kitten_ipc_receive((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    for (;;) {
        if (r < 0)
            fail("receive", r);
        m.info = kitten_ipc_info(kitten_ipc_info_words(m.info), 0, 0);
        m.w[0]++;
        r = kitten_ipc_reply_receive((int)ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
    }
}

/* WARMUP + iterations calls with `words` words; ticks per one-way over the last `iterations`. */
static uint64_t kitten_calls(int ep, unsigned words, unsigned long iterations)
{
    struct kitten_ipc_msg m = {.w = {0, 2, 3, 4, 0, 0}};
    uint64_t start = 0, expected = 0;
    for (unsigned long i = 0; i < iterations + WARMUP; i++) {
        if (i == WARMUP)
            start = bench_ticks();
        m.info = kitten_ipc_info(words, 0, 0);
        long r = kitten_ipc_call(ep, &m, KITTEN_IPC_FOREVER, NULL, 0);
        /* Words beyond the count are undefined (Kernel/Ipc/README.md): only a 4-word reply is checked. */
        expected++;
        if (r != 0 || kitten_ipc_info_words(m.info) != words || (words == 4 && (m.w[0] != expected || m.w[3] != 4)))
            fail("call", r);
    }
    uint64_t end = bench_ticks();
    return bench_div_round(end - start, 2 * iterations);
}

/* ---- pipes ---------------------------------------------------------------------------------------- */

static uint64_t pipe_exchange(unsigned long iterations)
{
    int request[2], reply[2];
    if (pipe(request) != 0 || pipe(reply) != 0)
        fail("pipe", -1);
    pid_t pid = fork();
    if (pid < 0)
        fail("fork", pid);
    uint64_t words[4] = {0, 2, 3, 4};
    if (pid == 0) {
        close(request[1]);
        close(reply[0]);
        for (;;) {
            if (read(request[0], words, sizeof words) != sizeof words)
                _exit(0);
            words[0]++;
            if (write(reply[1], words, sizeof words) != sizeof words)
                _exit(1);
        }
    }
    close(request[0]);
    close(reply[1]);
    uint64_t start = 0;
    for (unsigned long i = 0; i < iterations + WARMUP; i++) {
        if (i == WARMUP)
            start = bench_ticks();
        if (write(request[1], words, sizeof words) != sizeof words || read(reply[0], words, sizeof words) != sizeof words)
            fail("pipe exchange", -1);
    }
    uint64_t end = bench_ticks();
    if (words[0] != iterations + WARMUP)
        fail("pipe exchange count", (long)words[0]);
    close(request[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("pipe server", status);
    close(reply[0]);
    return bench_div_round(end - start, 2 * iterations);
}

/* ---- a futex pair ----------------------------------------------------------------------------------- */

struct turns {
    int turn; /* 1: the server's turn, 0: the client's */
    uint64_t words[4];
};

static long futex(int *word, int op, int value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

/* Needs memory that fork shares (MAP_SHARED): Linux only. */
static uint64_t futex_exchange(unsigned long iterations)
{
    struct turns *t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        fail("mmap shared", -1);
    t->turn = 0;
    pid_t pid = fork();
    if (pid < 0)
        fail("fork", pid);
    if (pid == 0) {
        for (;;) {
            while (__atomic_load_n(&t->turn, __ATOMIC_ACQUIRE) != 1)
                futex(&t->turn, FUTEX_WAIT, 0);
            t->words[0]++;
            __atomic_store_n(&t->turn, 0, __ATOMIC_RELEASE);
            futex(&t->turn, FUTEX_WAKE, 1);
        }
    }
    uint64_t start = 0;
    for (unsigned long i = 0; i < iterations + WARMUP; i++) {
        if (i == WARMUP)
            start = bench_ticks();
        t->words[1] = i;
        __atomic_store_n(&t->turn, 1, __ATOMIC_RELEASE);
        futex(&t->turn, FUTEX_WAKE, 1);
        while (__atomic_load_n(&t->turn, __ATOMIC_ACQUIRE) == 1)
            futex(&t->turn, FUTEX_WAIT, 1);
    }
    uint64_t end = bench_ticks();
    if (t->words[0] != iterations + WARMUP)
        fail("futex exchange count", (long)t->words[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    munmap(t, 4096);
    return bench_div_round(end - start, 2 * iterations);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || (strcmp(argv[1], "kitten") != 0 && strcmp(argv[1], "linux") != 0)) {
        fprintf(stderr, "usage: %s kitten|linux [ITERATIONS]\n", argv[0]);
        return 2;
    }
    unsigned long iterations = argc == 3 ? bench_parse_count(argv[0], "iterations", argv[2]) : 10000;
    if (strcmp(argv[1], "linux") == 0) {
        uint64_t pipe_oneway = pipe_exchange(iterations);
        uint64_t futex_oneway = futex_exchange(iterations);
        printf("bench-result ipc pipe_oneway=%llu futex_oneway=%llu iterations=%lu\n", (unsigned long long)pipe_oneway,
               (unsigned long long)futex_oneway, iterations);
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0)
        fail("fork", pid);
    if (pid == 0)
        kitten_server();
    long ep = kitten_ipc_name_lookup("bench.ipc", 9, 10ull * 1000000000ull);
    if (ep < 0)
        fail("name_lookup", ep);
    uint64_t zero = kitten_calls((int)ep, 0, iterations);
    uint64_t four = kitten_calls((int)ep, 4, iterations);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    uint64_t pipe_oneway = pipe_exchange(iterations);
    printf("bench-result ipc kitten_oneway_0=%llu kitten_oneway_4=%llu kitten_pipe_oneway=%llu iterations=%lu\n",
           (unsigned long long)zero, (unsigned long long)four, (unsigned long long)pipe_oneway, iterations);
    return 0;
}
