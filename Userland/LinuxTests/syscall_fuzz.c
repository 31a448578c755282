/*
 * syscall_fuzz: a ring-3 system call fuzzer. Every result must be >= 0 or a valid -errno in [-4095, -1];
 * anything else is a bad result. (An mmap or brk address is positive: a kernel address would be negative
 * and is caught the same way.)
 *
 *   syscall_fuzz [COUNT [SEED]]      COUNT random calls (default 100000), SEED (default 1)
 *
 * Phase 1 ("systematic") makes, for every system call in the table, a call with typical arguments and then
 * one call per argument per boundary value: the values of that argument's kind (fds, buffers, lengths,
 * flags, addresses, signals, ...) and the generic ones: 0, 1, -1, INT_MAX, INT_MIN, UINT_MAX, 2^40,
 * LONG_MAX, LONG_MIN, an unmapped page, 0xffff800000000000, 0xffffffff80000000, 0x0000800000000000 and a
 * misaligned pointer. Phase 2 ("random") makes COUNT calls chosen by a seeded generator: call i depends
 * only on (SEED, i), so a run is reproducible and a restarted child picks up at the same place.
 *
 * The calls run in a child process (the parent only counts). The child must not destroy itself, nor
 * anything outside it, so some arguments are neutered ("sanitize" below); the rules:
 *  - its own fds 0-2 are closed (never the terminal, never a blocking stdin); a read or write on a pipe
 *    first makes the pipe non-blocking; the report pipe to the parent sits at fd 200 and no call gets it;
 *  - memory calls (mmap MAP_FIXED, munmap, mprotect, madvise, mremap) act only inside a 1 MiB sandbox
 *    mapping between two guard areas, unless the address is deliberately invalid (kernel half or
 *    non-canonical); the kernel writes only into the sandbox, or to invalid or read-only addresses; brk
 *    moves only above the break the child started with; MAP_LOCKED is dropped and MAP_POPULATE too for
 *    more than 1 MiB; MADV_HWPOISON, MADV_SOFT_OFFLINE and the guard-region advice are never given;
 *  - structures the kernel reads and acts on (timespecs, sigactions, iovecs, argv, paths that may create
 *    files, new rlimits) come from a read-only fixture area, or are invalid pointers; sleeps last at most
 *    a microsecond; wait4 and waitid always have WNOHANG, flock LOCK_NB; prlimit64 never sets a limit;
 *  - kill and tgkill reach only the child itself (with signals it handles) or no process at all, and the
 *    parent only with signal 0; SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP and SIGSYS keep their default
 *    action; handlers are a no-op function or SIG_IGN, always with SA_RESTORER, never SA_RESETHAND;
 *  - execve only gets paths that cannot run (a directory, a missing file, a text file with mode 0700),
 *    so it always returns; open creates only /tmp/kt-fuzz-* files; chdir goes only to /tmp;
 *  - ioctl, fcntl and madvise commands come from lists (valid ones plus unknown numbers): a random ioctl
 *    could freeze a host file system (FIFREEZE), a random fcntl could block (F_SETLKW);
 *  - fork and vfork run through a stub whose child calls exit(0) at once, without touching the stack;
 *    the parent reaps it;
 *  - exit, exit_group and rt_sigreturn run in a grandchild: exit must give its status, rt_sigreturn gets
 *    a hand-made signal frame (with boundary values in rip, rsp, eflags, cs/ss, fpstate, the frame
 *    pointer) and must either resume it (the frame exits 42) or kill the grandchild with a signal;
 *    a frame that grants port I/O (exit 43) or a sigreturn returning a non-errno (exit 45) is bad;
 *  - every 32 calls the child tidies up: reaps children, closes the fds calls created, reopens its own,
 *    unmaps mappings calls created outside the sandbox, truncates its scratch files, returns to /tmp,
 *    and maps the sandbox afresh if a memory call changed it (and every 256 calls anyway).
 * If the child dies anyway, or makes no progress for 10 s, the parent records the call it was making,
 * starts a new child at the next call, and goes on until the count is reached.
 *
 * Output: "fuzz: systematic calls=N bad_results=N child_restarts=N" and
 * "fuzz: random calls=N bad_results=N child_restarts=N", with one "# ..." line for each of the first bad
 * results and restarts. Exit status 0 iff there was no bad result.
 */
#include "ktest.h"

#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>

#define USER_TOP 0x800000000000ull
#define SA_RESTORER 0x04000000 /* x86-64: sa_restorer is set; glibc's headers keep it to themselves */
#define PAGE 4096ull
#define SANDBOX_SIZE (256 * PAGE)
#define GUARD_SIZE (16 * PAGE)
#define FIXTURE_SIZE (128 * 1024ull)
#define BRK_ROOM (4ull << 20)
#define REPORT_FD 200
#define CHILD_NOFILE 128
#define MAINTAIN_EVERY 32
#define REMAP_EVERY 256
#define STALL_SECONDS 10
#define MAX_DETAILS 20

/* ---- argument kinds ------------------------------------------------------------------------------- */

enum kind {
    K_INT,        /* a plain integer */
    K_SMALL,      /* an enumeration: whence, how, resource, which */
    K_FD,         /* a file descriptor */
    K_DIRFD,      /* a file descriptor or AT_FDCWD */
    K_DIR,        /* a file descriptor, typically a directory */
    K_PATH,       /* a path the call may create: fixtures only */
    K_PATH_ANY,   /* a path only looked up: fixtures or sandbox bytes */
    K_EXEC_PATH,  /* a path for execve: never a program */
    K_CHDIR_PATH, /* a path for chdir: /tmp or nothing */
    K_IN,         /* a buffer the kernel reads */
    K_OUT,        /* a buffer the kernel writes */
    K_LEN,        /* a byte count */
    K_OFF,        /* a file offset */
    K_MODE,       /* permission bits */
    K_FLAGS,      /* bits from the call's mask */
    K_ADDR,       /* an address for a memory call */
    K_MLEN,       /* a length for a memory call */
    K_PROT,       /* PROT_* */
    K_PID,        /* a process or thread id */
    K_SIG,        /* a signal number */
    K_SIGACT,     /* a struct k_sigaction the kernel reads */
    K_SIGSET,     /* a sigset the kernel reads */
    K_SIGSETSIZE, /* sizeof(sigset): 8 is right */
    K_TIMESPEC,   /* a timespec the kernel reads (a sleep length) */
    K_CLOCK,      /* a clock id */
    K_IOV_IN,     /* an iovec array whose buffers the kernel reads */
    K_IOV_OUT,    /* an iovec array whose buffers the kernel writes */
    K_IOVCNT,     /* an iovec count */
    K_ARGV,       /* an argv or envp array */
    K_IOCTL,      /* an ioctl request */
    K_FCNTL,      /* an fcntl command */
    K_MADV,       /* an madvise advice */
    K_RLIM_NEW,   /* a new rlimit: never a valid one */
    K_BRK,        /* a program break */
    K_EXIT,       /* an exit status */
    K_FR_LOC,     /* rt_sigreturn: where the frame is */
    K_FR_RIP,     /* rt_sigreturn: the frame's rip, rsp, eflags, cs/ss, fpstate */
    K_FR_RSP,
    K_FR_EFL,
    K_FR_SEG,
    K_FR_FP,
    NKINDS
};

/* How the child runs a call. */
enum how { RUN_PLAIN, RUN_FORK, RUN_EXIT, RUN_SIGRETURN };

struct syscall_desc {
    long nr;
    const char *name;
    int nargs;
    unsigned char kind[6];
    long mask; /* the valid bits of its K_FLAGS argument */
    int weight;
    enum how how;
    int outside; /* not in the kernel's implemented set */
};

#define O_FLAGS_MASK                                                                                          \
    (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT |        \
     O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH)
#define MMAP_FLAGS_MASK                                                                                       \
    (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_NORESERVE | MAP_POPULATE |    \
     MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_FIXED_NOREPLACE | MAP_32BIT)
#define WAIT_MASK (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)
#define WAITID_MASK (WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)

static const struct syscall_desc table[] = {
    /* files */
    {SYS_read, "read", 3, {K_FD, K_OUT, K_LEN}, 0, 4, RUN_PLAIN, 0},
    {SYS_write, "write", 3, {K_FD, K_IN, K_LEN}, 0, 4, RUN_PLAIN, 0},
    {SYS_open, "open", 3, {K_PATH, K_FLAGS, K_MODE}, O_FLAGS_MASK, 3, RUN_PLAIN, 0},
    {SYS_openat, "openat", 4, {K_DIRFD, K_PATH, K_FLAGS, K_MODE}, O_FLAGS_MASK, 4, RUN_PLAIN, 0},
    {SYS_close, "close", 1, {K_FD}, 0, 3, RUN_PLAIN, 0},
    {SYS_lseek, "lseek", 3, {K_FD, K_OFF, K_SMALL}, 0, 3, RUN_PLAIN, 0},
    {SYS_pread64, "pread64", 4, {K_FD, K_OUT, K_LEN, K_OFF}, 0, 3, RUN_PLAIN, 0},
    {SYS_pwrite64, "pwrite64", 4, {K_FD, K_IN, K_LEN, K_OFF}, 0, 3, RUN_PLAIN, 0},
    {SYS_readv, "readv", 3, {K_FD, K_IOV_OUT, K_IOVCNT}, 0, 3, RUN_PLAIN, 0},
    {SYS_writev, "writev", 3, {K_FD, K_IOV_IN, K_IOVCNT}, 0, 3, RUN_PLAIN, 0},
    {SYS_fstat, "fstat", 2, {K_FD, K_OUT}, 0, 3, RUN_PLAIN, 0},
    {SYS_newfstatat, "newfstatat", 4, {K_DIRFD, K_PATH_ANY, K_OUT, K_FLAGS}, 0x100 | 0x800 | 0x1000 | 0x6000, 4,
     RUN_PLAIN, 0},
    {SYS_getdents64, "getdents64", 3, {K_DIR, K_OUT, K_LEN}, 0, 3, RUN_PLAIN, 0},
    {SYS_dup, "dup", 1, {K_FD}, 0, 3, RUN_PLAIN, 0},
    {SYS_dup2, "dup2", 2, {K_FD, K_FD}, 0, 3, RUN_PLAIN, 0},
    {SYS_dup3, "dup3", 3, {K_FD, K_FD, K_FLAGS}, O_CLOEXEC, 3, RUN_PLAIN, 0},
    {SYS_pipe, "pipe", 1, {K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_pipe2, "pipe2", 2, {K_OUT, K_FLAGS}, O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_EXCL, 2, RUN_PLAIN, 0},
    {SYS_fcntl, "fcntl", 3, {K_FD, K_FCNTL, K_INT}, 0, 4, RUN_PLAIN, 0},
    {SYS_ioctl, "ioctl", 3, {K_FD, K_IOCTL, K_OUT}, 0, 4, RUN_PLAIN, 0},
    {SYS_flock, "flock", 2, {K_FD, K_FLAGS}, LOCK_SH | LOCK_EX | LOCK_NB | LOCK_UN, 3, RUN_PLAIN, 0},
    /* memory */
    {SYS_brk, "brk", 1, {K_BRK}, 0, 3, RUN_PLAIN, 0},
    {SYS_mmap, "mmap", 6, {K_ADDR, K_MLEN, K_PROT, K_FLAGS, K_FD, K_OFF}, MMAP_FLAGS_MASK, 5, RUN_PLAIN, 0},
    {SYS_munmap, "munmap", 2, {K_ADDR, K_MLEN}, 0, 4, RUN_PLAIN, 0},
    {SYS_mprotect, "mprotect", 3, {K_ADDR, K_MLEN, K_PROT}, 0, 4, RUN_PLAIN, 0},
    {SYS_madvise, "madvise", 3, {K_ADDR, K_MLEN, K_MADV}, 0, 4, RUN_PLAIN, 0},
    {SYS_mremap, "mremap", 5, {K_ADDR, K_MLEN, K_MLEN, K_FLAGS, K_ADDR}, 7, 4, RUN_PLAIN, 0},
    {SYS_get_mempolicy, "get_mempolicy", 5, {K_OUT, K_OUT, K_LEN, K_ADDR, K_FLAGS}, 7, 2, RUN_PLAIN, 0},
    /* processes */
    {SYS_fork, "fork", 0, {0}, 0, 1, RUN_FORK, 0},
    {SYS_vfork, "vfork", 0, {0}, 0, 1, RUN_FORK, 0},
    {SYS_execve, "execve", 3, {K_EXEC_PATH, K_ARGV, K_ARGV}, 0, 2, RUN_PLAIN, 0},
    {SYS_exit, "exit", 1, {K_EXIT}, 0, 1, RUN_EXIT, 0},
    {SYS_exit_group, "exit_group", 1, {K_EXIT}, 0, 1, RUN_EXIT, 0},
    {SYS_wait4, "wait4", 4, {K_PID, K_OUT, K_FLAGS, K_OUT}, WAIT_MASK, 3, RUN_PLAIN, 0},
    {SYS_waitid, "waitid", 5, {K_SMALL, K_PID, K_OUT, K_FLAGS, K_OUT}, WAITID_MASK, 3, RUN_PLAIN, 0},
    {SYS_getpid, "getpid", 0, {0}, 0, 2, RUN_PLAIN, 0},
    {SYS_getppid, "getppid", 0, {0}, 0, 2, RUN_PLAIN, 0},
    {SYS_gettid, "gettid", 0, {0}, 0, 2, RUN_PLAIN, 0},
    {SYS_kill, "kill", 2, {K_PID, K_SIG}, 0, 3, RUN_PLAIN, 0},
    {SYS_tgkill, "tgkill", 3, {K_PID, K_PID, K_SIG}, 0, 3, RUN_PLAIN, 0},
    {SYS_set_tid_address, "set_tid_address", 1, {K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_set_robust_list, "set_robust_list", 2, {K_OUT, K_LEN}, 0, 2, RUN_PLAIN, 0},
    {SYS_rseq, "rseq", 4, {K_OUT, K_LEN, K_FLAGS, K_INT}, 1, 2, RUN_PLAIN, 0},
    /* signals */
    {SYS_rt_sigaction, "rt_sigaction", 4, {K_SIG, K_SIGACT, K_OUT, K_SIGSETSIZE}, 0, 4, RUN_PLAIN, 0},
    {SYS_rt_sigprocmask, "rt_sigprocmask", 4, {K_SMALL, K_SIGSET, K_OUT, K_SIGSETSIZE}, 0, 4, RUN_PLAIN, 0},
    {SYS_rt_sigreturn, "rt_sigreturn", 6, {K_FR_LOC, K_FR_RIP, K_FR_RSP, K_FR_EFL, K_FR_SEG, K_FR_FP}, 0, 1,
     RUN_SIGRETURN, 0},
    /* time */
    {SYS_clock_gettime, "clock_gettime", 2, {K_CLOCK, K_OUT}, 0, 3, RUN_PLAIN, 0},
    {SYS_gettimeofday, "gettimeofday", 2, {K_OUT, K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_nanosleep, "nanosleep", 2, {K_TIMESPEC, K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_clock_nanosleep, "clock_nanosleep", 4, {K_CLOCK, K_FLAGS, K_TIMESPEC, K_OUT}, TIMER_ABSTIME, 2, RUN_PLAIN,
     0},
    /* identity and limits */
    {SYS_uname, "uname", 1, {K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_getuid, "getuid", 0, {0}, 0, 1, RUN_PLAIN, 0},
    {SYS_geteuid, "geteuid", 0, {0}, 0, 1, RUN_PLAIN, 0},
    {SYS_getgid, "getgid", 0, {0}, 0, 1, RUN_PLAIN, 0},
    {SYS_getegid, "getegid", 0, {0}, 0, 1, RUN_PLAIN, 0},
    {SYS_getrlimit, "getrlimit", 2, {K_SMALL, K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_prlimit64, "prlimit64", 4, {K_PID, K_SMALL, K_RLIM_NEW, K_OUT}, 0, 3, RUN_PLAIN, 0},
    {SYS_sysinfo, "sysinfo", 1, {K_OUT}, 0, 2, RUN_PLAIN, 0},
    /* misc */
    {SYS_getrandom, "getrandom", 3, {K_OUT, K_LEN, K_FLAGS}, GRND_NONBLOCK | GRND_RANDOM | 4, 3, RUN_PLAIN, 0},
    {SYS_sched_getaffinity, "sched_getaffinity", 3, {K_PID, K_LEN, K_OUT}, 0, 2, RUN_PLAIN, 0},
    {SYS_sched_yield, "sched_yield", 0, {0}, 0, 1, RUN_PLAIN, 0},
    {SYS_getcwd, "getcwd", 2, {K_OUT, K_LEN}, 0, 2, RUN_PLAIN, 0},
    {SYS_chdir, "chdir", 1, {K_CHDIR_PATH}, 0, 2, RUN_PLAIN, 0},
    /* outside the implemented set: never-implemented Linux calls, unassigned numbers, harmless real calls */
    {174, "create_module", 2, {K_IN, K_LEN}, 0, 1, RUN_PLAIN, 1},
    {180, "nfsservctl", 3, {K_INT, K_IN, K_OUT}, 0, 1, RUN_PLAIN, 1},
    {184, "tuxcall", 3, {K_INT, K_INT, K_INT}, 0, 1, RUN_PLAIN, 1},
    {236, "vserver", 3, {K_INT, K_INT, K_INT}, 0, 1, RUN_PLAIN, 1},
    {400, "(unassigned 400)", 6, {K_INT, K_IN, K_OUT, K_LEN, K_FD, K_INT}, 0, 1, RUN_PLAIN, 1},
    {1000, "(1000)", 3, {K_INT, K_INT, K_INT}, 0, 1, RUN_PLAIN, 1},
    {0x7fffffff, "(0x7fffffff)", 1, {K_INT}, 0, 1, RUN_PLAIN, 1},
    {-1L, "(-1)", 1, {K_INT}, 0, 1, RUN_PLAIN, 1},
    {SYS_getpgrp, "getpgrp", 0, {0}, 0, 1, RUN_PLAIN, 1},
    {SYS_getsid, "getsid", 1, {K_PID}, 0, 1, RUN_PLAIN, 1},
    {SYS_getpriority, "getpriority", 2, {K_SMALL, K_PID}, 0, 1, RUN_PLAIN, 1},
    {SYS_getitimer, "getitimer", 2, {K_SMALL, K_OUT}, 0, 1, RUN_PLAIN, 1},
    {SYS_getresuid, "getresuid", 3, {K_OUT, K_OUT, K_OUT}, 0, 1, RUN_PLAIN, 1},
    {SYS_times, "times", 1, {K_OUT}, 0, 1, RUN_PLAIN, 1},
};
#define NSYSCALLS ((int)(sizeof table / sizeof table[0]))

/* ---- deterministic randomness: splitmix64, seeded per call ---------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t rng_state;
static uint64_t rnd(void) { return mix64(rng_state += 0x9e3779b97f4a7c15ull); }

/* ---- the child's world ------------------------------------------------------------------------------ */

static uint8_t *sandbox;   /* SANDBOX_SIZE bytes, read-write, between two GUARD_SIZE PROT_NONE areas */
static uint8_t *fixtures;  /* read-only after set-up */
static size_t fixture_used;
static uint64_t brk0;      /* the break when the child started */
static long self_pid, parent_pid, self_tid;
static int pool_fd[5];     /* scratch file a, scratch file b (read-only), pipe read, pipe write, /tmp */
static long fd_high;       /* no fd above this can be open, but for REPORT_FD */
static char scratch_a[64], scratch_b[64], notelf[64];
static void *restorer;     /* glibc's __restore_rt, read back from the kernel */

static uint64_t pools[NKINDS][40];
static int npool[NKINDS];

static struct {
    uint64_t addr, len;
} foreign_maps[256]; /* mappings calls made outside the sandbox */
static int nforeign;
static int sandbox_changed; /* a memory call succeeded on it since it was last mapped afresh */

static void add(enum kind k, uint64_t v)
{
    if (npool[k] < 40)
        pools[k][npool[k]++] = v;
}

static void *fx_alloc(size_t size, size_t align)
{
    fixture_used = (fixture_used + align - 1) & ~(align - 1);
    void *p = fixtures + fixture_used;
    fixture_used += size;
    if (fixture_used > FIXTURE_SIZE)
        kt_sys(SYS_exit_group, 120);
    return p;
}

static char *fx_string(const char *s)
{
    char *p = fx_alloc(strlen(s) + 1, 1);
    memcpy(p, s, strlen(s) + 1);
    return p;
}

/* An address in the PROT_NONE guard above the sandbox: mapped, but never accessible. */
static uint64_t guard_address(void) { return (uint64_t)sandbox + SANDBOX_SIZE + 8; }

/* Pointers that no access can succeed on: NULL, a guard page, the kernel half, non-canonical, -1. */
static void add_bad_pointers(enum kind k)
{
    add(k, 0);
    add(k, guard_address());
    add(k, KT_KERNEL_TEXT);
    add(k, KT_KERNEL_HALF);
    add(k, KT_NONCANONICAL);
    add(k, 0xffffffffffffffffull);
}

static void noop_handler(int sig, siginfo_t *si, void *uc) { (void)sig, (void)si, (void)uc; }

static int fault_signal(long sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS;
}

struct k_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* The stubs. fork/vfork: the child exits at once without touching the stack (a vfork child shares it).
 * rt_sigreturn: switch to the frame and call it; the frame's rip is one of the exit stubs. */
__asm__(".text\n"
        ".globl fz_fork\n"
        "fz_fork:\n"
        "    mov %rdi, %rax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %edi, %edi\n"
        "    mov $60, %eax\n"
        "    syscall\n"
        "    ud2\n"
        "1:  ret\n"
        ".globl fz_exit_stub\n"
        "fz_exit_stub:\n"
        "    mov $231, %eax\n"
        "    syscall\n"
        "    ud2\n"
        ".globl fz_io_stub\n"
        "fz_io_stub:\n"
        "    outb %al, $0x80\n"
        "    mov $43, %edi\n"
        "    mov $231, %eax\n"
        "    syscall\n"
        "    ud2\n"
        ".globl fz_sigreturn\n"
        "fz_sigreturn:\n"
        "    mov %rdi, %rsp\n"
        "    mov $15, %eax\n"
        "    syscall\n"
        "    cmp $-4095, %rax\n"
        "    jb 1f\n"
        "    mov $44, %edi\n"
        "    jmp 2f\n"
        "1:  mov $45, %edi\n"
        "2:  mov $231, %eax\n"
        "    syscall\n"
        "    ud2\n");
extern long fz_fork(long nr);
extern char fz_exit_stub[], fz_io_stub[];
extern void fz_sigreturn(void *frame) __attribute__((noreturn));

static ucontext_t *frame_template;
static uint8_t *frame_stack;

static void build_pools(void)
{
    memset(npool, 0, sizeof npool);
    /* pool[k][0] is the typical, valid-looking value */
    add(K_INT, 0), add(K_INT, 1), add(K_INT, (uint64_t)-1), add(K_INT, 2), add(K_INT, 42), add(K_INT, 255);
    add(K_INT, 256), add(K_INT, INT_MAX), add(K_INT, (uint64_t)(long)INT_MIN), add(K_INT, UINT_MAX);
    add(K_INT, 1ull << 40), add(K_INT, O_NONBLOCK), add(K_INT, O_APPEND | O_NONBLOCK), add(K_INT, 100);

    for (int v = 0; v <= 8; v++)
        add(K_SMALL, (uint64_t)v);
    add(K_SMALL, 15), add(K_SMALL, 16), add(K_SMALL, 100), add(K_SMALL, (uint64_t)-1);
    add(K_SMALL, INT_MAX), add(K_SMALL, (uint64_t)(long)INT_MIN);

    for (int i = 0; i < 5; i++)
        add(K_FD, (uint64_t)pool_fd[i]);
    add(K_FD, (uint64_t)-1), add(K_FD, (uint64_t)-100), add(K_FD, 0), add(K_FD, 7), add(K_FD, 63);
    add(K_FD, CHILD_NOFILE - 1), add(K_FD, CHILD_NOFILE), add(K_FD, 1 << 20), add(K_FD, INT_MAX);
    add(K_FD, (uint64_t)(long)INT_MIN), add(K_FD, 1ull << 32);
    add(K_DIRFD, (uint64_t)AT_FDCWD);
    add(K_DIR, (uint64_t)pool_fd[4]);
    for (int i = 0; i < npool[K_FD]; i++)
        add(K_DIRFD, pools[K_FD][i]), add(K_DIR, pools[K_FD][i]);

    add(K_IN, (uint64_t)sandbox), add(K_IN, (uint64_t)sandbox + 1000), add(K_IN, (uint64_t)sandbox + SANDBOX_SIZE - 8);
    add(K_IN, (uint64_t)fixtures), add(K_IN, (uint64_t)sandbox + 1);
    add_bad_pointers(K_IN);
    add(K_OUT, (uint64_t)sandbox + 64), add(K_OUT, (uint64_t)sandbox + 4096), add(K_OUT, (uint64_t)sandbox + 1);
    add(K_OUT, (uint64_t)sandbox + SANDBOX_SIZE - 8), add(K_OUT, (uint64_t)sandbox + SANDBOX_SIZE - 100);
    add(K_OUT, (uint64_t)fixtures); /* mapped but read-only */
    add_bad_pointers(K_OUT);

    static const uint64_t lens[] = {16, 0, 1, 7, 8, 24, 32, 64, 256, 4095, 4096, 4097, 65536, SANDBOX_SIZE - 1, SANDBOX_SIZE,
                                    SANDBOX_SIZE + 1, INT_MAX, UINT_MAX, 1ull << 40, LONG_MAX, (uint64_t)-1,
                                    (uint64_t)-4096};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        add(K_LEN, lens[i]);
    static const uint64_t offs[] = {0, 1, 100, 4096, (uint64_t)-1, (uint64_t)-4096, 1ull << 31, 1ull << 40,
                                    LONG_MAX, (uint64_t)LONG_MIN};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        add(K_OFF, offs[i]);
    static const uint64_t modes[] = {0600, 0, 0777, 07777, 0700, (uint64_t)-1, 0xffff};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        add(K_MODE, modes[i]);

    uint64_t sb = (uint64_t)sandbox;
    static const uint64_t addr_offsets[] = {0, PAGE, SANDBOX_SIZE / 2, SANDBOX_SIZE - PAGE, 1, 3 * PAGE + 8};
    for (size_t i = 0; i < sizeof addr_offsets / sizeof addr_offsets[0]; i++)
        add(K_ADDR, sb + addr_offsets[i]);
    add(K_ADDR, 0), add(K_ADDR, KT_KERNEL_TEXT), add(K_ADDR, KT_KERNEL_HALF), add(K_ADDR, KT_NONCANONICAL);
    add(K_ADDR, (uint64_t)-PAGE), add(K_ADDR, (uint64_t)-1), add(K_ADDR, USER_TOP - PAGE);
    static const uint64_t mlens[] = {PAGE, 0, 1, 2 * PAGE, 16 * PAGE, SANDBOX_SIZE / 2, SANDBOX_SIZE,
                                     SANDBOX_SIZE + PAGE, PAGE + 1, 1ull << 30, 1ull << 40, 1ull << 47,
                                     (uint64_t)-1, (uint64_t)-PAGE};
    for (size_t i = 0; i < sizeof mlens / sizeof mlens[0]; i++)
        add(K_MLEN, mlens[i]);
    static const uint64_t prots[] = {PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC,
                                     PROT_READ | PROT_EXEC, 7, 8, 0x01000000 | 3, 0x02000000 | 3, (uint64_t)-1, 0x10};
    for (size_t i = 0; i < sizeof prots / sizeof prots[0]; i++)
        add(K_PROT, prots[i]);

    add(K_PID, (uint64_t)self_pid), add(K_PID, 0), add(K_PID, (uint64_t)parent_pid), add(K_PID, (uint64_t)self_tid);
    add(K_PID, 1), add(K_PID, (uint64_t)-1), add(K_PID, INT_MAX), add(K_PID, (uint64_t)(long)INT_MIN);
    add(K_PID, (uint64_t)(long)-INT_MAX), add(K_PID, 1ull << 32);
    static const int sigs[] = {SIGUSR1, 0, SIGUSR2, SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGPIPE, SIGALRM, SIGHUP,
                               SIGTERM, SIGTSTP, 32, 33, 34, 40, 64, 65, -1, INT_MAX, SIGKILL, SIGSTOP, SIGSEGV};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        add(K_SIG, (uint64_t)(long)sigs[i]);

    /* Handlers: a no-op or SIG_IGN, with assorted flags, always SA_RESTORER. */
    static const unsigned long act_flags[] = {SA_SIGINFO, 0, SA_RESTART, SA_NODEFER | SA_SIGINFO,
                                              SA_NOCLDSTOP | SA_NOCLDWAIT, SA_ONSTACK | SA_RESTART};
    for (size_t i = 0; i < sizeof act_flags / sizeof act_flags[0] + 2; i++) {
        struct k_sigaction *a = fx_alloc(sizeof *a, 8);
        a->handler = i < sizeof act_flags / sizeof act_flags[0] ? (void *)noop_handler : SIG_IGN;
        a->flags = (i < sizeof act_flags / sizeof act_flags[0] ? act_flags[i] : 0) | SA_RESTORER;
        a->restorer = restorer;
        a->mask = i % 2 ? ~0ull : 0;
        add(K_SIGACT, (uint64_t)a);
    }
    add_bad_pointers(K_SIGACT);
    static const uint64_t sets[] = {0, ~0ull, 1ull << (SIGUSR1 - 1), (1ull << (SIGCHLD - 1)) | (1ull << 39)};
    for (size_t i = 0; i < 4; i++) {
        uint64_t *s = fx_alloc(8, 8);
        *s = sets[i];
        add(K_SIGSET, (uint64_t)s);
    }
    add_bad_pointers(K_SIGSET);
    add(K_SIGSETSIZE, 8), add(K_SIGSETSIZE, 0), add(K_SIGSETSIZE, 4), add(K_SIGSETSIZE, 16);
    add(K_SIGSETSIZE, 128), add(K_SIGSETSIZE, (uint64_t)-1);

    /* Sleeps of at most a microsecond, and invalid ones. As absolute times they are long past. */
    static const struct timespec times[] = {{0, 1000}, {0, 0}, {0, 1}, {0, 999}, {0, 1000000000}, {0, -1}, {-1, 0},
                                            {LONG_MIN, 0}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        struct timespec *t = fx_alloc(sizeof *t, 8);
        *t = times[i];
        add(K_TIMESPEC, (uint64_t)t);
    }
    add(K_TIMESPEC, 0), add(K_TIMESPEC, guard_address()), add(K_TIMESPEC, KT_KERNEL_HALF);
    add(K_TIMESPEC, KT_NONCANONICAL);
    static const long clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                                  CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
                                  CLOCK_BOOTTIME, 8, 9, 10, 11, 12, -1, -2, -6, 100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
        add(K_CLOCK, (uint64_t)clocks[i]);

    /* iovec arrays of 1024 entries, so that any count up to IOV_MAX stays inside the array; the first
     * entries differ, the rest point at 16 sandbox bytes each. */
    for (int variant = 0; variant < 4; variant++) {
        struct iovec *v = fx_alloc(1024 * sizeof *v, 16);
        for (int i = 0; i < 1024; i++)
            v[i] = (struct iovec){sandbox + (size_t)(i * 64) % SANDBOX_SIZE, 16};
        if (variant == 1)
            v[0] = (struct iovec){sandbox, 0}, v[1] = (struct iovec){sandbox + 100, 4096};
        if (variant == 2)
            v[1] = (struct iovec){NULL, 8}, v[2] = (struct iovec){(void *)KT_KERNEL_HALF, 8};
        if (variant == 3)
            v[0] = (struct iovec){sandbox, (size_t)-1}, v[1] = (struct iovec){fixtures, 8};
        add(K_IOV_IN, (uint64_t)v);
        add(K_IOV_OUT, (uint64_t)v);
    }
    add_bad_pointers(K_IOV_IN);
    add_bad_pointers(K_IOV_OUT);
    static const uint64_t counts[] = {1, 0, 2, 3, 8, 1024, 1025, (uint64_t)-1, INT_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        add(K_IOVCNT, counts[i]);

    /* Paths. Only the /tmp/kt-fuzz-* names can be created; the relative ones are directories. */
    static char longpath[5000];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    const char *paths[] = {scratch_a, scratch_b, "/tmp", "/", ".", "..", "", "/kt-no-such-dir/x", longpath};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        add(K_PATH, (uint64_t)fx_string(paths[i]));
    char below[80];
    snprintf(below, sizeof below, "%s/x", scratch_a);
    add(K_PATH, (uint64_t)fx_string(below));
    add_bad_pointers(K_PATH);
    for (int i = 0; i < npool[K_PATH]; i++)
        add(K_PATH_ANY, pools[K_PATH][i]);
    add(K_PATH_ANY, (uint64_t)sandbox + 512), add(K_PATH_ANY, (uint64_t)sandbox + SANDBOX_SIZE - 3);
    const char *exec_paths[] = {notelf, "/tmp", "/kt-no-such-program", ""};
    for (size_t i = 0; i < sizeof exec_paths / sizeof exec_paths[0]; i++)
        add(K_EXEC_PATH, (uint64_t)fx_string(exec_paths[i]));
    add_bad_pointers(K_EXEC_PATH);
    const char *dirs[] = {"/tmp", "/kt-no-such-dir", scratch_a, ""};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        add(K_CHDIR_PATH, (uint64_t)fx_string(dirs[i]));
    add_bad_pointers(K_CHDIR_PATH);

    char **argv_a = fx_alloc(3 * sizeof(char *), 8);
    argv_a[0] = fx_string("fuzz"), argv_a[1] = fx_string("x"), argv_a[2] = NULL;
    char **argv_b = fx_alloc(sizeof(char *), 8);
    argv_b[0] = NULL;
    char **argv_c = fx_alloc(3 * sizeof(char *), 8);
    argv_c[0] = (char *)KT_KERNEL_HALF, argv_c[1] = NULL;
    char **argv_d = fx_alloc(3 * sizeof(char *), 8);
    argv_d[0] = (char *)pools[K_PATH][8], argv_d[1] = (char *)8, argv_d[2] = NULL; /* the long path, then junk */
    add(K_ARGV, (uint64_t)argv_a), add(K_ARGV, (uint64_t)argv_b), add(K_ARGV, (uint64_t)argv_c);
    add(K_ARGV, (uint64_t)argv_d);
    add_bad_pointers(K_ARGV);

    static const uint64_t ioctls[] = {TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP,
                                      FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, 0, 0xdeadbeef, 0x12345678,
                                      0xffffffff};
    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        add(K_IOCTL, ioctls[i]);
    static const uint64_t fcntls[] = {F_GETFL, F_GETFD, F_SETFD, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, 100, 1000,
                                      9999, (uint64_t)-1, INT_MAX};
    for (size_t i = 0; i < sizeof fcntls / sizeof fcntls[0]; i++)
        add(K_FCNTL, fcntls[i]);
    /* Not 100 (MADV_HWPOISON) or 101 (MADV_SOFT_OFFLINE): as root on a host they take RAM pages out of
     * service. Not 102/103 (guard regions). */
    static const uint64_t advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
                                      MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE,
                                      MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP,
                                      MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, 22, 23, 25, 99,
                                      1000, (uint64_t)-1};
    for (size_t i = 0; i < sizeof advice / sizeof advice[0]; i++)
        add(K_MADV, advice[i]);
    add_bad_pointers(K_RLIM_NEW);

    add(K_BRK, 0), add(K_BRK, brk0), add(K_BRK, brk0 + 1), add(K_BRK, brk0 + PAGE), add(K_BRK, brk0 + (1 << 20));
    add(K_BRK, brk0 + BRK_ROOM), add(K_BRK, 1), add(K_BRK, KT_KERNEL_HALF), add(K_BRK, KT_NONCANONICAL);
    add(K_BRK, (uint64_t)-1);
    static const long exits[] = {0, 1, 42, 255, 256, 257, -1, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++)
        add(K_EXIT, (uint64_t)exits[i]);

    /* rt_sigreturn frames: the first value of each is the valid one. */
    add(K_FR_LOC, (uint64_t)frame_template), add(K_FR_LOC, 0), add(K_FR_LOC, guard_address());
    add(K_FR_LOC, KT_KERNEL_HALF), add(K_FR_LOC, KT_NONCANONICAL), add(K_FR_LOC, (uint64_t)frame_template - 8);
    add(K_FR_LOC, (uint64_t)frame_template + 1);
    add(K_FR_RIP, (uint64_t)fz_exit_stub), add(K_FR_RIP, (uint64_t)fz_io_stub), add(K_FR_RIP, 0);
    add(K_FR_RIP, KT_KERNEL_TEXT), add(K_FR_RIP, KT_NONCANONICAL), add(K_FR_RIP, (uint64_t)-1);
    add(K_FR_RIP, (uint64_t)fz_exit_stub + 1), add(K_FR_RIP, (uint64_t)frame_stack);
    uint64_t top = (uint64_t)frame_stack + 4096 - 64;
    add(K_FR_RSP, top), add(K_FR_RSP, 0), add(K_FR_RSP, KT_KERNEL_HALF), add(K_FR_RSP, KT_NONCANONICAL);
    add(K_FR_RSP, top + 1), add(K_FR_RSP, (uint64_t)-1);
    static const uint64_t efl[] = {0x202, 0, 0x3202, 0x302, (uint64_t)-1, 0x40202, 0x20202, 0x4202, 0x600};
    for (size_t i = 0; i < sizeof efl / sizeof efl[0]; i++)
        add(K_FR_EFL, efl[i]);
    /* cs | gs << 16 | fs << 32 | ss << 48. Never cs 0x23: 32-bit code would run the stub as other code. */
    static const uint64_t segs[] = {0x33 | (0x2bull << 48), 0x10 | (0x2bull << 48), 0x2bull << 48,
                                    0xffff | (0x2bull << 48), 0x33 | (0x18ull << 48), 0x33, 0x33 | (0xffffull << 48),
                                    0x2b | (0x2bull << 48), (uint64_t)-1};
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
        add(K_FR_SEG, segs[i]);
    add(K_FR_FP, 0), add(K_FR_FP, KT_KERNEL_HALF), add(K_FR_FP, KT_NONCANONICAL), add(K_FR_FP, guard_address());
    add(K_FR_FP, (uint64_t)fixtures), add(K_FR_FP, (uint64_t)sandbox + 64), add(K_FR_FP, (uint64_t)sandbox + 3);
}

/* The generic boundary values every argument also gets. */
static uint64_t generic[14];
static void build_generic(void)
{
    const uint64_t g[] = {0,          1,          (uint64_t)-1, INT_MAX,         (uint64_t)(long)INT_MIN,
                          UINT_MAX,   1ull << 40, LONG_MAX,     (uint64_t)LONG_MIN, guard_address(),
                          KT_KERNEL_HALF, KT_KERNEL_TEXT, KT_NONCANONICAL, (uint64_t)sandbox + 1};
    memcpy(generic, g, sizeof g);
}
#define NGENERIC ((int)(sizeof generic / sizeof generic[0]))

/* K_FLAGS values for a mask: the mask, 0, each of its bits, all bits, and bits outside it. */
static int flag_values(long mask, uint64_t *out)
{
    int n = 0;
    out[n++] = (uint64_t)mask;
    out[n++] = 0;
    for (int b = 0; b < 63 && n < 30; b++)
        if (mask & (1L << b))
            out[n++] = 1ull << b;
    out[n++] = (uint64_t)-1;
    out[n++] = (uint64_t)(~mask & 0xffffffffL);
    out[n++] = 0x80000000ull;
    return n;
}

/* ---- neutering -------------------------------------------------------------------------------------- */

struct call {
    int desc;
    uint64_t a[6];
};

static int in_sandbox(uint64_t p, uint64_t margin) { return p >= (uint64_t)sandbox - margin && p < (uint64_t)sandbox + SANDBOX_SIZE + margin; }
static int in_fixtures(uint64_t p) { return p >= (uint64_t)fixtures && p < (uint64_t)fixtures + FIXTURE_SIZE; }
/* Never a usable address: the kernel half, non-canonical, or the first 64 KiB (Linux's mmap_min_addr). */
static int never_valid(uint64_t p) { return p >= USER_TOP || p < 65536; }
/* Stricter, for structures whose contents matter: only page 0 (which MAP_FIXED confinement keeps
 * unmapped on any kernel) counts as low. */
static int unmappable(uint64_t p) { return p >= USER_TOP || p < PAGE; }
static int in_guard(uint64_t p) { return in_sandbox(p, GUARD_SIZE) && !in_sandbox(p, 0); }

/* A buffer the kernel writes: the sandbox (or its guards), read-only fixtures, or a pointer that cannot
 * work; anything else (the fuzzer's own stack, data, heap) is moved into the sandbox. */
static uint64_t safe_out(uint64_t p)
{
    if (never_valid(p) || in_sandbox(p, GUARD_SIZE) || in_fixtures(p))
        return p;
    return (uint64_t)sandbox + p % SANDBOX_SIZE;
}

/* A structure the kernel reads and acts on: a fixture of its kind, or a pointer that cannot work. */
static uint64_t safe_struct(enum kind k, uint64_t p)
{
    if (unmappable(p) || in_guard(p))
        return p;
    for (int i = 0; i < npool[k]; i++)
        if (pools[k][i] == p)
            return p;
    return pools[k][p % (uint64_t)npool[k]];
}

/* A memory range for munmap/mprotect/madvise/mremap/MAP_FIXED: inside the sandbox, or deliberately
 * invalid (kernel half, non-canonical). A user address elsewhere moves into the sandbox, and the length
 * is cut at the sandbox's end. */
static void confine(uint64_t *addr, uint64_t *len)
{
    if (*addr >= USER_TOP)
        return;
    uint64_t sb = (uint64_t)sandbox;
    if (*addr < sb || *addr >= sb + SANDBOX_SIZE)
        *addr = sb + *addr % SANDBOX_SIZE;
    uint64_t room = sb + SANDBOX_SIZE - *addr;
    if (*len > room)
        *len = room;
}

static long fd_type(long fd)
{
    struct stat st;
    if (kt_sys(SYS_fstat, fd, &st) != 0)
        return -1;
    return st.st_mode & S_IFMT;
}

/* A read or write on a pipe (or any stream) must not block: make it non-blocking first. */
static void never_block(long fd)
{
    long type = fd_type(fd);
    if (type == S_IFIFO || type == S_IFCHR || type == S_IFSOCK) {
        long fl = kt_sys(SYS_fcntl, fd, F_GETFL);
        if (fl >= 0 && !(fl & O_NONBLOCK))
            kt_sys(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
    }
}

/* Signal numbers and pids are C ints to the kernel: the upper 32 bits of the register do not count, so
 * 1 << 32 is pid 0 (the whole process group). Every comparison below is on the int. */

/* A signal the child can take: it has a handler or ignores it. Others become SIGUSR1. */
static uint64_t safe_signal(uint64_t sig)
{
    int s = (int)sig;
    if (s == SIGKILL || s == SIGSTOP || fault_signal(s))
        return SIGUSR1;
    return sig;
}

/* A pid for kill/tgkill: the child itself, the parent (with signal 0 only), or pids that cannot exist. */
static uint64_t safe_pid(uint64_t pid, int allow_invalid)
{
    int p = (int)pid;
    if (p == self_pid || p == parent_pid || p == INT_MAX || p == INT_MIN || p == -INT_MAX ||
        (allow_invalid && (p == 0 || p == -1)))
        return (uint64_t)(long)p;
    return (uint64_t)self_pid;
}

static void sanitize(struct call *c)
{
    const struct syscall_desc *d = &table[c->desc];
    uint64_t *a = c->a;
    for (int i = 0; i < d->nargs; i++) {
        switch (d->kind[i]) {
        case K_FD:
        case K_DIRFD:
        case K_DIR:
            if ((int)a[i] == REPORT_FD)
                a[i] = (uint64_t)-1;
            break;
        case K_OUT:
            a[i] = safe_out(a[i]);
            break;
        case K_PATH:
        case K_EXEC_PATH:
        case K_CHDIR_PATH:
        case K_SIGACT:
        case K_TIMESPEC:
        case K_IOV_IN:
        case K_IOV_OUT:
        case K_ARGV:
            a[i] = safe_struct(d->kind[i], a[i]);
            break;
        case K_RLIM_NEW:
            if (!unmappable(a[i]) && !in_guard(a[i]))
                a[i] = 0; /* never set a limit: RLIMIT_CPU or RLIMIT_FSIZE would kill the child */
            break;
        case K_IOCTL:
        case K_FCNTL:
        case K_MADV:
        case K_FR_LOC:
        case K_FR_RIP:
            a[i] = safe_struct(d->kind[i], a[i]); /* from the list only */
            break;
        case K_FR_RSP:
        case K_FR_FP:
            if (!never_valid(a[i]) && !in_sandbox(a[i], GUARD_SIZE) && !in_fixtures(a[i]))
                a[i] = pools[d->kind[i]][0];
            break;
        case K_FR_SEG:
            if ((a[i] & 0xffff) == 0x23 || (a[i] & 0xffff) == 0x20 || (a[i] & 0xffff) == 0x21 || (a[i] & 0xffff) == 0x22)
                a[i] = pools[K_FR_SEG][0]; /* 32-bit code segment: the stub would run as other code */
            break;
        case K_BRK:
            if (a[i] >= 65536 && a[i] < USER_TOP && (a[i] < brk0 || a[i] > brk0 + BRK_ROOM))
                a[i] = brk0 + a[i] % BRK_ROOM; /* never below the break the child started with */
            break;
        default:
            break;
        }
    }
    switch (d->nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_pread64:
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
        never_block((long)a[0]);
        break;
    case SYS_open:
    case SYS_openat: {
        int fl = d->nr == SYS_open ? 1 : 2;
        a[fl] &= ~(uint64_t)020000000; /* no O_TMPFILE: nameless files would grow unseen */
        break;
    }
    case SYS_mmap: {
        if (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))
            confine(&a[0], &a[1]);
        a[3] &= ~(uint64_t)MAP_LOCKED;
        if (a[1] > (1u << 20))
            a[3] &= ~(uint64_t)MAP_POPULATE;
        if ((int)a[4] == REPORT_FD)
            a[4] = (uint64_t)-1;
        break;
    }
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_madvise:
        confine(&a[0], &a[1]);
        break;
    case SYS_mremap:
        confine(&a[0], &a[1]);
        if (a[3] & MREMAP_FIXED) {
            uint64_t len = a[2];
            confine(&a[4], &len);
            a[2] = len;
        }
        break;
    case SYS_wait4:
        a[2] |= WNOHANG;
        break;
    case SYS_waitid:
        a[3] |= WNOHANG;
        break;
    case SYS_flock: /* two descriptions of one file in the child: a blocking lock could wait for itself */
        a[1] |= LOCK_NB;
        break;
    case SYS_kill: /* kill(0) and kill(-1) would reach the process group and every process */
        a[0] = safe_pid(a[0], 0);
        a[1] = (int)a[0] == parent_pid ? 0 : safe_signal(a[1]);
        break;
    case SYS_tgkill: /* a tgid or tid of 0 or -1 is EINVAL here */
        a[0] = safe_pid(a[0], 1);
        a[1] = safe_pid(a[1], 1);
        a[2] = (int)a[0] == parent_pid || (int)a[1] == parent_pid ? 0 : safe_signal(a[2]);
        break;
    case SYS_rt_sigaction:
        if (fault_signal((int)a[0]))
            a[1] = 0; /* keep the default action of faults: look, do not touch */
        break;
    case SYS_clock_nanosleep:
        /* Relative sleeps on CPU-time clocks would wait for CPU time that the sleeper does not use. */
        if ((int)a[0] == CLOCK_PROCESS_CPUTIME_ID || (int)a[0] < 0)
            a[1] |= TIMER_ABSTIME;
        break;
    case SYS_getrandom:
        a[2] |= GRND_NONBLOCK;
        break;
    case SYS_prlimit64:
    case SYS_getsid:
    case SYS_getpriority:
    case SYS_sched_getaffinity:
        break; /* any pid: these only read */
    default:
        break;
    }
}

/* ---- the child --------------------------------------------------------------------------------------- */

enum record_type { REC_HELLO = 1, REC_START, REC_BAD, REC_DONE };

struct record {
    uint32_t type, index;
    int32_t desc, status; /* status: for calls run in a grandchild, its wait status */
    int64_t result;
    uint64_t a[6];
    char note[96];
};

static void report(const struct record *r)
{
    const char *p = (const char *)r;
    size_t left = sizeof *r;
    while (left > 0) {
        long w = kt_sys(SYS_write, REPORT_FD, p, left);
        if (w == -EINTR)
            continue;
        if (w <= 0)
            kt_sys(SYS_exit_group, 121);
        p += w, left -= (size_t)w;
    }
}

static int is_valid_result(long r) { return r >= 0 || r >= -4095; }

static void open_pool(void)
{
    struct stat st;
    int trunc = kt_sys(SYS_newfstatat, AT_FDCWD, scratch_a, &st, 0) == 0 && st.st_size > (1 << 20);
    pool_fd[0] = (int)kt_sys(SYS_openat, AT_FDCWD, scratch_a, O_RDWR | O_CREAT | (trunc ? O_TRUNC : 0), 0600);
    trunc = kt_sys(SYS_newfstatat, AT_FDCWD, scratch_b, &st, 0) == 0 && st.st_size > (1 << 20);
    if (trunc)
        kt_sys(SYS_close, kt_sys(SYS_openat, AT_FDCWD, scratch_b, O_WRONLY | O_TRUNC));
    pool_fd[1] = (int)kt_sys(SYS_openat, AT_FDCWD, scratch_b, O_RDONLY | O_CREAT, 0600);
    int p[2] = {-1, -1};
    kt_sys(SYS_pipe2, p, O_NONBLOCK);
    pool_fd[2] = p[0], pool_fd[3] = p[1];
    pool_fd[4] = (int)kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    fd_high = 0;
    for (int i = 0; i < 5; i++)
        if (pool_fd[i] > fd_high)
            fd_high = pool_fd[i];
    for (int i = 0; i < 5; i++)
        pools[K_FD][i] = pools[K_DIRFD][i + 1] = pools[K_DIR][i + 1] = (uint64_t)pool_fd[i];
    pools[K_DIR][0] = (uint64_t)pool_fd[4];
}

/* Maps the sandbox afresh: zeros, but for random bytes in the first 8 KiB and the last page, which the
 * pools use as junk input (paths, strings, structures). */
static void map_sandbox(void)
{
    kt_sys(SYS_mmap, sandbox, SANDBOX_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    uint64_t x = 0x5eed;
    for (size_t i = 0; i < SANDBOX_SIZE; i += 8) {
        if (i == 2 * PAGE)
            i = SANDBOX_SIZE - PAGE;
        x = mix64(x);
        memcpy(sandbox + i, &x, 8);
    }
}

/* Puts the child back in order; none of these calls count. */
static void maintain(int remap)
{
    while (kt_sys(SYS_wait4, -1, NULL, WNOHANG | __WALL, NULL) > 0)
        ;
    for (long fd = 0; fd <= fd_high && fd < 1024; fd++)
        if (fd != REPORT_FD)
            kt_sys(SYS_close, fd);
    open_pool();
    for (int i = 0; i < nforeign; i++)
        kt_sys(SYS_munmap, foreign_maps[i].addr, foreign_maps[i].len);
    nforeign = 0;
    kt_sys(SYS_chdir, "/tmp");
    if (remap || sandbox_changed)
        map_sandbox();
    sandbox_changed = 0;
}

static void note_result(const struct call *c, long r)
{
    const struct syscall_desc *d = &table[c->desc];
    if (r < 0)
        return;
    switch (d->nr) {
    case SYS_open:
    case SYS_openat:
    case SYS_dup:
    case SYS_dup2:
    case SYS_dup3:
        if (r > fd_high)
            fd_high = r;
        break;
    case SYS_fcntl:
        if ((c->a[1] == F_DUPFD || c->a[1] == F_DUPFD_CLOEXEC) && r > fd_high)
            fd_high = r;
        break;
    case SYS_pipe:
    case SYS_pipe2:
        fd_high += 2; /* the two new fds are the lowest free ones: at most two above the highest */
        break;
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_madvise:
        sandbox_changed = 1;
        break;
    case SYS_mmap:
    case SYS_mremap: {
        sandbox_changed = 1;
        uint64_t len = d->nr == SYS_mmap ? c->a[1] : c->a[2];
        if (!in_sandbox((uint64_t)r, 0)) {
            if (nforeign < 256)
                foreign_maps[nforeign].addr = (uint64_t)r, foreign_maps[nforeign++].len = len;
            else
                kt_sys(SYS_munmap, r, len);
        }
        break;
    }
    default:
        break;
    }
}

/* Waits for a grandchild for at most 2 s, then kills it; returns its wait status, -2 if it hung, -3 if
 * it could not be waited for. */
static int wait_grandchild(long pid)
{
    int status = 0;
    for (int i = 0; i < 20000; i++) {
        long r = kt_sys(SYS_wait4, pid, &status, WNOHANG | __WALL, NULL);
        if (r == pid)
            return status;
        if (r < 0 && r != -EINTR)
            return -3;
        struct timespec t = {0, 100000};
        kt_sys(SYS_nanosleep, &t, NULL);
    }
    kt_sys(SYS_kill, pid, SIGKILL);
    kt_sys(SYS_wait4, pid, &status, __WALL, NULL);
    return -2;
}

static long grandchild_fork_error;

static int grandchild(const struct call *c)
{
    const struct syscall_desc *d = &table[c->desc];
    long pid = kt_sys(SYS_fork);
    if (pid < 0) {
        grandchild_fork_error = pid;
        return -1;
    }
    if (pid == 0) {
        kt_sys(SYS_close, REPORT_FD);
        struct rlimit cpu = {1, 1};
        kt_sys(SYS_prlimit64, 0, RLIMIT_CPU, &cpu, NULL);
        if (d->how == RUN_EXIT) {
            kt_sys(d->nr, c->a[0]);
            kt_sys(SYS_exit_group, 199);
        }
        /* rt_sigreturn: fill the frame (in this grandchild's copy of the fixtures) and jump. */
        kt_sys(SYS_mprotect, fixtures, FIXTURE_SIZE, PROT_READ | PROT_WRITE);
        ucontext_t *uc = frame_template;
        memset(uc, 0, sizeof *uc);
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)c->a[1];
        uc->uc_mcontext.gregs[REG_RSP] = (greg_t)c->a[2];
        uc->uc_mcontext.gregs[REG_EFL] = (greg_t)c->a[3];
        uc->uc_mcontext.gregs[REG_CSGSFS] = (greg_t)c->a[4];
        uc->uc_mcontext.fpregs = (fpregset_t)c->a[5];
        uc->uc_mcontext.gregs[REG_RDI] = 42;
        uc->uc_stack.ss_flags = SS_DISABLE;
        fz_sigreturn((void *)c->a[0]);
    }
    return wait_grandchild(pid);
}

/* Runs exit/exit_group/rt_sigreturn in a grandchild; returns its wait status (-1: no fork, -2: it hung,
 * -3: it could not be waited for). SIGCHLD gets a handler meanwhile: the calls may have set it to SIG_IGN
 * or SA_NOCLDWAIT, and then children reap themselves. */
static int run_in_grandchild(const struct call *c)
{
    struct k_sigaction saved, handled = {(void *)noop_handler, SA_SIGINFO | SA_RESTORER, restorer, 0};
    kt_sys(SYS_rt_sigaction, SIGCHLD, &handled, &saved, 8);
    int status = grandchild(c);
    kt_sys(SYS_rt_sigaction, SIGCHLD, &saved, NULL, 8);
    return status;
}

/* Is the way a grandchild ended right? Returns NULL if so, else what was wrong. */
static const char *judge_grandchild(const struct call *c, int status)
{
    const struct syscall_desc *d = &table[c->desc];
    if (status == -1)
        return "fork for the grandchild failed";
    if (status == -2)
        return "hung (killed after 2 s)";
    if (status == -3)
        return "could not be waited for";
    if (d->how == RUN_EXIT) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == (int)(c->a[0] & 0xff))
            return NULL;
        return "did not exit with the status given";
    }
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 42 || WEXITSTATUS(status) == 44))
        return NULL;
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS ||
                                WTERMSIG(status) == SIGILL || WTERMSIG(status) == SIGTRAP ||
                                WTERMSIG(status) == SIGFPE))
        return NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 43)
        return "the resumed frame did port I/O (IOPL or I/O bitmap leaked to ring 3)";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 45)
        return "rt_sigreturn returned a value that is not -errno";
    return "ended in an unexpected way";
}

/* The systematic list: (syscall, argument, value slot); argument -1 is the typical call. */
struct plan_entry {
    short desc;
    signed char arg;
    short slot;
};
static struct plan_entry *plan;
static int plan_size;

static int slots_for(const struct syscall_desc *d, int arg)
{
    uint64_t tmp[40];
    int own = d->kind[arg] == K_FLAGS ? flag_values(d->mask, tmp) : npool[d->kind[arg]];
    return own + NGENERIC;
}

static uint64_t value_for(const struct syscall_desc *d, int arg, int slot)
{
    uint64_t tmp[40];
    int own = d->kind[arg] == K_FLAGS ? flag_values(d->mask, tmp) : npool[d->kind[arg]];
    if (slot >= own)
        return generic[slot - own];
    return d->kind[arg] == K_FLAGS ? tmp[slot] : pools[d->kind[arg]][slot];
}

static void build_plan(void)
{
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (int s = 0; s < NSYSCALLS; s++) {
            if (pass)
                plan[n] = (struct plan_entry){(short)s, -1, 0};
            n++;
            for (int arg = 0; arg < table[s].nargs; arg++)
                for (int slot = 0; slot < slots_for(&table[s], arg); slot++) {
                    if (pass)
                        plan[n] = (struct plan_entry){(short)s, (signed char)arg, (short)slot};
                    n++;
                }
        }
        if (!pass) {
            long p = kt_sys(SYS_mmap, NULL, (size_t)n * sizeof *plan, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p < 0)
                kt_sys(SYS_exit_group, 122);
            plan = (struct plan_entry *)p;
        }
    }
    plan_size = n;
}

static void typical_call(int desc, struct call *c)
{
    c->desc = desc;
    for (int i = 0; i < 6; i++)
        c->a[i] = i < table[desc].nargs ? value_for(&table[desc], i, 0) : 0;
}

static void systematic_call(int index, struct call *c)
{
    const struct plan_entry *p = &plan[index];
    typical_call(p->desc, c);
    if (p->arg >= 0)
        c->a[p->arg] = value_for(&table[p->desc], p->arg, p->slot);
}

static int total_weight;

static void random_call(uint64_t seed, int index, struct call *c)
{
    rng_state = mix64(seed ^ mix64((uint64_t)index + 1));
    int w = (int)(rnd() % (uint64_t)total_weight), desc = 0;
    while (w >= table[desc].weight)
        w -= table[desc].weight, desc++;
    c->desc = desc;
    const struct syscall_desc *d = &table[desc];
    for (int i = 0; i < 6; i++) {
        c->a[i] = 0;
        if (i >= d->nargs)
            continue;
        /* Half the time the typical value (flags: valid bits), so that calls often get far enough to
         * do something; otherwise any value of the kind, a generic boundary value, or raw bits. */
        uint64_t r = rnd() % 100;
        if (d->kind[i] == K_FLAGS && r < 50)
            c->a[i] = rnd() & (uint64_t)d->mask;
        else if (r < 50)
            c->a[i] = value_for(d, i, 0);
        else if (r < 80)
            c->a[i] = value_for(d, i, (int)(rnd() % (uint64_t)(slots_for(d, i) - NGENERIC)));
        else if (r < 93)
            c->a[i] = generic[rnd() % NGENERIC];
        else if (r < 97)
            c->a[i] = rnd() % 4096;
        else
            c->a[i] = rnd();
    }
}

static void child_setup(int report_fd)
{
    kt_sys(SYS_dup2, report_fd, REPORT_FD);
    for (int fd = 0; fd < 1024; fd++)
        if (fd != REPORT_FD)
            kt_sys(SYS_close, fd);
    kt_sys(SYS_chdir, "/tmp");
    self_pid = kt_sys(SYS_getpid), self_tid = kt_sys(SYS_gettid), parent_pid = kt_sys(SYS_getppid);
    struct rlimit rl;
    if (kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_max >= CHILD_NOFILE) {
        rl.rlim_cur = CHILD_NOFILE;
        kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL);
    }
    struct rlimit none = {0, 0}, as = {8ull << 30, 8ull << 30};
    kt_sys(SYS_prlimit64, 0, RLIMIT_CORE, &none, NULL);
    kt_sys(SYS_prlimit64, 0, RLIMIT_AS, &as, NULL);

    /* Every catchable signal runs a no-op, except the fault signals, which keep SIG_DFL. Installed raw:
     * glibc's sigaction refuses 32 and 33, which it keeps for itself. glibc's restorer comes from one
     * handler installed through glibc. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = noop_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct k_sigaction k;
    kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, &k, 8);
    restorer = k.restorer;
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && !fault_signal(sig))
            kt_sys(SYS_rt_sigaction, sig, &k, NULL, 8);

    long area = kt_sys(SYS_mmap, 0x2f0000000000ull, SANDBOX_SIZE + 2 * GUARD_SIZE, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    long fx = kt_sys(SYS_mmap, 0x2f0100000000ull, FIXTURE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    long stack = kt_sys(SYS_mmap, 0x2f0200000000ull, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area < 0 || fx < 0 || stack < 0)
        kt_sys(SYS_exit_group, 123);
    sandbox = (uint8_t *)area + GUARD_SIZE;
    fixtures = (uint8_t *)fx;
    frame_stack = (uint8_t *)stack;
    map_sandbox();
    frame_template = fx_alloc(sizeof(ucontext_t) + 64, 64);
    brk0 = (uint64_t)kt_sys(SYS_brk, 0);

    snprintf(scratch_a, sizeof scratch_a, "/tmp/kt-fuzz-%ld-a", parent_pid);
    snprintf(scratch_b, sizeof scratch_b, "/tmp/kt-fuzz-%ld-b", parent_pid);
    snprintf(notelf, sizeof notelf, "/tmp/kt-fuzz-%ld-notelf", parent_pid);
    long fd = kt_sys(SYS_openat, AT_FDCWD, notelf, O_CREAT | O_WRONLY | O_TRUNC, 0700);
    kt_sys(SYS_write, fd, "this is not a program\n", 22);
    kt_sys(SYS_close, fd);
    open_pool();
    build_pools();
    build_generic();
    kt_sys(SYS_mprotect, fixtures, FIXTURE_SIZE, PROT_READ);
    for (int i = 0; i < NSYSCALLS; i++)
        total_weight += table[i].weight;
    build_plan();
}

static void child_main(int report_fd, int phase, int start, int count, uint64_t seed)
{
    child_setup(report_fd);
    int end = phase == 1 ? plan_size : count;
    struct record r;
    memset(&r, 0, sizeof r);
    r.type = REC_HELLO, r.index = (uint32_t)end;
    report(&r);
    int since = 0, since_remap = 0;
    for (int i = start; i < end; i++) {
        struct call c;
        if (phase == 1)
            systematic_call(i, &c);
        else
            random_call(seed, i, &c);
        sanitize(&c);
        const struct syscall_desc *d = &table[c.desc];
        memset(&r, 0, sizeof r);
        r.type = REC_START, r.index = (uint32_t)i, r.desc = c.desc;
        memcpy(r.a, c.a, sizeof r.a);
        report(&r);

        const char *wrong = NULL;
        long result = 0;
        int status = 0;
        if (d->how == RUN_PLAIN) {
            result = kt_syscall6(d->nr, (long)c.a[0], (long)c.a[1], (long)c.a[2], (long)c.a[3], (long)c.a[4],
                                 (long)c.a[5]);
            if (!is_valid_result(result))
                wrong = "not >= 0 and not a -errno in [-4095, -1]";
            else
                note_result(&c, result);
        } else if (d->how == RUN_FORK) {
            result = fz_fork(d->nr);
            if (!is_valid_result(result))
                wrong = "not >= 0 and not a -errno in [-4095, -1]";
            else if (result > 0) {
                long w;
                do
                    w = kt_sys(SYS_wait4, result, &status, __WALL, NULL);
                while (w == -EINTR);
                if (w == result && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                    wrong = "the child did not exit 0";
            }
        } else {
            status = run_in_grandchild(&c);
            wrong = judge_grandchild(&c, status);
            result = status == -1 ? grandchild_fork_error : 0;
        }
        if (wrong) {
            r.type = REC_BAD, r.result = result, r.status = status;
            snprintf(r.note, sizeof r.note, "%s", wrong);
            report(&r);
        }
        if (++since_remap >= REMAP_EVERY)
            since_remap = 0, since = 0, maintain(1);
        else if (++since >= MAINTAIN_EVERY)
            since = 0, maintain(0);
    }
    memset(&r, 0, sizeof r);
    r.type = REC_DONE, r.index = (uint32_t)end;
    report(&r);
    kt_sys(SYS_exit_group, 0);
}

/* ---- the parent ------------------------------------------------------------------------------------- */

struct phase_result {
    long calls, bad, restarts;
};

static int details_printed;

static void print_call(const char *what, int phase, const struct record *start, const char *tail)
{
    if (details_printed++ >= MAX_DETAILS)
        return;
    const struct syscall_desc *d = &table[start->desc];
    char args[256] = "";
    size_t len = 0;
    for (int i = 0; i < d->nargs && len < sizeof args; i++)
        len += (size_t)snprintf(args + len, sizeof args - len, "%s%#lx", i ? ", " : "", (unsigned long)start->a[i]);
    kt_write_line("# %s: %s call %u: %s(%s)%s", what, phase == 1 ? "systematic" : "random", start->index, d->name,
                  args, tail);
}

static long long now_ms(void)
{
    struct timespec t;
    kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int run_phase(int phase, int count, uint64_t seed, struct phase_result *out)
{
    memset(out, 0, sizeof *out);
    long total = -1, next = 0;
    while (total < 0 || next < total) {
        int p[2];
        if (kt_sys(SYS_pipe2, p, O_CLOEXEC) != 0)
            return -1;
        long pid = kt_sys(SYS_fork);
        if (pid < 0)
            return -1;
        if (pid == 0) {
            kt_sys(SYS_close, p[0]);
            child_main(p[1], phase, (int)next, count, seed);
        }
        kt_sys(SYS_close, p[1]);
        kt_sys(SYS_fcntl, p[0], F_SETFL, O_NONBLOCK);
        static char buf[64 * sizeof(struct record)];
        size_t have = 0;
        struct record last = {0};
        int started = 0, done = 0, hung = 0;
        long long progress = now_ms();
        for (;;) {
            long n = kt_sys(SYS_read, p[0], buf + have, sizeof buf - have);
            if (n > 0) {
                have += (size_t)n;
                size_t used = 0;
                for (; have - used >= sizeof(struct record); used += sizeof(struct record)) {
                    struct record r;
                    memcpy(&r, buf + used, sizeof r);
                    if (r.type == REC_HELLO)
                        total = r.index;
                    else if (r.type == REC_START)
                        last = r, started = 1, out->calls++;
                    else if (r.type == REC_BAD) {
                        out->bad++;
                        char tail[160];
                        if (table[r.desc].how == RUN_PLAIN || table[r.desc].how == RUN_FORK || r.status == -1)
                            snprintf(tail, sizeof tail, " = %s: %s", kt_res((long)r.result), r.note);
                        else
                            snprintf(tail, sizeof tail, ": %s (%s)", r.note,
                                     r.status >= 0 ? kt_status(r.status) : "no status");
                        print_call("bad result", phase, &r, tail);
                    } else if (r.type == REC_DONE)
                        done = 1;
                }
                memmove(buf, buf + used, have - used);
                have -= used;
                progress = now_ms();
                continue;
            }
            if (n == 0)
                break;
            if (now_ms() - progress > STALL_SECONDS * 1000) {
                kt_sys(SYS_kill, pid, SIGKILL);
                hung = 1;
                break;
            }
            struct timespec t = {0, 1000000};
            kt_sys(SYS_nanosleep, &t, NULL);
        }
        kt_sys(SYS_close, p[0]);
        int status = 0;
        while (kt_sys(SYS_wait4, pid, &status, 0, NULL) == -EINTR)
            ;
        if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            break;
        if (!started) {
            kt_write_line("# the fuzzing child died before its first call (%s)", kt_status(status));
            return -1;
        }
        out->restarts++;
        char tail[96];
        snprintf(tail, sizeof tail, ": the child %s", hung ? "made no progress for 10 s" : kt_status(status));
        print_call("child restart", phase, &last, tail);
        next = last.index + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? strtol(argv[1], NULL, 0) : 100000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    if (count < 0 || count > 100000000 || argc > 3) {
        kt_write_line("usage: syscall_fuzz [COUNT [SEED]]");
        return 2;
    }
    kt_write_line("fuzz: %d system calls in the table, seed %llu, %ld random calls", NSYSCALLS,
                  (unsigned long long)seed, count);
    long long t0 = now_ms();
    struct phase_result sys, ran;
    if (run_phase(1, (int)count, seed, &sys) != 0)
        return 2;
    long long t1 = now_ms();
    kt_write_line("fuzz: systematic calls=%ld bad_results=%ld child_restarts=%ld", sys.calls, sys.bad, sys.restarts);
    if (run_phase(2, (int)count, seed, &ran) != 0)
        return 2;
    long long t2 = now_ms();
    kt_write_line("fuzz: random calls=%ld bad_results=%ld child_restarts=%ld", ran.calls, ran.bad, ran.restarts);
    kt_write_line("# fuzz: systematic %lld ms, random %lld ms", t1 - t0, t2 - t1);
    char path[64];
    static const char *const suffixes[] = {"a", "b", "notelf"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/tmp/kt-fuzz-%ld-%s", kt_sys(SYS_getpid), suffixes[i]);
        kt_sys(SYS_unlink, path);
    }
    return sys.bad == 0 && ran.bad == 0 ? 0 : 1;
}
