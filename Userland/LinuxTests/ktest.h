/*
 * ktest.h: the tiny KTAP reporter shared by the Linux ABI test programs in this folder.
 *
 * Each program is a table of cases. The runner prints "KTAP version 1", the plan "1..N", then one line per
 * case: "ok N family.case" or "not ok N family.case # reason" (Documentation/dev-tools/ktap.rst in Linux),
 * and exits 0 only if every case passed. `prog PREFIX` runs only the cases whose name starts with PREFIX.
 *
 * Output goes straight to fd 1 with one write(2) per line: no stdio buffers that a fork could duplicate,
 * and a line is never interleaved with a child's. Between cases the runner puts the process back as it was:
 * it kills and reaps children the case left behind, closes stray fds, unlinks registered /tmp files,
 * restores every signal disposition, the signal mask and the working directory. So a case that fails half
 * way (each check returns from the case on failure) cannot disturb the next one.
 *
 * kt_sys(nr, args...) is the raw system call: it returns what the kernel returned (-errno on failure),
 * without glibc in between (no errno, no cached values, no vDSO).
 */
#ifndef KTEST_H
#define KTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- raw system calls ------------------------------------------------------------------------------- */

static inline long kt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    /* The syscall instruction clobbers rcx (return address) and r11 (rflags); the kernel keeps the rest. */
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define kt_sys_(nr, a1, a2, a3, a4, a5, a6, ...) \
    kt_syscall6((long)(nr), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), (long)(a6))
#define kt_sys(...) kt_sys_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* Addresses no user access may reach: the kernel half (where Kitten and Linux live), and non-canonical. */
#define KT_KERNEL_TEXT ((uintptr_t)0xffffffff80000000ull)
#define KT_KERNEL_HALF ((uintptr_t)0xffff800000000000ull)
#define KT_NONCANONICAL ((uintptr_t)0x0000800000000000ull)

/* Reads or writes one byte at a raw address. The pointer goes through a volatile variable so that the
 * compiler neither sees a constant address (it would warn, or for NULL emit a trap instruction instead of
 * the access) nor leaves the access out. */
static inline void kt_poke(uintptr_t addr, int write)
{
    volatile unsigned char *volatile p = (volatile unsigned char *)addr;
    if (write)
        *p = 1;
    else
        (void)*p;
}

/* ---- formatting helpers ---------------------------------------------------------------------------- */

static char kt_fmt_bufs[8][64];
static unsigned kt_fmt_next;

static inline char *kt_fmt_buf(void) { return kt_fmt_bufs[kt_fmt_next++ % 8]; }

/* "ENOENT" for 2; "E999" for numbers glibc does not name. */
static inline const char *kt_errname(int e)
{
    const char *name = strerrorname_np(e);
    if (name)
        return name;
    char *b = kt_fmt_buf();
    snprintf(b, 64, "E%d", e);
    return b;
}

/* A raw result as a reader wants it: "-EBADF" for -9, "3" for 3, "0x7f..." for addresses. */
static inline const char *kt_res(long r)
{
    char *b = kt_fmt_buf();
    if (r < 0 && r >= -4095)
        snprintf(b, 64, "-%s", kt_errname((int)-r));
    else if (r > 0xffffff || r < -4095)
        snprintf(b, 64, "%#lx", (unsigned long)r);
    else
        snprintf(b, 64, "%ld", r);
    return b;
}

/* errno after a glibc call, as "ENOENT (No such file or directory)". */
static inline const char *kt_errno(void)
{
    char *b = kt_fmt_buf();
    snprintf(b, 64, "%s (%s)", kt_errname(errno), strerror(errno));
    return b;
}

/* A wait status in words: "exited 3", "killed by SIGSEGV". */
static inline const char *kt_status(int status)
{
    char *b = kt_fmt_buf();
    if (WIFEXITED(status))
        snprintf(b, 64, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status) && sigabbrev_np(WTERMSIG(status)))
        snprintf(b, 64, "killed by SIG%s%s", sigabbrev_np(WTERMSIG(status)), WCOREDUMP(status) ? " (core dumped)" : "");
    else if (WIFSIGNALED(status))
        snprintf(b, 64, "killed by signal %d%s", WTERMSIG(status), WCOREDUMP(status) ? " (core dumped)" : "");
    else
        snprintf(b, 64, "status %#x", status);
    return b;
}

/* ---- reporting --------------------------------------------------------------------------------------- */

static inline void kt_write_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void kt_write_line(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    for (int off = 0; off < n;) {
        long w = kt_sys(SYS_write, 1, line + off, n - off);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            return;
        off += (int)w;
    }
}

static int kt_failed_now; /* the current case failed */
static char kt_reason[512];
static int kt_skipped_now;

/* Records the failure of the current case; the first reason wins. Use through KT_CHECK. */
static inline void kt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void kt_fail(const char *fmt, ...)
{
    if (kt_failed_now)
        return;
    kt_failed_now = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kt_reason, sizeof kt_reason, fmt, ap);
    va_end(ap);
    for (char *p = kt_reason; *p; p++) /* a reason is one line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static inline void kt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void kt_skip(const char *fmt, ...)
{
    kt_skipped_now = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kt_reason, sizeof kt_reason, fmt, ap);
    va_end(ap);
}

/* Fails the case and returns from it when COND is false. */
#define KT_CHECK(cond, ...)         \
    do {                            \
        if (!(cond)) {              \
            kt_fail(__VA_ARGS__);   \
            return;                 \
        }                           \
    } while (0)

/* Checks a raw result against the wanted one, naming the call in the reason: "close(-1) = 0, want -EBADF". */
#define KT_CHECK_RES(expr, want)                                                                    \
    do {                                                                                            \
        long kt_got_ = (long)(expr), kt_want_ = (long)(want);                                       \
        KT_CHECK(kt_got_ == kt_want_, "%s = %s, want %s", #expr, kt_res(kt_got_), kt_res(kt_want_)); \
    } while (0)

/* ---- per-case hygiene ------------------------------------------------------------------------------ */

#define KT_MAX_TRACKED 64
static pid_t kt_children[KT_MAX_TRACKED];
static char kt_paths[16][128];
static int kt_npaths;
static unsigned char kt_fd_open_at_start[256];
static char kt_start_cwd[4096];
static struct {
    unsigned long handler, flags, restorer, mask;
} kt_start_actions[65];
static uint64_t kt_start_mask;

/* A scratch path "/tmp/kt-<family>-<pid>-<tag>", unlinked after the case. */
static const char *kt_family;
static inline const char *kt_tmp_path(const char *tag)
{
    if (kt_npaths == 16)
        return "/tmp/kt-too-many-paths";
    char *p = kt_paths[kt_npaths++];
    snprintf(p, sizeof kt_paths[0], "/tmp/kt-%s-%d-%s", kt_family, (int)getpid(), tag);
    return p;
}

static inline void kt_track_child(pid_t pid)
{
    for (int i = 0; i < KT_MAX_TRACKED; i++)
        if (kt_children[i] == 0) {
            kt_children[i] = pid;
            return;
        }
}

static inline void kt_untrack_child(pid_t pid)
{
    for (int i = 0; i < KT_MAX_TRACKED; i++)
        if (kt_children[i] == pid)
            kt_children[i] = 0;
}

/* fork() that the runner remembers: a child the case forgot is killed and reaped after it. */
static inline pid_t kt_fork(void)
{
    pid_t pid = fork();
    if (pid > 0)
        kt_track_child(pid);
    return pid;
}

/* waitpid() for a tracked child, retried on EINTR; returns the pid or -errno. */
static inline long kt_reap(pid_t pid, int *status)
{
    long r;
    do
        r = kt_sys(SYS_wait4, pid, status, 0, NULL);
    while (r == -EINTR);
    if (r == pid)
        kt_untrack_child(pid);
    return r;
}

/* Runs fn(arg) in a child that cannot dump core, and returns the child's wait status (-1 if fork failed). */
static inline int kt_run_in_child(void (*fn)(void *), void *arg)
{
    pid_t pid = kt_fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); /* no core files from the crashes we cause on purpose */
        fn(arg);
        _exit(0);
    }
    int status = 0;
    if (kt_reap(pid, &status) != pid)
        return -1;
    return status;
}

static inline void kt_snapshot(void)
{
    for (int fd = 0; fd < 256; fd++)
        kt_fd_open_at_start[fd] = kt_sys(SYS_fcntl, fd, F_GETFD) >= 0;
    if (kt_sys(SYS_getcwd, kt_start_cwd, sizeof kt_start_cwd) < 0)
        kt_start_cwd[0] = 0;
    for (int sig = 1; sig <= 64; sig++)
        kt_sys(SYS_rt_sigaction, sig, NULL, &kt_start_actions[sig], 8);
    kt_sys(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &kt_start_mask, 8);
}

static inline void kt_restore(void)
{
    for (int i = 0; i < KT_MAX_TRACKED; i++)
        if (kt_children[i] > 0) {
            kt_sys(SYS_kill, kt_children[i], SIGKILL);
            kt_sys(SYS_wait4, kt_children[i], NULL, 0, NULL);
            kt_children[i] = 0;
        }
    for (int fd = 0; fd < 256; fd++)
        if (!kt_fd_open_at_start[fd])
            kt_sys(SYS_close, fd);
    for (int i = 0; i < kt_npaths; i++)
        kt_sys(SYS_unlink, kt_paths[i]); /* the kernel may lack unlink: nothing to do about it then */
    kt_npaths = 0;
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            kt_sys(SYS_rt_sigaction, sig, &kt_start_actions[sig], NULL, 8);
    kt_sys(SYS_rt_sigprocmask, SIG_SETMASK, &kt_start_mask, NULL, 8);
    if (kt_start_cwd[0])
        kt_sys(SYS_chdir, kt_start_cwd);
}

/* ---- the runner ------------------------------------------------------------------------------------ */

struct kt_case {
    const char *name;
    void (*run)(void);
};
#define KT_CASE(name) {#name, t_##name}
#define KT_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static inline int kt_main(const char *family, const struct kt_case *cases, int count, int argc, char **argv)
{
    kt_family = family;
    const char *prefix = argc > 1 ? argv[1] : "";
    size_t family_len = strlen(family);
    if (strncmp(prefix, family, family_len) == 0 && prefix[family_len] == '.')
        prefix += family_len + 1;

    int planned = 0;
    for (int i = 0; i < count; i++)
        planned += strncmp(cases[i].name, prefix, strlen(prefix)) == 0;
    kt_write_line("KTAP version 1");
    kt_write_line("1..%d", planned);

    kt_snapshot();
    int number = 0, failed = 0;
    for (int i = 0; i < count; i++) {
        if (strncmp(cases[i].name, prefix, strlen(prefix)) != 0)
            continue;
        kt_failed_now = kt_skipped_now = 0;
        kt_reason[0] = 0;
        cases[i].run();
        kt_restore();
        number++;
        if (kt_failed_now) {
            failed++;
            kt_write_line("not ok %d %s.%s # %s", number, family, cases[i].name, kt_reason);
        } else if (kt_skipped_now) {
            kt_write_line("ok %d %s.%s # SKIP %s", number, family, cases[i].name, kt_reason);
        } else {
            kt_write_line("ok %d %s.%s", number, family, cases[i].name);
        }
    }
    kt_write_line("# %s: %d passed, %d failed", family, number - failed, failed);
    return failed == 0 && number == planned && planned > 0 ? 0 : 1;
}

#endif
