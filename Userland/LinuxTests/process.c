/*
 * process: fork(2), vfork(2), execve(2), wait4(2), _exit(2)/exit_group(2), getpid(2)/getppid, gettid(2),
 * kill(2), tgkill(2), set_tid_address(2), set_robust_list(2), rseq(2).
 * fork is expected to copy eagerly: the child sees the parent's memory as of the fork and later changes
 * leak neither way. The program re-executes itself ("--exec-child MODE") to look at the far side of an
 * execve; the path comes from AT_EXECFN, the name the kernel was asked to run.
 */
#include "ktest.h"

#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/statvfs.h>

extern char **environ;

static const char *argv0;

/* The path this program was started by: AT_EXECFN, or argv[0] should a loader leave AT_EXECFN out (the
 * execve_argv_envp_auxv case reports that). */
static const char *self_path(void)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    return execfn ? execfn : argv0;
}

/* ---- the far side of execve: exit 0 when all is as expected, else an index into this table ---------- */

static const char *const exec_child_failure[] = {
    [1] = "argc is not 5",
    [2] = "argv[2..4] differ from what was passed",
    [3] = "the environment differs from envp (want exactly KT_A=1 and KT_EMPTY=)",
    [4] = "AT_PAGESZ is not 4096",
    [5] = "AT_RANDOM, AT_PHDR or AT_ENTRY is missing",
    [6] = "AT_EXECFN differs from the path passed to execve",
    [7] = "the FD_CLOEXEC descriptor survived execve",
    [8] = "the descriptor without FD_CLOEXEC was closed, or lost its offset or flag",
    [9] = "a caught signal (SIGUSR1) is not back to SIG_DFL",
    [10] = "an ignored signal (SIGUSR2) is no longer ignored",
    [11] = "the blocked signal (SIGWINCH) is no longer blocked",
    [12] = "unknown --exec-child mode",
};

static int exec_child(int argc, char **argv)
{
    const char *mode = argv[2];
    if (strcmp(mode, "exit42") == 0)
        return 42;
    if (strcmp(mode, "argv-envp") == 0) {
        if (argc != 5)
            return 1;
        if (strcmp(argv[3], "two words") != 0 || strcmp(argv[4], "") != 0)
            return 2;
        int n = 0;
        while (environ[n])
            n++;
        if (n != 2 || strcmp(environ[0], "KT_A=1") != 0 || strcmp(environ[1], "KT_EMPTY=") != 0)
            return 3;
        if (getauxval(AT_PAGESZ) != 4096)
            return 4;
        if (!getauxval(AT_RANDOM) || !getauxval(AT_PHDR) || !getauxval(AT_ENTRY))
            return 5;
        if (!getauxval(AT_EXECFN) || strcmp((const char *)getauxval(AT_EXECFN), argv[0]) != 0)
            return 6;
        return 0;
    }
    if (strcmp(mode, "fds") == 0 && argc == 5) {
        int closed = atoi(argv[3]), kept = atoi(argv[4]);
        if (kt_sys(SYS_fcntl, closed, F_GETFD) != -EBADF)
            return 7;
        if (kt_sys(SYS_fcntl, kept, F_GETFD) != 0 || kt_sys(SYS_lseek, kept, 0, SEEK_CUR) != 3)
            return 8;
        return 0;
    }
    if (strcmp(mode, "signals") == 0) {
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        if (sa.sa_handler != SIG_DFL)
            return 9;
        sigaction(SIGUSR2, NULL, &sa);
        if (sa.sa_handler != SIG_IGN)
            return 10;
        sigset_t mask;
        sigprocmask(SIG_SETMASK, NULL, &mask);
        if (!sigismember(&mask, SIGWINCH))
            return 11;
        return 0;
    }
    return 12;
}

/* Checks an exec child's status and names the failure. */
#define KT_CHECK_EXEC_STATUS(status)                                                                         \
    do {                                                                                                     \
        int st_ = (status);                                                                                  \
        KT_CHECK(WIFEXITED(st_), "the exec'd child %s", kt_status(st_));                                     \
        int code_ = WEXITSTATUS(st_);                                                                        \
        KT_CHECK(code_ == 0, "the exec'd child reports: %s",                                                 \
                 code_ < (int)(sizeof exec_child_failure / sizeof *exec_child_failure) && exec_child_failure[code_] \
                     ? exec_child_failure[code_]                                                             \
                     : kt_status(st_));                                                                      \
    } while (0)

/* ---- identity of processes and threads ------------------------------------------------------------- */

/* getpid(2) made directly agrees with glibc's getpid() and is positive. */
static void t_getpid_matches_raw(void)
{
    long raw = kt_sys(SYS_getpid);
    KT_CHECK(raw > 0 && raw == getpid(), "getpid raw %s, glibc %d", kt_res(raw), (int)getpid());
}

/* gettid(2) of a single-threaded process is its pid. */
static void t_gettid_equals_pid(void)
{
    KT_CHECK_RES(kt_sys(SYS_gettid), kt_sys(SYS_getpid));
}

/* fork(2): the parent gets the child's pid, the child gets 0; the child's getpid is that pid and its
 * getppid is the parent. */
static void t_fork_returns_twice(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    long parent = kt_sys(SYS_getpid);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        long ids[3] = {kt_sys(SYS_getpid), kt_sys(SYS_getppid), kt_sys(SYS_gettid)};
        kt_sys(SYS_write, p[1], ids, sizeof ids);
        _exit(0);
    }
    KT_CHECK(pid != parent, "fork returned the parent's own pid %d", (int)pid);
    long ids[3] = {0};
    KT_CHECK_RES(kt_sys(SYS_read, p[0], ids, sizeof ids), (long)sizeof ids);
    KT_CHECK(ids[0] == pid, "the child's getpid %ld, fork returned %d", ids[0], (int)pid);
    KT_CHECK(ids[1] == parent, "the child's getppid %ld, want the parent %ld", ids[1], parent);
    KT_CHECK(ids[2] == pid, "the child's gettid %ld, want its pid %d", ids[2], (int)pid);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %s", kt_status(status));
}

static int g_data = 1; /* .data */
static int g_bss;      /* .bss */

struct fork_view {
    int data, bss, heap, stack, anon;
};

/* fork copies all memory: .data, .bss, the heap, the stack, anonymous mappings. The child sees the values
 * of the moment of the fork, not the parent's later writes; the child's writes do not reach the parent. */
static void t_fork_copies_memory(void)
{
    int *heap = malloc(64 * 1024); /* big enough to be real heap memory */
    volatile int stack_var;
    long anon = kt_sys(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(heap && anon > 0, "malloc/mmap failed: %s", kt_res(anon));
    int *anon_var = (int *)anon;
    g_data = 11, g_bss = 12, *heap = 13, stack_var = 14, *anon_var = 15;
    int go[2], back[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, go, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_pipe2, back, 0), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char c;
        kt_sys(SYS_read, go[0], &c, 1); /* wait until the parent has written its new values */
        struct fork_view seen = {g_data, g_bss, *heap, stack_var, *anon_var};
        g_data = 31, g_bss = 32, *heap = 33, stack_var = 34, *anon_var = 35;
        kt_sys(SYS_write, back[1], &seen, sizeof seen);
        _exit(0);
    }
    g_data = 21, g_bss = 22, *heap = 23, stack_var = 24, *anon_var = 25;
    KT_CHECK_RES(kt_sys(SYS_write, go[1], "g", 1), 1);
    struct fork_view seen = {0};
    KT_CHECK_RES(kt_sys(SYS_read, back[0], &seen, sizeof seen), (long)sizeof seen);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %s", kt_status(status));
    KT_CHECK(seen.data == 11 && seen.bss == 12 && seen.heap == 13 && seen.stack == 14 && seen.anon == 15,
             "the child saw data %d bss %d heap %d stack %d mmap %d, want the values at fork time 11..15",
             seen.data, seen.bss, seen.heap, seen.stack, seen.anon);
    KT_CHECK(g_data == 21 && g_bss == 22 && *heap == 23 && stack_var == 24 && *anon_var == 25,
             "the parent has data %d bss %d heap %d stack %d mmap %d after the child wrote, want 21..25", g_data,
             g_bss, *heap, stack_var, *anon_var);
    free(heap);
    kt_sys(SYS_munmap, anon, 4096);
}

/* After fork both processes share each open file description: the child's write moves the parent's
 * offset. */
static void t_fork_shares_file_offset(void)
{
    long fd = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("offset"), O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0)
        _exit(kt_sys(SYS_write, fd, "child", 5) == 5 ? 0 : 1);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %s", kt_status(status));
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_CUR), 5);
}

/* 32 children exiting with 0..31: wait4(-1) reaps each exactly once, then says ECHILD. */
static void t_fork_many_children(void)
{
    pid_t pids[32];
    for (int i = 0; i < 32; i++) {
        pids[i] = kt_fork();
        KT_CHECK(pids[i] >= 0, "fork #%d: %s", i, kt_errno());
        if (pids[i] == 0)
            _exit(i);
    }
    unsigned seen = 0;
    for (int n = 0; n < 32; n++) {
        int status;
        long pid = kt_sys(SYS_wait4, -1, &status, 0, NULL);
        KT_CHECK(pid > 0, "wait4(-1) #%d = %s", n, kt_res(pid));
        kt_untrack_child((pid_t)pid);
        int i = 0;
        while (i < 32 && pids[i] != pid)
            i++;
        KT_CHECK(i < 32, "wait4 returned %ld, not one of the children", pid);
        KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == i, "child %d %s, want exited %d", i,
                 kt_status(status), i);
        KT_CHECK(!(seen & (1u << i)), "child %d reaped twice", i);
        seen |= 1u << i;
    }
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, NULL, 0, NULL), -ECHILD);
}

/* vfork(2) suspends the parent until the child exits: when vfork returns in the parent, what the child
 * wrote to a pipe is already there. */
static void t_vfork_parent_waits(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, O_NONBLOCK), 0);
    pid_t pid = vfork();
    if (pid == 0) {
        kt_sys(SYS_write, p[1], "v", 1);
        _exit(7);
    }
    KT_CHECK(pid > 0, "vfork: %s", kt_errno());
    kt_track_child(pid);
    char c = 0;
    long r = kt_sys(SYS_read, p[0], &c, 1);
    KT_CHECK(r == 1 && c == 'v', "right after vfork returned, the child's byte: read = %s", kt_res(r));
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child %s, want exited 7", kt_status(status));
}

/* vfork with SIGCHLD ignored: the child is reaped the moment it exits, while its parent is still in vfork;
 * the parent must come back every time (Kitten once read the freed child and waited for good). */
static void t_vfork_child_reaped_at_once(void)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old;
    KT_CHECK(sigaction(SIGCHLD, &ignore, &old) == 0, "sigaction: %s", kt_errno());
    int done = 0;
    for (int i = 0; i < 300; i++) {
        pid_t pid = vfork();
        if (pid == 0)
            _exit(0);
        if (pid < 0)
            break;
        done++;
    }
    KT_CHECK(sigaction(SIGCHLD, &old, NULL) == 0, "sigaction: %s", kt_errno());
    /* Linux lets a vfork parent go on before its child is through exiting, so the last child may end
     * after SIGCHLD is back to default, as a zombie: reap what is left, so that later cases find none. */
    while (kt_sys(SYS_wait4, -1, NULL, 0, NULL) > 0)
        ;
    KT_CHECK(done == 300, "vfork %d of 300: %s", done + 1, kt_errno());
}

/* vfork then execve, the posix_spawn pattern: the new program runs and its exit status comes back. */
static void t_vfork_then_execve(void)
{
    const char *path = self_path();
    char *argv[] = {(char *)path, "--exec-child", "exit42", NULL};
    char *envp[] = {NULL};
    pid_t pid = vfork();
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(127);
    }
    KT_CHECK(pid > 0, "vfork: %s", kt_errno());
    kt_track_child(pid);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "child %s, want exited 42 (127: execve failed)",
             kt_status(status));
}

/* Forks a child that runs execve(self, argv, envp); returns its wait status. */
static int run_exec(char **argv, char **envp)
{
    pid_t pid = kt_fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        kt_sys(SYS_execve, self_path(), argv, envp);
        _exit(127);
    }
    int status = -1;
    kt_reap(pid, &status);
    return status;
}

/* execve(2) passes argv and envp exactly (including an empty string) and sets up the auxiliary vector
 * (AT_PAGESZ, AT_RANDOM, AT_PHDR, AT_ENTRY, AT_EXECFN) that glibc's start-up reads. */
static void t_execve_argv_envp_auxv(void)
{
    char *argv[] = {(char *)self_path(), "--exec-child", "argv-envp", "two words", "", NULL};
    char *envp[] = {"KT_A=1", "KT_EMPTY=", NULL};
    KT_CHECK_EXEC_STATUS(run_exec(argv, envp));
}

/* execve closes FD_CLOEXEC descriptors and keeps the others, with their offsets. */
static void t_execve_closes_cloexec_fds(void)
{
    const char *path = kt_tmp_path("cloexec");
    long closed = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    long kept = kt_sys(SYS_openat, AT_FDCWD, path, O_RDWR);
    KT_CHECK(closed >= 0 && kept >= 0, "open: %s, %s", kt_res(closed), kt_res(kept));
    KT_CHECK_RES(kt_sys(SYS_write, kept, "abc", 3), 3);
    char a[16], b[16];
    snprintf(a, sizeof a, "%ld", closed);
    snprintf(b, sizeof b, "%ld", kept);
    char *argv[] = {(char *)self_path(), "--exec-child", "fds", a, b, NULL};
    char *envp[] = {NULL};
    KT_CHECK_EXEC_STATUS(run_exec(argv, envp));
}

static void noop_handler(int sig) { (void)sig; }

/* execve resets caught signals to SIG_DFL but keeps ignored signals ignored and the signal mask
 * (execve(2), "Signals"). */
static void t_execve_signal_dispositions(void)
{
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        signal(SIGUSR1, noop_handler);
        signal(SIGUSR2, SIG_IGN);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGWINCH);
        sigprocmask(SIG_BLOCK, &block, NULL);
        char *argv[] = {(char *)self_path(), "--exec-child", "signals", NULL};
        char *envp[] = {NULL};
        kt_sys(SYS_execve, self_path(), argv, envp);
        _exit(127);
    }
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK_EXEC_STATUS(status);
}

/* execve errors return to the caller: ENOENT, EACCES for a directory and for a file without execute
 * permission, ENOEXEC for an executable file that is not a program, ENOTDIR, EFAULT. */
static void t_execve_errors(void)
{
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    KT_CHECK_RES(kt_sys(SYS_execve, "/tmp/kt-no-such-program", argv, envp), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_execve, "/tmp", argv, envp), -EACCES);
    KT_CHECK_RES(kt_sys(SYS_execve, NULL, argv, envp), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_execve, KT_KERNEL_HALF, argv, envp), -EFAULT);
    const char *plain = kt_tmp_path("noexec");
    long fd = kt_sys(SYS_openat, AT_FDCWD, plain, O_CREAT | O_WRONLY, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "not a program\n", 14), 14);
    KT_CHECK_RES(kt_sys(SYS_close, fd), 0);
    KT_CHECK_RES(kt_sys(SYS_execve, plain, argv, envp), -EACCES);
    char below[160];
    snprintf(below, sizeof below, "%s/x", plain);
    KT_CHECK_RES(kt_sys(SYS_execve, below, argv, envp), -ENOTDIR);
    const char *text = kt_tmp_path("text");
    fd = kt_sys(SYS_openat, AT_FDCWD, text, O_CREAT | O_WRONLY, 0700);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "not a program\n", 14), 14);
    KT_CHECK_RES(kt_sys(SYS_close, fd), 0);
    long r = kt_sys(SYS_execve, text, argv, envp);
    struct statvfs vfs;
    if (r == -EACCES && statvfs("/tmp", &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
        return; /* /tmp is mounted noexec on this host: EACCES is right there */
    KT_CHECK(r == -ENOEXEC, "execve(an executable text file) = %s, want -ENOEXEC", kt_res(r));
}

/* A bad argv pointer is EFAULT and execve returns, for a real program too (in a child, in case it does
 * not: the program then exits 99 at once, seeing KT_EXEC_GUARD). */
static void t_execve_bad_argv_efault(void)
{
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char *envp[] = {"KT_EXEC_GUARD=1", NULL};
        long r = kt_sys(SYS_execve, self_path(), KT_KERNEL_HALF, envp);
        long r2 = kt_sys(SYS_execve, self_path(), (void *)8, envp);
        _exit(r == -EFAULT && r2 == -EFAULT ? 0 : 1);
    }
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 99), "execve with a bad argv pointer ran the program");
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve with a bad argv: not -EFAULT (child %s)",
             kt_status(status));
}

/* wait4(2) status encoding (wait(2) macros): exit codes are 8 bits (259 becomes 3) in bits 8..15; a
 * signal death is the signal number in bits 0..6. The rusage is filled. */
static void t_wait4_status_encoding(void)
{
    static const struct {
        int code, want;
    } exits[] = {{0, 0}, {3, 3}, {255, 255}, {259, 3}};
    for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++) {
        pid_t pid = kt_fork();
        KT_CHECK(pid >= 0, "fork: %s", kt_errno());
        if (pid == 0)
            kt_sys(SYS_exit_group, exits[i].code);
        int status = -1;
        struct rusage ru;
        memset(&ru, 0xff, sizeof ru);
        long r = kt_sys(SYS_wait4, pid, &status, 0, &ru);
        kt_untrack_child(pid);
        KT_CHECK(r == pid, "wait4 = %s", kt_res(r));
        KT_CHECK(status == exits[i].want << 8, "exit(%d) gave status %#x, want %#x", exits[i].code, status,
                 exits[i].want << 8);
        KT_CHECK(WIFEXITED(status) && !WIFSIGNALED(status) && WEXITSTATUS(status) == exits[i].want,
                 "macros disagree on %#x", status);
        KT_CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec >= 0 &&
                     ru.ru_stime.tv_usec < 1000000,
                 "rusage not filled (utime.usec %ld)", (long)ru.ru_utime.tv_usec);
    }
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char c;
        kt_sys(SYS_read, p[0], &c, 1); /* blocks until killed */
        _exit(0);
    }
    KT_CHECK_RES(kt_sys(SYS_kill, pid, SIGKILL), 0);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(status == SIGKILL, "killed by SIGKILL gave status %#x, want %#x", status, SIGKILL);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !WIFEXITED(status), "macros disagree on %#x",
             status);
}

/* WNOHANG returns 0 while the child runs; a plain wait4 then blocks until it exits. */
static void t_wait4_wnohang(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char c;
        _exit(kt_sys(SYS_read, p[0], &c, 1) == 1 ? 5 : 6);
    }
    int status = -1;
    KT_CHECK_RES(kt_sys(SYS_wait4, pid, &status, WNOHANG, NULL), 0);
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, &status, WNOHANG, NULL), 0);
    KT_CHECK_RES(kt_sys(SYS_write, p[1], "x", 1), 1);
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5, "child %s, want exited 5", kt_status(status));
}

/* wait4 errors: ECHILD with no children or for a process that is not a child, EINVAL for unknown options. */
static void t_wait4_errors(void)
{
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, NULL, 0, NULL), -ECHILD);
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, NULL, WNOHANG, NULL), -ECHILD);
    KT_CHECK_RES(kt_sys(SYS_wait4, kt_sys(SYS_getpid), NULL, 0, NULL), -ECHILD);
    KT_CHECK_RES(kt_sys(SYS_wait4, 1, NULL, 0, NULL), -ECHILD);
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, NULL, 0x1000000, NULL), -EINVAL);
}

/* waitid(2) (.NET's Process class waits this way): the child's end as siginfo, CLD_EXITED with the exit code
 * or CLD_KILLED with the signal; WNOWAIT leaves the child to be waited for again. */
static void t_waitid_exited_killed_nowait(void)
{
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0)
        _exit(7);
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    KT_CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 7,
             "WNOWAIT: signo %d code %d pid %d status %d", si.si_signo, si.si_code, (int)si.si_pid, si.si_status);
    memset(&si, 0, sizeof si);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), 0);
    KT_CHECK(si.si_pid == pid && si.si_status == 7, "second wait: pid %d status %d", (int)si.si_pid, si.si_status);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), -ECHILD);

    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char c;
        kt_sys(SYS_read, p[0], &c, 1);
        _exit(0);
    }
    memset(&si, 0xff, sizeof si);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, NULL), 0);
    KT_CHECK(si.si_pid == 0 && si.si_signo == 0, "WNOHANG with the child running: pid %d signo %d", (int)si.si_pid,
             si.si_signo);
    KT_CHECK_RES(kt_sys(SYS_kill, pid, SIGKILL), 0);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_PGID, 0, &si, WEXITED, NULL), 0);
    KT_CHECK(si.si_code == CLD_KILLED && si.si_status == SIGKILL && si.si_pid == pid, "killed: code %d status %d",
             si.si_code, si.si_status);
}

/* waitid errors: EINVAL for no WEXITED/WSTOPPED/WCONTINUED, unknown bits, a bad idtype or P_PID 0;
 * ECHILD with no children. */
static void t_waitid_errors(void)
{
    siginfo_t si;
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, 0, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, WEXITED | 0x100, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_waitid, 42, 0, &si, WEXITED, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_PID, 0, &si, WEXITED, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), -ECHILD);
    KT_CHECK_RES(kt_sys(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, NULL), -ECHILD);
}

/* A child that has exited stays (a zombie: kill(pid, 0) finds it) until wait4 reaps it; then it is gone
 * (ESRCH). */
static void t_zombie_until_reaped(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0)
        _exit(0);
    KT_CHECK_RES(kt_sys(SYS_close, p[1]), 0);
    char c;
    KT_CHECK_RES(kt_sys(SYS_read, p[0], &c, 1), 0); /* EOF: the child's copy of the write end is closed */
    KT_CHECK_RES(kt_sys(SYS_kill, pid, 0), 0);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK_RES(kt_sys(SYS_kill, pid, 0), -ESRCH);
}

/* exit_group(2) and exit(2) (the last thread's exit ends the process) both give the status. */
static void t_exit_and_exit_group(void)
{
    for (int which = 0; which < 2; which++) {
        pid_t pid = kt_fork();
        KT_CHECK(pid >= 0, "fork: %s", kt_errno());
        if (pid == 0)
            kt_sys(which ? SYS_exit : SYS_exit_group, 5 + which);
        int status;
        KT_CHECK_RES(kt_reap(pid, &status), pid);
        KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5 + which, "%s(%d): child %s",
                 which ? "exit" : "exit_group", 5 + which, kt_status(status));
    }
}

/* kill(2) with signal 0 checks that a process exists; errors: EINVAL for a bad signal, ESRCH for no such
 * process. */
static void t_kill_probe_and_errors(void)
{
    long self = kt_sys(SYS_getpid);
    KT_CHECK_RES(kt_sys(SYS_kill, self, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_kill, self, 65), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_kill, self, -1), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_kill, 0x7fffffff, 0), -ESRCH);
    KT_CHECK_RES(kt_sys(SYS_kill, INT32_MIN, 0), -ESRCH);
}

/* tgkill(2): signal 0 probes a thread; EINVAL for a tgid or tid <= 0 or a bad signal; ESRCH for a thread
 * that is not in the given group. */
static void t_tgkill_probe_and_errors(void)
{
    long pid = kt_sys(SYS_getpid), tid = kt_sys(SYS_gettid);
    KT_CHECK_RES(kt_sys(SYS_tgkill, pid, tid, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_tgkill, 0, tid, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_tgkill, -1, tid, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_tgkill, pid, 0, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_tgkill, pid, tid, 65), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_tgkill, pid, 0x7fffffff, 0), -ESRCH);
    pid_t child = kt_fork();
    KT_CHECK(child >= 0, "fork: %s", kt_errno());
    if (child == 0) {
        struct timespec ts = {5, 0};
        kt_sys(SYS_nanosleep, &ts, NULL);
        _exit(0);
    }
    KT_CHECK_RES(kt_sys(SYS_tgkill, child, tid, 0), -ESRCH); /* our thread is not in the child's group */
    KT_CHECK_RES(kt_sys(SYS_tgkill, child, child, 0), 0);
}

/* set_tid_address(2) returns the caller's tid (in a child, so glibc's own registration stays intact). */
static void t_set_tid_address(void)
{
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        static int tid_word;
        _exit(kt_sys(SYS_set_tid_address, &tid_word) == kt_sys(SYS_gettid) ? 0 : 1);
    }
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "set_tid_address did not return the tid (child %s)",
             kt_status(status));
}

/* set_robust_list(2) takes a head of the right size (24 bytes), EINVAL for any other size. */
static void t_set_robust_list(void)
{
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        static struct {
            void *next;
            long offset;
            void *pending;
        } head = {&head, 0, NULL};
        int code = 0;
        if (kt_sys(SYS_set_robust_list, &head, sizeof head) != 0)
            code = 1;
        else if (kt_sys(SYS_set_robust_list, &head, sizeof head - 1) != -EINVAL)
            code = 2;
        _exit(code);
    }
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s",
             WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "set_robust_list(head, 24) failed"
             : WIFEXITED(status) && WEXITSTATUS(status) == 2 ? "set_robust_list(head, 23) is not -EINVAL"
                                                              : kt_status(status));
}

/* rseq(2) may be missing (ENOSYS) or real. glibc registered its own area at start-up if the kernel has
 * rseq: then that area holds a real CPU number; a second, different area is EINVAL. */
static void t_rseq_enosys_or_registered(void)
{
    static struct rseq other __attribute__((aligned(32)));
    long r = kt_sys(SYS_rseq, &other, sizeof other, 0, RSEQ_SIG);
    if (r == -ENOSYS) {
        KT_CHECK(__rseq_size == 0, "rseq is ENOSYS now but glibc registered an area at start-up");
        return;
    }
    if (__rseq_size == 0) { /* glibc did not register (turned off by a tunable): we may */
        KT_CHECK(r == 0, "rseq(register) = %s, want 0 or -ENOSYS", kt_res(r));
        KT_CHECK_RES(kt_sys(SYS_rseq, &other, sizeof other, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), 0);
        return;
    }
    KT_CHECK(r == -EINVAL, "registering a second rseq area = %s, want -EINVAL", kt_res(r));
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    volatile struct rseq *mine = (struct rseq *)(tp + __rseq_offset);
    long cpu = (long)(int)mine->cpu_id;
    KT_CHECK(cpu >= 0 && cpu < 4096, "glibc's rseq area has cpu_id %ld", cpu);
}

static const struct kt_case cases[] = {
    KT_CASE(getpid_matches_raw),
    KT_CASE(gettid_equals_pid),
    KT_CASE(fork_returns_twice),
    KT_CASE(fork_copies_memory),
    KT_CASE(fork_shares_file_offset),
    KT_CASE(fork_many_children),
    KT_CASE(vfork_parent_waits),
    KT_CASE(vfork_then_execve),
    KT_CASE(vfork_child_reaped_at_once),
    KT_CASE(execve_argv_envp_auxv),
    KT_CASE(execve_closes_cloexec_fds),
    KT_CASE(execve_signal_dispositions),
    KT_CASE(execve_errors),
    KT_CASE(execve_bad_argv_efault),
    KT_CASE(wait4_status_encoding),
    KT_CASE(wait4_wnohang),
    KT_CASE(wait4_errors),
    KT_CASE(waitid_exited_killed_nowait),
    KT_CASE(waitid_errors),
    KT_CASE(zombie_until_reaped),
    KT_CASE(exit_and_exit_group),
    KT_CASE(kill_probe_and_errors),
    KT_CASE(tgkill_probe_and_errors),
    KT_CASE(set_tid_address),
    KT_CASE(set_robust_list),
    KT_CASE(rseq_enosys_or_registered),
};

int main(int argc, char **argv)
{
    argv0 = argv[0];
    if (getenv("KT_EXEC_GUARD"))
        return 99; /* started by an execve that should have failed: do nothing */
    if (argc >= 3 && strcmp(argv[1], "--exec-child") == 0)
        return exec_child(argc, argv);
    return kt_main("process", cases, KT_COUNT(cases), argc, argv);
}
