/*
 * locks: flock(2). Advisory whole-file locks held by open file descriptions: shared locks coexist, an
 * exclusive one excludes every other description's lock; dup() and fork() share the description and so
 * the lock; a description converts its own lock; the lock goes with LOCK_UN or the last close.
 */
#include "ktest.h"

#include <poll.h>
#include <sys/file.h>

static int open_scratch(const char *path)
{
    return (int)kt_sys(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* Two descriptions of one file: shared with shared, not exclusive with anything; conversion both ways;
 * closing the holder frees the file. */
static void t_shared_exclusive_and_conversion(void)
{
    const char *path = kt_tmp_path("flock");
    int a = open_scratch(path), b = open_scratch(path);
    KT_CHECK(a >= 0 && b >= 0, "open: %d %d", a, b);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_SH), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_SH | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_UN), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_EX | LOCK_NB), 0); /* b's shared lock converted */
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_EX | LOCK_NB), 0); /* again: already held */
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_SH | LOCK_NB), 0); /* and back */
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_SH | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_UN), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, b, LOCK_EX | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_close, b), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_EX | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_close, a), 0);
}

/* A dup of the holder is the same description: it holds the lock too, and closing one of the two
 * descriptors keeps it. */
static void t_dup_shares_the_lock(void)
{
    const char *path = kt_tmp_path("flock");
    int a = open_scratch(path), other = open_scratch(path);
    int copy = (int)kt_sys(SYS_dup, a);
    KT_CHECK(a >= 0 && other >= 0 && copy >= 0, "open/dup: %d %d %d", a, other, copy);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_EX), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, copy, LOCK_EX | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_close, a), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, other, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
    KT_CHECK_RES(kt_sys(SYS_close, copy), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, other, LOCK_SH | LOCK_NB), 0);
    KT_CHECK_RES(kt_sys(SYS_close, other), 0);
}

/* A child with a description of its own waits in flock(LOCK_EX) until the parent lets go. */
static void t_blocked_until_released(void)
{
    const char *path = kt_tmp_path("flock");
    int a = open_scratch(path);
    int p[2];
    KT_CHECK(a >= 0, "open: %d", a);
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_EX), 0);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        int mine = open_scratch(path);
        if (mine < 0 || kt_sys(SYS_flock, mine, LOCK_EX | LOCK_NB) != -EWOULDBLOCK)
            _exit(2);
        /* The inherited descriptor is the parent's description: it holds the lock already. */
        if (kt_sys(SYS_flock, a, LOCK_EX | LOCK_NB) != 0)
            _exit(3);
        kt_sys(SYS_close, a);
        long r = kt_sys(SYS_flock, mine, LOCK_EX);
        kt_sys(SYS_write, p[1], r == 0 ? "y" : "n", 1);
        _exit(0);
    }
    struct pollfd fd = {.fd = p[0], .events = POLLIN};
    KT_CHECK_RES(kt_sys(SYS_poll, &fd, 1, 100), 0); /* still waiting */
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_UN), 0);
    char c = 0;
    KT_CHECK_RES(kt_sys(SYS_read, p[0], &c, 1), 1);
    KT_CHECK(c == 'y', "the child's flock after the release: %c", c);
    int status;
    KT_CHECK_RES(kt_reap(pid, &status), pid);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %s", kt_status(status));
    KT_CHECK_RES(kt_sys(SYS_close, a), 0);
}

/* EBADF for a closed descriptor, EINVAL for an operation that is none or two. */
static void t_errors(void)
{
    KT_CHECK_RES(kt_sys(SYS_flock, 999, LOCK_SH), -EBADF);
    int a = open_scratch(kt_tmp_path("flock"));
    KT_CHECK(a >= 0, "open: %d", a);
    KT_CHECK_RES(kt_sys(SYS_flock, a, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_SH | LOCK_EX), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_flock, a, LOCK_NB), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_close, a), 0);
}

static const struct kt_case cases[] = {
    KT_CASE(shared_exclusive_and_conversion),
    KT_CASE(dup_shares_the_lock),
    KT_CASE(blocked_until_released),
    KT_CASE(errors),
};

int main(int argc, char **argv) { return kt_main("locks", cases, KT_COUNT(cases), argc, argv); }
