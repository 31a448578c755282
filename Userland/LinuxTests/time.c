/*
 * time: clock_gettime(2), gettimeofday(2), nanosleep(2), clock_nanosleep(2).
 * All calls are raw: glibc would answer clock_gettime and gettimeofday from the vDSO on Linux without
 * entering the kernel, and its clock_nanosleep returns the error number instead of -1/errno.
 */
#include "ktest.h"

#include <time.h>
#include <sys/time.h>

#define NS_PER_S 1000000000LL
#define EPOCH_2020 1577836800LL /* 2020-01-01T00:00:00Z */

static long long ns_of(const struct timespec *t) { return (long long)t->tv_sec * NS_PER_S + t->tv_nsec; }

static long long now_ns(clockid_t clock)
{
    struct timespec t;
    if (kt_sys(SYS_clock_gettime, clock, &t) != 0)
        return -1;
    return ns_of(&t);
}

static int normalized(const struct timespec *t) { return t->tv_nsec >= 0 && t->tv_nsec < NS_PER_S && t->tv_sec >= 0; }

/* CLOCK_REALTIME is wall-clock time: after 2020, nanoseconds normalized. */
static void t_clock_gettime_realtime(void)
{
    struct timespec t = {-1, -1};
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_REALTIME, &t), 0);
    KT_CHECK(normalized(&t), "tv_sec %lld tv_nsec %ld not normalized", (long long)t.tv_sec, t.tv_nsec);
    KT_CHECK(t.tv_sec >= EPOCH_2020, "CLOCK_REALTIME says %lld s since 1970, before 2020", (long long)t.tv_sec);
}

/* CLOCK_MONOTONIC never goes back, over many reads, and it advances. */
static void t_clock_gettime_monotonic(void)
{
    struct timespec prev, t;
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, &prev), 0);
    long long first = ns_of(&prev);
    for (int i = 0; i < 20000; i++) {
        KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, &t), 0);
        KT_CHECK(normalized(&t), "read %d: tv_nsec %ld", i, t.tv_nsec);
        KT_CHECK(ns_of(&t) >= ns_of(&prev), "read %d went back from %lld to %lld ns", i, ns_of(&prev), ns_of(&t));
        prev = t;
    }
    KT_CHECK(ns_of(&t) > first, "20000 reads of CLOCK_MONOTONIC all gave %lld", first);
}

/* CLOCK_PROCESS_CPUTIME_ID works (not ENOSYS), grows while the process computes, and no faster than the
 * wall clock. */
static void t_clock_gettime_process_cputime(void)
{
    struct timespec t;
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &t), 0);
    KT_CHECK(normalized(&t), "tv_nsec %ld", t.tv_nsec);
    long long cpu0 = ns_of(&t), wall0 = now_ns(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;
    while (now_ns(CLOCK_MONOTONIC) - wall0 < 20 * 1000000LL)
        for (int i = 0; i < 1000; i++)
            x += (unsigned long)i;
    long long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = now_ns(CLOCK_MONOTONIC) - wall0;
    KT_CHECK(cpu > 0, "20 ms of computing added %lld ns of CPU time", cpu);
    KT_CHECK(cpu <= wall + 2000000, "CPU time %lld ns exceeds the elapsed %lld ns", cpu, wall);
}

/* clock_gettime errors: an unknown clock is EINVAL, a bad pointer EFAULT. */
static void t_clock_gettime_errors(void)
{
    struct timespec t;
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, 100, &t), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_REALTIME, KT_KERNEL_TEXT), -EFAULT);
}

/* gettimeofday(2): microseconds normalized, within a second of CLOCK_REALTIME; both pointers may be NULL;
 * the time zone is filled. */
static void t_gettimeofday(void)
{
    struct timeval tv = {-1, -1};
    struct timezone tz = {-1, -1};
    KT_CHECK_RES(kt_sys(SYS_gettimeofday, &tv, &tz), 0);
    KT_CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec %ld", (long)tv.tv_usec);
    long long rt = now_ns(CLOCK_REALTIME) / NS_PER_S;
    KT_CHECK(tv.tv_sec >= rt - 1 && tv.tv_sec <= rt + 1, "gettimeofday %lld s, CLOCK_REALTIME %lld s",
             (long long)tv.tv_sec, rt);
    KT_CHECK(tz.tz_minuteswest != -1 && tz.tz_dsttime != -1, "timezone not filled");
    KT_CHECK_RES(kt_sys(SYS_gettimeofday, NULL, NULL), 0);
    KT_CHECK_RES(kt_sys(SYS_gettimeofday, KT_KERNEL_HALF, NULL), -EFAULT);
}

/* nanosleep(2) for 10 ms takes at least 10 ms of CLOCK_MONOTONIC (and not absurdly long). */
static void t_nanosleep_at_least(void)
{
    struct timespec req = {0, 10 * 1000000};
    long long t0 = now_ns(CLOCK_MONOTONIC);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, &req, NULL), 0);
    long long slept = now_ns(CLOCK_MONOTONIC) - t0;
    KT_CHECK(slept >= 10 * 1000000LL, "nanosleep(10 ms) returned after %lld ns", slept);
    KT_CHECK(slept < 5 * NS_PER_S, "nanosleep(10 ms) took %lld ns", slept);
}

/* A zero-length nanosleep returns 0 at once. */
static void t_nanosleep_zero(void)
{
    struct timespec req = {0, 0};
    long long t0 = now_ns(CLOCK_MONOTONIC);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, &req, NULL), 0);
    KT_CHECK(now_ns(CLOCK_MONOTONIC) - t0 < NS_PER_S, "nanosleep(0) took a second or more");
}

/* nanosleep errors: tv_nsec outside [0, 999999999] or a negative tv_sec is EINVAL; a bad pointer EFAULT. */
static void t_nanosleep_errors(void)
{
    static const struct timespec nsec_too_big = {0, NS_PER_S}, nsec_negative = {0, -1}, sec_negative = {-1, 0};
    KT_CHECK_RES(kt_sys(SYS_nanosleep, &nsec_too_big, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, &nsec_negative, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, &sec_negative, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, NULL, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_nanosleep, KT_KERNEL_HALF, NULL), -EFAULT);
}

/* clock_nanosleep(2) relative, on CLOCK_MONOTONIC and CLOCK_REALTIME: at least the time asked for. */
static void t_clock_nanosleep_relative(void)
{
    static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    for (int i = 0; i < 2; i++) {
        struct timespec req = {0, 10 * 1000000};
        long long t0 = now_ns(clocks[i]);
        KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, clocks[i], 0, &req, NULL), 0);
        long long slept = now_ns(clocks[i]) - t0;
        KT_CHECK(slept >= 10 * 1000000LL && slept < 5 * NS_PER_S, "clock %d: 10 ms sleep measured %lld ns",
                 (int)clocks[i], slept);
    }
}

/* TIMER_ABSTIME sleeps until the deadline; a deadline in the past returns at once. */
static void t_clock_nanosleep_absolute(void)
{
    struct timespec deadline;
    KT_CHECK_RES(kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, &deadline), 0);
    deadline.tv_nsec += 10 * 1000000;
    if (deadline.tv_nsec >= NS_PER_S)
        deadline.tv_sec++, deadline.tv_nsec -= NS_PER_S;
    KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0);
    long long after = now_ns(CLOCK_MONOTONIC);
    KT_CHECK(after >= ns_of(&deadline), "woke %lld ns before the deadline", ns_of(&deadline) - after);
    struct timespec past = {1, 0};
    KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
    KT_CHECK(now_ns(CLOCK_MONOTONIC) - after < NS_PER_S, "a past deadline slept a second or more");
}

/* clock_nanosleep errors, returned raw as -errno: an unknown clock or bad tv_nsec is EINVAL; a bad pointer
 * EFAULT; the thread CPU clock cannot be slept on (Linux says EOPNOTSUPP, older man pages EINVAL). */
static void t_clock_nanosleep_errors(void)
{
    static const struct timespec ok = {0, 1000}, nsec_too_big = {0, NS_PER_S};
    KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, 100, 0, &ok, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &nsec_too_big, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL), -EFAULT);
    long r = kt_sys(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ok, NULL);
    KT_CHECK(r == -EOPNOTSUPP || r == -EINVAL, "sleeping on CLOCK_THREAD_CPUTIME_ID = %s, want -EOPNOTSUPP or -EINVAL",
             kt_res(r));
}

static void on_signal(int sig) { (void)sig; }

/* A handled signal interrupts nanosleep: EINTR, and the remaining time is written to rem. A child sends
 * SIGUSR1 every 5 ms. */
static void t_nanosleep_interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART (nanosleep is never restarted after a handler anyway) */
    sigaction(SIGUSR1, &sa, NULL);
    long parent = kt_sys(SYS_getpid);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        for (int i = 0; i < 2000; i++) {
            struct timespec ts = {0, 5000000};
            kt_sys(SYS_nanosleep, &ts, NULL);
            kt_sys(SYS_kill, parent, SIGUSR1);
        }
        _exit(0);
    }
    struct timespec req = {2, 0}, rem = {-1, -1};
    long long t0 = now_ns(CLOCK_MONOTONIC);
    long r = kt_sys(SYS_nanosleep, &req, &rem);
    long long slept = now_ns(CLOCK_MONOTONIC) - t0;
    kt_sys(SYS_kill, pid, SIGKILL);
    int status;
    kt_reap(pid, &status);
    KT_CHECK(r == -EINTR, "nanosleep(2 s) with signals arriving = %s after %lld ns, want -EINTR", kt_res(r), slept);
    KT_CHECK(normalized(&rem) && ns_of(&rem) > 0 && ns_of(&rem) <= 2 * NS_PER_S,
             "rem = %lld s %ld ns, want the time left of 2 s", (long long)rem.tv_sec, rem.tv_nsec);
    KT_CHECK(ns_of(&rem) + slept >= 2 * NS_PER_S - 50000000LL, "rem %lld ns + slept %lld ns is far from 2 s",
             ns_of(&rem), slept);
}

static const struct kt_case cases[] = {
    KT_CASE(clock_gettime_realtime),
    KT_CASE(clock_gettime_monotonic),
    KT_CASE(clock_gettime_process_cputime),
    KT_CASE(clock_gettime_errors),
    KT_CASE(gettimeofday),
    KT_CASE(nanosleep_at_least),
    KT_CASE(nanosleep_zero),
    KT_CASE(nanosleep_errors),
    KT_CASE(clock_nanosleep_relative),
    KT_CASE(clock_nanosleep_absolute),
    KT_CASE(clock_nanosleep_errors),
    KT_CASE(nanosleep_interrupted),
};

int main(int argc, char **argv) { return kt_main("time", cases, KT_COUNT(cases), argc, argv); }
