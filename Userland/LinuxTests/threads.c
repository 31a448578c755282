/*
 * threads: several threads in one process, as clone(2) with CLONE_THREAD, clone3(2), futex(2), tgkill(2),
 * set_tid_address(2), exit(2) versus exit_group(2), execve(2) and fork(2) from a thread, sched_setaffinity(2)
 * and membarrier(2) describe them, through glibc's pthreads and through the raw calls. Also that the TLB of
 * another CPU running the same process is flushed before mprotect returns (a thread on that CPU faults at
 * its next access).
 */
#include "ktest.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static const char *self_path;

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void sleep_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

static int cpu_count(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return CPU_COUNT(&set);
}

/* ---- raw threads: clone and clone3 without glibc -------------------------------------------------------
 * The new thread starts on its own stack with fn and arg on top; it pops them, calls fn(arg) and ends with
 * exit(2). fn must not use glibc (the thread has no glibc thread descriptor of its own). */
static long raw_thread(long nr, long a1, long a2, long a3, long a4, long a5)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "pop %%rax\n\t"
                     "pop %%rdi\n\t"
                     "and $-16, %%rsp\n\t"
                     "call *%%rax\n\t"
                     "mov %%eax, %%edi\n\t"
                     "mov $60, %%eax\n\t"
                     "syscall\n\t"
                     "hlt\n\t"
                     "1:\n\t"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

#define STACK_SIZE (64 * 1024)

/* A stack for a raw thread with fn and arg at the top; returns the stack pointer to start with. */
static unsigned long *prepare_stack(char *stack, int (*fn)(void *), void *arg)
{
    unsigned long *sp = (unsigned long *)(((uintptr_t)stack + STACK_SIZE) & ~(uintptr_t)15);
    *--sp = (unsigned long)arg;
    *--sp = (unsigned long)fn;
    return sp;
}

/* Waits until the kernel clears *tid (CLONE_CHILD_CLEARTID) at the thread's exit, with futex waits. */
static int wait_cleared(volatile int *tid)
{
    long deadline = now_ns() + 5000000000L;
    while (*tid != 0) {
        int seen = *tid;
        if (seen == 0)
            break;
        struct timespec t = {0, 100000000};
        kt_sys(SYS_futex, tid, FUTEX_WAIT, seen, &t);
        if (now_ns() > deadline)
            return 0;
    }
    return 1;
}

struct raw_result {
    long tid;
    long pid;
    unsigned long fs0;
    int ran;
};

static int raw_body(void *arg)
{
    struct raw_result *r = arg;
    r->tid = kt_sys(SYS_gettid);
    r->pid = kt_sys(SYS_getpid);
    unsigned long fs0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    r->fs0 = fs0;
    r->ran = 1;
    return 0;
}

/* A block that looks like a TCB: its first word points to itself, as x86-64 TLS requires of %fs:0. */
static unsigned long fake_tcb[8] __attribute__((aligned(64)));

static char raw_stack[STACK_SIZE] __attribute__((aligned(16)));

/* clone(CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID): the thread gets a TID of
 * its own, shares the PID, runs with the TLS given, the TID lands in *ptid, and *ctid is cleared and woken
 * at its exit. */
static void t_raw_clone_thread(void)
{
    static struct raw_result r;
    static volatile int ptid, ctid;
    memset(&r, 0, sizeof r);
    fake_tcb[0] = (unsigned long)fake_tcb;
    ptid = 0;
    ctid = -1;
    unsigned long *sp = prepare_stack(raw_stack, raw_body, &r);
    long tid = raw_thread(SYS_clone, CLONE_THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
                          (long)sp, (long)&ptid, (long)&ctid, (long)fake_tcb);
    KT_CHECK(tid > 0, "clone(CLONE_THREAD) = %s", kt_res(tid));
    KT_CHECK(ptid == tid, "CLONE_PARENT_SETTID stored %d, want %ld", ptid, tid);
    KT_CHECK(wait_cleared(&ctid), "CLONE_CHILD_CLEARTID: the TID word was not cleared within 5 s");
    KT_CHECK(r.ran, "the thread did not run");
    KT_CHECK(r.tid == tid, "gettid() in the thread = %ld, want %ld", r.tid, tid);
    KT_CHECK(r.pid == getpid(), "getpid() in the thread = %ld, want %d", r.pid, getpid());
    KT_CHECK(tid != getpid(), "the thread's TID equals the PID");
    KT_CHECK(r.fs0 == (unsigned long)fake_tcb, "%%fs:0 in the thread = %#lx, want %#lx", r.fs0,
             (unsigned long)fake_tcb);
}

struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* clone3 with a stack given as base and size: the thread starts at the top of it. */
static void t_raw_clone3_thread(void)
{
    static struct raw_result r;
    static volatile int ptid, ctid;
    memset(&r, 0, sizeof r);
    fake_tcb[0] = (unsigned long)fake_tcb;
    ptid = 0;
    ctid = -1;
    unsigned long *sp = prepare_stack(raw_stack, raw_body, &r);
    struct clone_args_v2 args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    args.parent_tid = (uint64_t)&ptid;
    args.child_tid = (uint64_t)&ctid;
    args.stack = (uint64_t)raw_stack;
    args.stack_size = (uint64_t)((char *)sp - raw_stack);
    args.tls = (uint64_t)fake_tcb;
    long tid = raw_thread(SYS_clone3, (long)&args, 88, 0, 0, 0);
    KT_CHECK(tid > 0, "clone3(CLONE_THREAD) = %s", kt_res(tid));
    KT_CHECK(wait_cleared(&ctid), "the TID word was not cleared within 5 s");
    KT_CHECK(ptid == tid, "parent_tid = %d, want %ld", ptid, tid);
    KT_CHECK(r.ran && r.tid == tid && r.pid == getpid(), "thread saw tid %ld pid %ld", r.tid, r.pid);
    KT_CHECK(r.fs0 == (unsigned long)fake_tcb, "%%fs:0 = %#lx", r.fs0);
}

/* The argument rules of clone(2) and clone3(2). */
static void t_clone_argument_errors(void)
{
    KT_CHECK_RES(kt_sys(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), -EINVAL); /* THREAD needs SIGHAND */
    KT_CHECK_RES(kt_sys(SYS_clone, CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0), -EINVAL); /* SIGHAND needs VM */
    struct clone_args_v2 args;
    memset(&args, 0, sizeof args);
    KT_CHECK_RES(kt_sys(SYS_clone3, &args, 32), -EINVAL); /* smaller than CLONE_ARGS_SIZE_VER0 */
    KT_CHECK_RES(kt_sys(SYS_clone3, NULL, 64), -EFAULT);
    args.flags = CLONE_THREAD_FLAGS;
    args.stack = (uint64_t)raw_stack; /* a stack without its size */
    KT_CHECK_RES(kt_sys(SYS_clone3, &args, 64), -EINVAL);
    args.stack = 0;
    args.exit_signal = SIGCHLD; /* threads have no exit signal */
    KT_CHECK_RES(kt_sys(SYS_clone3, &args, 64), -EINVAL);
    /* A bigger struct whose unknown tail is not zero. */
    static uint64_t big[32];
    memset(big, 0, sizeof big);
    big[0] = CLONE_THREAD_FLAGS;
    big[20] = 1;
    KT_CHECK_RES(kt_sys(SYS_clone3, big, sizeof big), -E2BIG);
}

/* ---- pthreads -------------------------------------------------------------------------------------- */

static void *return_tid(void *arg)
{
    (void)arg;
    return (void *)(long)kt_sys(SYS_gettid);
}

/* pthread_create and pthread_join: the thread has its own TID, and its return value comes back. */
static void t_pthread_create_join(void)
{
    pthread_t t;
    KT_CHECK(pthread_create(&t, NULL, return_tid, NULL) == 0, "pthread_create failed");
    void *value = NULL;
    KT_CHECK(pthread_join(t, &value) == 0, "pthread_join failed");
    long tid = (long)value;
    KT_CHECK(tid > 0 && tid != getpid(), "the thread's gettid() = %ld (pid %d)", tid, getpid());
    KT_CHECK(kt_sys(SYS_gettid) == getpid(), "the main thread's TID is not the PID");
}

static atomic_long shared_counter;

static void *add_many(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++)
        atomic_fetch_add(&shared_counter, 1);
    return NULL;
}

/* Eight threads at once, each adding 100,000 to one atomic counter. */
static void t_many_threads_atomic_sum(void)
{
    pthread_t t[8];
    atomic_store(&shared_counter, 0);
    for (int i = 0; i < 8; i++)
        KT_CHECK(pthread_create(&t[i], NULL, add_many, (void *)100000L) == 0, "pthread_create %d failed", i);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    KT_CHECK(atomic_load(&shared_counter) == 800000, "sum = %ld, want 800000", atomic_load(&shared_counter));
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long plain_counter;

static void *add_locked(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&lock);
        long v = plain_counter;
        if ((i & 63) == 0)
            sched_yield(); /* hold the lock across a switch now and then: contention, futex waits */
        plain_counter = v + 1;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

/* A mutex under contention (its slow path is FUTEX_WAIT/FUTEX_WAKE): no increment is lost. */
static void t_mutex_contention(void)
{
    pthread_t t[4];
    plain_counter = 0;
    for (int i = 0; i < 4; i++)
        KT_CHECK(pthread_create(&t[i], NULL, add_locked, (void *)20000L) == 0, "pthread_create failed");
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    KT_CHECK(plain_counter == 80000, "counter = %ld, want 80000", plain_counter);
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int queue_items, consumed;

static void *consumer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (consumed < 1000) {
        while (queue_items == 0)
            pthread_cond_wait(&cond, &lock);
        queue_items--;
        consumed++;
        pthread_cond_broadcast(&cond);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* A producer and a consumer hand over 1000 items through a condition variable (glibc's condvars use
 * FUTEX_WAIT_BITSET and FUTEX_WAKE). */
static void t_condvar_handover(void)
{
    pthread_t t;
    queue_items = consumed = 0;
    KT_CHECK(pthread_create(&t, NULL, consumer, NULL) == 0, "pthread_create failed");
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        while (queue_items >= 4)
            pthread_cond_wait(&cond, &lock);
        queue_items++;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    pthread_join(t, NULL);
    KT_CHECK(consumed == 1000 && queue_items == 0, "consumed %d, left %d", consumed, queue_items);
}

/* pthread_cond_timedwait with nobody signalling returns ETIMEDOUT, and not before the deadline. */
static void t_condvar_timeout(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    int r = pthread_cond_timedwait(&cond, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    KT_CHECK(r == ETIMEDOUT, "pthread_cond_timedwait = %d, want ETIMEDOUT", r);
    long late = (now.tv_sec - deadline.tv_sec) * 1000000000L + (now.tv_nsec - deadline.tv_nsec);
    KT_CHECK(late >= 0, "returned %ld ns before the deadline", -late);
}

static __thread int per_thread_value = 5;

static void *touch_tls(void *arg)
{
    per_thread_value += (int)(long)arg;
    return (void *)(long)per_thread_value;
}

/* __thread variables: every thread starts from the initial value and has its own copy. */
static void t_thread_local_storage(void)
{
    pthread_t a, b;
    per_thread_value = 100;
    pthread_create(&a, NULL, touch_tls, (void *)1L);
    pthread_create(&b, NULL, touch_tls, (void *)2L);
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    KT_CHECK((long)ra == 6 && (long)rb == 7, "threads saw %ld and %ld, want 6 and 7", (long)ra, (long)rb);
    KT_CHECK(per_thread_value == 100, "the main thread's copy changed to %d", per_thread_value);
}

/* Threads come and go: 300 create/join cycles. */
static void t_create_join_cycles(void)
{
    for (int i = 0; i < 300; i++) {
        pthread_t t;
        KT_CHECK(pthread_create(&t, NULL, return_tid, NULL) == 0, "pthread_create failed at cycle %d", i);
        KT_CHECK(pthread_join(t, NULL) == 0, "pthread_join failed at cycle %d", i);
    }
}

/* ---- raw futex ------------------------------------------------------------------------------------- */

static volatile int futex_word;
static volatile int waiter_result = 1;

static void *futex_waiter(void *arg)
{
    (void)arg;
    waiter_result = (int)kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL);
    return NULL;
}

/* FUTEX_WAIT sleeps while the word holds the value and FUTEX_WAKE wakes it (returning 1); a wrong value is
 * EAGAIN at once; a relative timeout ends in ETIMEDOUT; waking nobody returns 0. */
static void t_futex_wait_wake(void)
{
    futex_word = 0;
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, NULL), -EAGAIN);
    struct timespec t = {0, 10000000};
    long start = now_ns();
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &t), -ETIMEDOUT);
    KT_CHECK(now_ns() - start >= 10000000, "the 10 ms wait lasted %ld ns", now_ns() - start);
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1), 0);

    pthread_t w;
    waiter_result = 1;
    pthread_create(&w, NULL, futex_waiter, NULL);
    long woken = 0;
    for (int i = 0; i < 5000 && woken == 0; i++) {
        sleep_us(1000);
        woken = kt_sys(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1);
    }
    pthread_join(w, NULL);
    KT_CHECK(woken == 1, "FUTEX_WAKE woke %ld", woken);
    KT_CHECK(waiter_result == 0, "the waiter's FUTEX_WAIT = %s", kt_res(waiter_result));
}

static void *bitset_waiter(void *arg)
{
    (void)arg;
    waiter_result = (int)kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0x1);
    return NULL;
}

/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline (or CLOCK_REALTIME with the flag), and
 * FUTEX_WAKE_BITSET wakes only waiters whose bitset overlaps. */
static void t_futex_bitset(void)
{
    futex_word = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 5000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &deadline, NULL, FUTEX_BITSET_MATCH_ANY),
                 -ETIMEDOUT);
    struct timespec past = {1, 0};
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &past, NULL,
                        FUTEX_BITSET_MATCH_ANY),
                 -ETIMEDOUT);
    KT_CHECK_RES(kt_sys(SYS_futex, &futex_word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0), -EINVAL);

    pthread_t w;
    waiter_result = 1;
    pthread_create(&w, NULL, bitset_waiter, NULL);
    sleep_us(20000);
    long none = kt_sys(SYS_futex, &futex_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x2);
    long woken = 0;
    for (int i = 0; i < 5000 && woken == 0; i++) {
        woken = kt_sys(SYS_futex, &futex_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x1);
        if (woken == 0)
            sleep_us(1000);
    }
    pthread_join(w, NULL);
    KT_CHECK(none == 0, "a wake with a disjoint bitset woke %ld", none);
    KT_CHECK(woken == 1 && waiter_result == 0, "woken %ld, waiter got %s", woken, kt_res(waiter_result));
}

/* Bad futex arguments are errors: a misaligned word, an unmapped one, an unknown operation, the realtime
 * flag on FUTEX_WAKE. */
static void t_futex_errors(void)
{
    static int words[2];
    KT_CHECK_RES(kt_sys(SYS_futex, (char *)words + 1, FUTEX_WAIT_PRIVATE, 0, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_futex, 8, FUTEX_WAIT, 0, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_futex, words, 99, 0, NULL), -ENOSYS);
    KT_CHECK_RES(kt_sys(SYS_futex, words, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1), -ENOSYS);
    struct timespec bad = {0, 2000000000};
    KT_CHECK_RES(kt_sys(SYS_futex, words, FUTEX_WAIT_PRIVATE, 0, &bad), -EINVAL);
}

/* FUTEX_CMP_REQUEUE: with the wrong value EAGAIN; otherwise wakes some and moves the rest to the second
 * word, where a wake on that word finds them. */
static volatile int requeue_from, requeue_to;
static atomic_int requeue_done;

static void *requeue_waiter(void *arg)
{
    (void)arg;
    kt_sys(SYS_futex, &requeue_from, FUTEX_WAIT_PRIVATE, 0, NULL);
    atomic_fetch_add(&requeue_done, 1);
    return NULL;
}

static void t_futex_requeue(void)
{
    requeue_from = requeue_to = 0;
    atomic_store(&requeue_done, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, requeue_waiter, NULL);
    sleep_us(30000);
    KT_CHECK_RES(kt_sys(SYS_futex, &requeue_from, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &requeue_to, 7), -EAGAIN);
    long r = kt_sys(SYS_futex, &requeue_from, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &requeue_to, 0);
    long moved_woken = 0;
    for (int i = 0; i < 2000 && atomic_load(&requeue_done) < 3; i++) {
        moved_woken += kt_sys(SYS_futex, &requeue_to, FUTEX_WAKE_PRIVATE, 2);
        sleep_us(1000);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    KT_CHECK(r == 3, "FUTEX_CMP_REQUEUE = %s, want 3 (1 woken + 2 moved)", kt_res(r));
    KT_CHECK(moved_woken == 2, "wakes on the second word found %ld, want 2", moved_woken);
}

/* ---- signals and threads --------------------------------------------------------------------------- */

static volatile long handler_tid;
static volatile int handler_si_pid;

static void record_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    handler_tid = kt_sys(SYS_gettid);
    handler_si_pid = si->si_pid;
}

static volatile int thread_tid;
static volatile int stop_thread;

static void *wait_for_signal(void *arg)
{
    (void)arg;
    thread_tid = (int)kt_sys(SYS_gettid);
    while (!stop_thread && handler_tid == 0)
        sleep_us(1000);
    return NULL;
}

/* tgkill(pid, tid, sig) runs the handler in that thread, with si_pid the sender's process ID. */
static void t_tgkill_reaches_the_thread(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    handler_tid = 0;
    thread_tid = 0;
    stop_thread = 0;
    pthread_t t;
    pthread_create(&t, NULL, wait_for_signal, NULL);
    while (thread_tid == 0)
        sleep_us(1000);
    long r = kt_sys(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
    for (int i = 0; i < 3000 && handler_tid == 0; i++)
        sleep_us(1000);
    stop_thread = 1;
    pthread_join(t, NULL);
    KT_CHECK(r == 0, "tgkill = %s", kt_res(r));
    KT_CHECK(handler_tid == thread_tid, "the handler ran in thread %ld, want %d", handler_tid, thread_tid);
    KT_CHECK(handler_si_pid == getpid(), "si_pid = %d, want %d", handler_si_pid, getpid());
    KT_CHECK_RES(kt_sys(SYS_tgkill, getpid(), 0x7ffffff0, SIGUSR1), -ESRCH);
    KT_CHECK_RES(kt_sys(SYS_tgkill, getpid() + 0x100000, thread_tid, 0), -ESRCH);
}

/* kill(getpid()) while the main thread blocks the signal: a thread that does not block it takes it. */
static void t_process_signal_goes_to_unblocking_thread(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    handler_tid = 0;
    thread_tid = 0;
    stop_thread = 0;
    pthread_t t;
    pthread_create(&t, NULL, wait_for_signal, NULL);
    while (thread_tid == 0)
        sleep_us(1000);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 3000 && handler_tid == 0; i++)
        sleep_us(1000);
    stop_thread = 1;
    pthread_join(t, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    KT_CHECK(handler_tid == thread_tid, "the handler ran in %ld, want the thread %d", handler_tid, thread_tid);
}

/* ---- ends: exit, exit_group, execve, fork ---------------------------------------------------------- */

static void *exit_thread_only(void *arg)
{
    (void)arg;
    kt_sys(SYS_exit, 3); /* this thread only; the process goes on */
    return NULL;
}

static void *exit_whole_process(void *arg)
{
    (void)arg;
    sleep_us(10000);
    kt_sys(SYS_exit_group, 7);
    return NULL;
}

static void exit_group_child(void *arg)
{
    (void)arg;
    pthread_t a, b;
    pthread_create(&a, NULL, exit_thread_only, NULL);
    pthread_join(a, NULL);
    pthread_create(&b, NULL, exit_whole_process, NULL);
    for (;;)
        pause(); /* exit_group from the other thread ends this one too */
}

/* exit(2) ends one thread and the process goes on; exit_group(2) from a thread ends all of them, and the
 * parent sees its status. */
static void t_exit_and_exit_group(void)
{
    int status = kt_run_in_child(exit_group_child, NULL);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child status %s, want exit 7", kt_status(status));
}

static void *exec_from_thread(void *arg)
{
    (void)arg;
    char *argv[] = {(char *)self_path, "--exec-probe", NULL};
    char *envp[] = {NULL};
    execve(self_path, argv, envp);
    _exit(99);
}

static void exec_child(void *arg)
{
    (void)arg;
    pthread_t t, idle;
    pthread_create(&idle, NULL, wait_for_signal, NULL);
    pthread_create(&t, NULL, exec_from_thread, NULL);
    for (;;)
        pause();
}

/* execve(2) from a thread while two others run: they are gone, and the new program runs with the
 * process's ID as its thread ID (the probe exits 42 if getpid() == gettid()). */
static void t_execve_from_thread(void)
{
    stop_thread = 0;
    handler_tid = 0;
    int status = kt_run_in_child(exec_child, NULL);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "child status %s, want exit 42", kt_status(status));
}

static volatile int fork_child_status = -1;

static void *fork_in_thread(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        _exit(kt_sys(SYS_gettid) == kt_sys(SYS_getpid) ? 3 : 4);
    int status = 0;
    waitpid(pid, &status, 0);
    fork_child_status = status;
    return NULL;
}

/* fork(2) from a thread: the child is a process of one thread, whose TID is its PID. */
static void t_fork_from_thread(void)
{
    pthread_t t;
    fork_child_status = -1;
    pthread_create(&t, NULL, fork_in_thread, NULL);
    pthread_join(t, NULL);
    KT_CHECK(WIFEXITED(fork_child_status) && WEXITSTATUS(fork_child_status) == 3, "child status %s, want 3",
             kt_status(fork_child_status));
}

/* ---- CPUs ------------------------------------------------------------------------------------------ */

struct pin {
    int cpu;
    int seen_cpu;
    int mask_ok;
};

static void *pin_and_report(void *arg)
{
    struct pin *p = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(p->cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return NULL;
    sched_yield();
    p->seen_cpu = sched_getcpu();
    cpu_set_t now;
    CPU_ZERO(&now);
    sched_getaffinity(0, sizeof now, &now);
    p->mask_ok = CPU_COUNT(&now) == 1 && CPU_ISSET(p->cpu, &now);
    return NULL;
}

/* One thread per CPU, each pinned with sched_setaffinity: each runs on its CPU and reads its mask back. */
static void t_affinity_per_thread(void)
{
    int n = cpu_count();
    if (n > 8)
        n = 8;
    struct pin pins[8];
    pthread_t t[8];
    for (int i = 0; i < n; i++) {
        pins[i] = (struct pin){i, -1, 0};
        pthread_create(&t[i], NULL, pin_and_report, &pins[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < n; i++) {
        KT_CHECK(pins[i].seen_cpu == i, "the thread pinned to CPU %d ran on %d", i, pins[i].seen_cpu);
        KT_CHECK(pins[i].mask_ok, "sched_getaffinity in the thread pinned to %d", i);
    }
}

static void membarrier_unregistered(void *arg)
{
    (void)arg;
    _exit(kt_sys(SYS_membarrier, 8, 0, 0) == -EPERM ? 0 : 1);
}

/* membarrier(2): QUERY lists the private expedited command, which needs registration first (EPERM in a
 * process that did not register: checked in a child forked before this process registers). */
static void t_membarrier_private_expedited(void)
{
    long query = kt_sys(SYS_membarrier, 0, 0, 0);
    KT_CHECK(query > 0 && (query & 8) && (query & 16), "MEMBARRIER_CMD_QUERY = %s", kt_res(query));
    int status = kt_run_in_child(membarrier_unregistered, NULL);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unregistered MEMBARRIER_CMD_PRIVATE_EXPEDITED was not EPERM");
    KT_CHECK_RES(kt_sys(SYS_membarrier, 16, 0, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_membarrier, 8, 0, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_membarrier, 8, 1, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_membarrier, 1 << 20, 0, 0), -EINVAL);
}

static volatile int *tlb_page;
static volatile long tlb_reads;
static volatile int tlb_faulted;
static sigjmp_buf tlb_jump;

static void tlb_segv(int sig)
{
    (void)sig;
    siglongjmp(tlb_jump, 1);
}

static void *tlb_reader(void *arg)
{
    int cpu = (int)(long)arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
    if (sigsetjmp(tlb_jump, 1)) {
        tlb_faulted = 1;
        return NULL;
    }
    for (;;) {
        (void)*tlb_page;
        tlb_reads++;
    }
}

/* A thread on another CPU reads a page in a loop; once mprotect(PROT_NONE) returns, its very next read
 * faults (at most the one read in flight completes): the other CPU's TLB entry was shot down. */
static void t_mprotect_reaches_other_cpus(void)
{
    int n = cpu_count();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
    tlb_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(tlb_page != MAP_FAILED, "mmap failed");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tlb_segv;
    sigaction(SIGSEGV, &sa, NULL);
    tlb_reads = 0;
    tlb_faulted = 0;
    pthread_t t;
    pthread_create(&t, NULL, tlb_reader, (void *)(long)(n > 1 ? 1 : 0));
    for (int i = 0; i < 5000 && tlb_reads < 10000; i++)
        sleep_us(1000);
    long before = tlb_reads;
    mprotect((void *)tlb_page, 4096, PROT_NONE);
    long at_return = tlb_reads;
    for (int i = 0; i < 3000 && !tlb_faulted; i++)
        sleep_us(1000);
    int faulted = tlb_faulted;
    long after = tlb_reads;
    if (!faulted) {
        /* Do not leave it spinning: make the page fault by unmapping it. */
        munmap((void *)tlb_page, 4096);
        for (int i = 0; i < 3000 && !tlb_faulted; i++)
            sleep_us(1000);
    }
    pthread_join(t, NULL);
    CPU_ZERO(&set);
    for (int i = 0; i < n; i++)
        CPU_SET(i, &set);
    sched_setaffinity(0, sizeof set, &set);
    munmap((void *)tlb_page, 4096);
    KT_CHECK(before >= 10000, "the reader made only %ld reads before", before);
    KT_CHECK(faulted, "the reader did not fault after mprotect(PROT_NONE) (%ld reads after it returned)",
             after - at_return);
    KT_CHECK(after - at_return <= 1, "%ld reads succeeded after mprotect returned", after - at_return);
}

static const struct kt_case cases[] = {
    KT_CASE(raw_clone_thread),
    KT_CASE(raw_clone3_thread),
    KT_CASE(clone_argument_errors),
    KT_CASE(pthread_create_join),
    KT_CASE(many_threads_atomic_sum),
    KT_CASE(mutex_contention),
    KT_CASE(condvar_handover),
    KT_CASE(condvar_timeout),
    KT_CASE(thread_local_storage),
    KT_CASE(create_join_cycles),
    KT_CASE(futex_wait_wake),
    KT_CASE(futex_bitset),
    KT_CASE(futex_errors),
    KT_CASE(futex_requeue),
    KT_CASE(tgkill_reaches_the_thread),
    KT_CASE(process_signal_goes_to_unblocking_thread),
    KT_CASE(exit_and_exit_group),
    KT_CASE(execve_from_thread),
    KT_CASE(fork_from_thread),
    KT_CASE(affinity_per_thread),
    KT_CASE(membarrier_private_expedited),
    KT_CASE(mprotect_reaches_other_cpus),
};

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc > 1 && strcmp(argv[1], "--exec-probe") == 0)
        return kt_sys(SYS_gettid) == kt_sys(SYS_getpid) ? 42 : 43;
    return kt_main("threads", cases, KT_COUNT(cases), argc, argv);
}
