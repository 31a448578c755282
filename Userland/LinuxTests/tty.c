/*
 * tty: ioctl(2) for terminals (ioctl_tty(2)): TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, and ENOTTY for
 * everything that is not a terminal. On the kernel stdin/stdout/stderr are the serial console; on a CI
 * host they are pipes or files, so each stdio check accepts either, as long as the answers agree with
 * each other. Nothing is ever read from stdin. A pseudo-terminal from /dev/ptmx, where there is one, gives
 * a terminal to test on every host; the kernel has none, and that case is skipped there.
 */
#include "ktest.h"

#include <sys/ioctl.h>
#include <termios.h>

/* The kernel's struct termios (asm-generic/termbits.h), which TCGETS/TCSETS copy: 36 bytes. glibc's
 * struct termios is larger and is not what the kernel reads or writes. */
struct kernel_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};

static int is_terminal(int fd)
{
    struct kernel_termios t;
    return kt_sys(SYS_ioctl, fd, TCGETS, &t) == 0;
}

/* stdin, stdout and stderr are open. */
static void t_stdio_fds_open(void)
{
    for (int fd = 0; fd < 3; fd++)
        KT_CHECK(kt_sys(SYS_fcntl, fd, F_GETFD) >= 0, "fd %d is not open: %s", fd, kt_res(kt_sys(SYS_fcntl, fd, F_GETFD)));
}

/* For each stdio fd, TCGETS either succeeds on a character device (a terminal) or says ENOTTY, and
 * glibc's isatty agrees. */
static void t_stdio_tcgets_consistent(void)
{
    for (int fd = 0; fd < 3; fd++) {
        struct kernel_termios t;
        struct stat st;
        long r = kt_sys(SYS_ioctl, fd, TCGETS, &t);
        KT_CHECK_RES(kt_sys(SYS_fstat, fd, &st), 0);
        if (r == 0) {
            KT_CHECK(S_ISCHR(st.st_mode), "TCGETS works on fd %d, which is not a character device (mode %#o)", fd,
                     st.st_mode);
            KT_CHECK(isatty(fd) == 1, "isatty(%d) = 0 but TCGETS works", fd);
        } else {
            KT_CHECK(r == -ENOTTY, "TCGETS on fd %d = %s, want 0 or -ENOTTY", fd, kt_res(r));
            KT_CHECK(isatty(fd) == 0 && errno == ENOTTY, "isatty(%d) is not 0/ENOTTY", fd);
        }
        kt_write_line("# fd %d: %s", fd, r == 0 ? "terminal" : S_ISFIFO(st.st_mode) ? "pipe" : "not a terminal");
    }
}

/* TIOCGWINSZ works on the stdio fds that are terminals (a serial console may say 0 rows and columns) and is
 * ENOTTY on the others. */
static void t_stdio_winsize(void)
{
    for (int fd = 0; fd < 3; fd++) {
        struct winsize ws;
        long r = kt_sys(SYS_ioctl, fd, TIOCGWINSZ, &ws);
        KT_CHECK(r == (is_terminal(fd) ? 0 : -ENOTTY), "TIOCGWINSZ on fd %d (%s) = %s", fd,
                 is_terminal(fd) ? "a terminal" : "not a terminal", kt_res(r));
    }
}

/* Opens a pseudo-terminal pair; returns 0, or -errno when the system has none (the kernel). */
static long open_pty(int *master, int *slave)
{
    long m = kt_sys(SYS_openat, AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY);
    if (m < 0)
        return m;
    int unlock = 0, n = -1;
    if (kt_sys(SYS_ioctl, m, TIOCSPTLCK, &unlock) != 0 || kt_sys(SYS_ioctl, m, TIOCGPTN, &n) != 0)
        return -ENODEV;
    char path[32];
    snprintf(path, sizeof path, "/dev/pts/%d", n);
    long s = kt_sys(SYS_openat, AT_FDCWD, path, O_RDWR | O_NOCTTY);
    if (s < 0)
        return s;
    *master = (int)m, *slave = (int)s;
    return 0;
}

/* Every terminal at hand (stdio terminals and a pty) takes back its own settings: TCGETS, TCSETS of the same
 * bytes, TCGETS again gives them unchanged. SIGTTOU is ignored so that a run in the background is not
 * stopped. */
static void t_tcsets_roundtrip(void)
{
    signal(SIGTTOU, SIG_IGN);
    int fds[4], n = 0, master, slave;
    for (int fd = 0; fd < 3; fd++)
        if (is_terminal(fd))
            fds[n++] = fd;
    if (open_pty(&master, &slave) == 0)
        fds[n++] = slave;
    if (n == 0) {
        kt_skip("no terminal here (stdio is not one and there is no /dev/ptmx)");
        return;
    }
    for (int i = 0; i < n; i++) {
        struct kernel_termios before, after;
        KT_CHECK_RES(kt_sys(SYS_ioctl, fds[i], TCGETS, &before), 0);
        KT_CHECK_RES(kt_sys(SYS_ioctl, fds[i], TCSETS, &before), 0);
        KT_CHECK_RES(kt_sys(SYS_ioctl, fds[i], TCGETS, &after), 0);
        KT_CHECK(memcmp(&before, &after, sizeof before) == 0, "fd %d: settings changed by setting them to themselves",
                 fds[i]);
    }
}

/* On a pseudo-terminal: TCSETS changes what TCGETS reports (echo off), TIOCSWINSZ on the master is what
 * TIOCGWINSZ on the slave reports. */
static void t_pty_termios_and_winsize(void)
{
    int master, slave;
    long r = open_pty(&master, &slave);
    if (r != 0) {
        kt_skip("no pseudo-terminals here (/dev/ptmx: %s)", kt_res(r));
        return;
    }
    KT_CHECK(isatty(slave) == 1, "isatty(pty slave) = 0");
    struct kernel_termios t, u;
    KT_CHECK_RES(kt_sys(SYS_ioctl, slave, TCGETS, &t), 0);
    t.c_lflag ^= ECHO;
    KT_CHECK_RES(kt_sys(SYS_ioctl, slave, TCSETS, &t), 0);
    KT_CHECK_RES(kt_sys(SYS_ioctl, slave, TCGETS, &u), 0);
    KT_CHECK(u.c_lflag == t.c_lflag, "c_lflag %#x after setting %#x", u.c_lflag, t.c_lflag);
    struct winsize ws = {37, 111, 0, 0}, got = {0, 0, 0, 0};
    KT_CHECK_RES(kt_sys(SYS_ioctl, master, TIOCSWINSZ, &ws), 0);
    KT_CHECK_RES(kt_sys(SYS_ioctl, slave, TIOCGWINSZ, &got), 0);
    KT_CHECK(got.ws_row == 37 && got.ws_col == 111, "window %ux%u, want 37x111", got.ws_row, got.ws_col);
}

/* Terminal ioctls on a regular file, a pipe and a directory are ENOTTY. */
static void t_not_a_terminal_enotty(void)
{
    long file = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("file"), O_CREAT | O_RDWR, 0600);
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    int p[2];
    KT_CHECK(file >= 0 && dir >= 0, "open: %s, %s", kt_res(file), kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    const long fds[] = {file, dir, p[0], p[1]};
    const char *what[] = {"a file", "a directory", "a pipe (read end)", "a pipe (write end)"};
    for (int i = 0; i < 4; i++) {
        struct kernel_termios t;
        struct winsize ws;
        long r = kt_sys(SYS_ioctl, fds[i], TCGETS, &t);
        KT_CHECK(r == -ENOTTY, "TCGETS on %s = %s, want -ENOTTY", what[i], kt_res(r));
        r = kt_sys(SYS_ioctl, fds[i], TIOCGWINSZ, &ws);
        KT_CHECK(r == -ENOTTY, "TIOCGWINSZ on %s = %s, want -ENOTTY", what[i], kt_res(r));
        r = kt_sys(SYS_ioctl, fds[i], TCSETS, &t);
        KT_CHECK(r == -ENOTTY, "TCSETS on %s = %s, want -ENOTTY", what[i], kt_res(r));
        KT_CHECK(isatty((int)fds[i]) == 0, "isatty(%s) = 1", what[i]);
    }
}

/* ioctl on a bad fd is EBADF, whatever the request. */
static void t_ioctl_bad_fd(void)
{
    struct kernel_termios t;
    KT_CHECK_RES(kt_sys(SYS_ioctl, -1, TCGETS, &t), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_ioctl, 1 << 20, TIOCGWINSZ, &t), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_ioctl, -1, 0x12345678, &t), -EBADF);
}

/* On a terminal, a bad argument pointer is EFAULT. */
static void t_terminal_bad_pointer_efault(void)
{
    int fd = -1, master, slave;
    for (int i = 0; i < 3 && fd < 0; i++)
        if (is_terminal(i))
            fd = i;
    if (fd < 0 && open_pty(&master, &slave) == 0)
        fd = slave;
    if (fd < 0) {
        kt_skip("no terminal here");
        return;
    }
    KT_CHECK_RES(kt_sys(SYS_ioctl, fd, TCGETS, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_ioctl, fd, TIOCGWINSZ, KT_KERNEL_HALF), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_ioctl, fd, TCSETS, KT_KERNEL_TEXT), -EFAULT);
}

static const struct kt_case cases[] = {
    KT_CASE(stdio_fds_open),
    KT_CASE(stdio_tcgets_consistent),
    KT_CASE(stdio_winsize),
    KT_CASE(tcsets_roundtrip),
    KT_CASE(pty_termios_and_winsize),
    KT_CASE(not_a_terminal_enotty),
    KT_CASE(ioctl_bad_fd),
    KT_CASE(terminal_bad_pointer_efault),
};

int main(int argc, char **argv) { return kt_main("tty", cases, KT_COUNT(cases), argc, argv); }
