/*
 * files: the file-descriptor system calls a static program uses, with Linux's results and error numbers.
 * open(2), openat(2), read(2), write(2), readv(2), writev(2), close(2), lseek(2), pread64/pwrite64 (pread(2)),
 * fstat/newfstatat (stat(2)), getdents64 (getdents(2)), dup/dup2/dup3 (dup(2)), pipe/pipe2 (pipe(2)),
 * fcntl(2) (F_GETFD/F_SETFD/F_GETFL/F_SETFL/F_DUPFD/F_DUPFD_CLOEXEC).
 * Scratch files live in /tmp (the only writable place on the kernel); stdin is never read.
 */
#include "ktest.h"

#include <dirent.h>
#include <sys/uio.h>

static unsigned char pattern_byte(size_t i) { return (unsigned char)(i * 7 + (i >> 8) + 1); }

/* Creates a fresh scratch file, O_RDWR; returns the fd or -errno. */
static int scratch(const char *tag)
{
    return (int)kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path(tag), O_CREAT | O_EXCL | O_RDWR, 0600);
}

/* openat(2): O_CREAT|O_EXCL creates the file once; a second time it is EEXIST. */
static void t_openat_creat_excl(void)
{
    const char *path = kt_tmp_path("excl");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_EXCL | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "openat(%s, O_CREAT|O_EXCL) = %s", path, kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_EXCL | O_RDWR, 0600), -EEXIST);
    long again = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY);
    KT_CHECK(again >= 0 && again != fd, "reopen without O_CREAT = %s", kt_res(again));
}

/* open(2) (the old syscall 2, which glibc no longer uses) and "the lowest-numbered file descriptor not
 * currently open" rule from POSIX. */
static void t_open_lowest_free_fd(void)
{
    const char *path = kt_tmp_path("lowest");
    long a = kt_sys(SYS_open, path, O_CREAT | O_RDWR, 0600);
    KT_CHECK(a >= 0, "open(O_CREAT) = %s", kt_res(a));
    long b = kt_sys(SYS_open, path, O_RDONLY);
    KT_CHECK(b == a + 1 || b > a, "second open = %s after %ld", kt_res(b), a);
    KT_CHECK_RES(kt_sys(SYS_close, a), 0);
    long c = kt_sys(SYS_open, path, O_RDONLY);
    KT_CHECK(c == a, "open after closing fd %ld returned %s, want the lowest free fd %ld", a, kt_res(c), a);
}

/* write(2) then read(2) back 10000 bytes (more than two pages), in uneven pieces; read at EOF gives 0. */
static void t_write_then_read_back(void)
{
    static unsigned char out[10000], in[10000];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = pattern_byte(i);
    int fd = scratch("rw");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, out, 3000), 3000);
    KT_CHECK_RES(kt_sys(SYS_write, fd, out + 3000, 7000), 7000);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_SET), 0);
    size_t got = 0;
    while (got < sizeof in) {
        long r = kt_sys(SYS_read, fd, in + got, 4097);
        KT_CHECK(r > 0, "read at offset %zu = %s", got, kt_res(r));
        got += (size_t)r;
    }
    KT_CHECK(memcmp(in, out, sizeof in) == 0, "data read back differs from data written");
    KT_CHECK_RES(kt_sys(SYS_read, fd, in, sizeof in), 0);
}

/* A zero-length read or write returns 0 and does not touch the buffer, even a NULL one. */
static void t_zero_length_io(void)
{
    int fd = scratch("zero");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, NULL, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_read, fd, NULL, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_END), 0);
}

/* lseek(2): SEEK_SET, SEEK_CUR and SEEK_END return the new offset. */
static void t_lseek_whence(void)
{
    int fd = scratch("seek");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "0123456789", 10), 10);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_CUR), 10);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 3, SEEK_SET), 3);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 2, SEEK_CUR), 5);
    char c = 0;
    KT_CHECK_RES(kt_sys(SYS_read, fd, &c, 1), 1);
    KT_CHECK(c == '5', "read after seeking to 5 got '%c'", c);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, -1, SEEK_END), 9);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_END), 10);
}

/* lseek(2) errors: a negative result is EINVAL, an unknown whence EINVAL, a pipe ESPIPE, a bad fd EBADF. */
static void t_lseek_errors(void)
{
    int fd = scratch("seekerr");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, -1, SEEK_SET), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, -1, SEEK_CUR), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, 77), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_CUR), 0); /* the failed calls left the offset alone */
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_lseek, p[0], 0, SEEK_SET), -ESPIPE);
    KT_CHECK_RES(kt_sys(SYS_lseek, -1, 0, SEEK_SET), -EBADF);
}

/* Seeking past the end and writing leaves a hole that reads back as zeros (lseek(2)). */
static void t_lseek_hole_reads_zeros(void)
{
    int fd = scratch("hole");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "ab", 2), 2);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 8192, SEEK_SET), 8192);
    KT_CHECK_RES(kt_sys(SYS_write, fd, "z", 1), 1);
    struct stat st;
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &st), 0);
    KT_CHECK(st.st_size == 8193, "size after writing at 8192 is %lld, want 8193", (long long)st.st_size);
    static unsigned char buf[8193];
    memset(buf, 0xee, sizeof buf);
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, buf, sizeof buf, 0), 8193);
    KT_CHECK(buf[0] == 'a' && buf[1] == 'b' && buf[8192] == 'z', "the written bytes moved");
    for (int i = 2; i < 8192; i++)
        KT_CHECK(buf[i] == 0, "hole byte %d is %#x, want 0", i, buf[i]);
}

/* pread64/pwrite64 use the given offset and leave the file offset alone; errors as in pread(2). */
static void t_pread_pwrite(void)
{
    int fd = scratch("pread");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "0123456789", 10), 10);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 2, SEEK_SET), 2);
    KT_CHECK_RES(kt_sys(SYS_pwrite64, fd, "XY", 2, 6), 2);
    char buf[16] = {0};
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, buf, 4, 5), 4);
    KT_CHECK(memcmp(buf, "5XY8", 4) == 0, "pread(4 bytes at 5) read \"%.4s\", want \"5XY8\"", buf);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_CUR), 2);
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, buf, 4, 100), 0);
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, buf, 4, -1), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_pwrite64, fd, buf, 4, -1), -EINVAL);
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_pread64, p[0], buf, 1, 0), -ESPIPE);
    KT_CHECK_RES(kt_sys(SYS_pwrite64, p[1], buf, 1, 0), -ESPIPE);
}

/* writev(2) gathers, readv(2) scatters, in order, across iovecs of different lengths (one empty). */
static void t_readv_writev(void)
{
    int fd = scratch("iov");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    struct iovec out[3] = {{"hello", 5}, {"", 0}, {" world!", 7}};
    KT_CHECK_RES(kt_sys(SYS_writev, fd, out, 3), 12);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_SET), 0);
    char a[4], b[4], c[8] = {0};
    struct iovec in[3] = {{a, 4}, {b, 4}, {c, 8}};
    KT_CHECK_RES(kt_sys(SYS_readv, fd, in, 3), 12);
    KT_CHECK(memcmp(a, "hell", 4) == 0 && memcmp(b, "o wo", 4) == 0 && memcmp(c, "rld!", 4) == 0,
             "readv split \"%.4s\" \"%.4s\" \"%.4s\"", a, b, c);
}

/* readv/writev errors: a negative or over-IOV_MAX (1024) count is EINVAL, zero iovecs transfer 0, a bad
 * iovec array is EFAULT. */
static void t_readv_writev_errors(void)
{
    int fd = scratch("ioverr");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    struct iovec one = {"x", 1};
    KT_CHECK_RES(kt_sys(SYS_writev, fd, &one, -1), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_writev, fd, &one, 1025), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_readv, fd, &one, 1025), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_writev, fd, &one, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_writev, fd, NULL, 1), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_readv, fd, NULL, 1), -EFAULT);
}

/* fstat(2) on a regular file: type, size, link count, permission bits. */
static void t_fstat_regular_file(void)
{
    int fd = scratch("fstat");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "12345", 5), 5);
    struct stat st;
    memset(&st, 0xff, sizeof st);
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &st), 0);
    KT_CHECK(S_ISREG(st.st_mode), "st_mode %#o is not a regular file", st.st_mode);
    KT_CHECK(st.st_size == 5, "st_size %lld, want 5", (long long)st.st_size);
    KT_CHECK(st.st_nlink == 1, "st_nlink %lu, want 1", (unsigned long)st.st_nlink);
    KT_CHECK((st.st_mode & 0777) == 0600, "permissions %#o, created with mode 0600", st.st_mode & 0777);
    KT_CHECK(st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
    KT_CHECK_RES(kt_sys(SYS_fstat, -1, &st), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, NULL), -EFAULT);
}

/* fstat(2) tells a pipe (S_IFIFO) and a directory (S_IFDIR) apart. */
static void t_fstat_pipe_and_directory(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    struct stat st;
    KT_CHECK_RES(kt_sys(SYS_fstat, p[0], &st), 0);
    KT_CHECK(S_ISFIFO(st.st_mode), "pipe st_mode %#o is not S_IFIFO", st.st_mode);
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /tmp: %s", kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_fstat, dir, &st), 0);
    KT_CHECK(S_ISDIR(st.st_mode), "/tmp st_mode %#o is not S_IFDIR", st.st_mode);
}

/* newfstatat(2) (glibc's stat and fstatat): by path, relative to a directory fd, AT_EMPTY_PATH, errors. */
static void t_newfstatat(void)
{
    int fd = scratch("statat");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    struct stat byfd, bypath, st;
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &byfd), 0);
    const char *path = kt_paths[kt_npaths - 1];
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, path, &bypath, 0), 0);
    KT_CHECK(bypath.st_ino == byfd.st_ino && bypath.st_dev == byfd.st_dev, "path and fd name different files");
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /tmp: %s", kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_newfstatat, dir, path + strlen("/tmp/"), &st, 0), 0);
    KT_CHECK(st.st_ino == byfd.st_ino, "relative to a directory fd: another file");
    KT_CHECK_RES(kt_sys(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), 0);
    KT_CHECK(st.st_ino == byfd.st_ino, "AT_EMPTY_PATH: another file");
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/", &st, 0), 0);
    KT_CHECK(S_ISDIR(st.st_mode), "/ is not a directory (st_mode %#o)", st.st_mode);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/tmp/kt-no-such-file", &st, 0), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "", &st, 0), -ENOENT);
    char below_file[160];
    snprintf(below_file, sizeof below_file, "%s/x", path);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, below_file, &st, 0), -ENOTDIR);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, NULL, &st, 0), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/", &st, 0x40000000), -EINVAL);
}

struct dirent_scan {
    int entries, dot, dotdot, found, found_type;
    const char *bad; /* the first malformed record, if any */
};

/* Reads a whole directory with getdents64 through a small buffer (so it takes several calls). */
static long scan_directory(int dir, const char *wanted, struct dirent_scan *scan)
{
    static char buf[512];
    memset(scan, 0, sizeof *scan);
    for (;;) {
        long n = kt_sys(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0)
            return n;
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            size_t len = strnlen(d->d_name, 256);
            if (d->d_reclen < offsetof(struct dirent64, d_name) + len + 1 || d->d_reclen % 8 != 0 ||
                off + d->d_reclen > n) {
                scan->bad = "a record's d_reclen is too short, unaligned or past the returned length";
                return -1000;
            }
            scan->entries++;
            scan->dot += strcmp(d->d_name, ".") == 0;
            scan->dotdot += strcmp(d->d_name, "..") == 0;
            if (wanted && strcmp(d->d_name, wanted) == 0) {
                scan->found++;
                scan->found_type = d->d_type;
            }
            off += d->d_reclen;
        }
    }
}

/* getdents64 lists a directory: ".", "..", and a file just created (d_type DT_REG, or DT_UNKNOWN, which
 * getdents(2) allows), with well-formed records; the end is a 0 return. */
static void t_getdents64_lists_entries(void)
{
    int fd = scratch("dirent");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    const char *name = kt_paths[kt_npaths - 1] + strlen("/tmp/");
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /tmp: %s", kt_res(dir));
    struct dirent_scan scan;
    long r = scan_directory((int)dir, name, &scan);
    KT_CHECK(r == 0, "getdents64 = %s%s%s", kt_res(r), scan.bad ? ": " : "", scan.bad ? scan.bad : "");
    KT_CHECK(scan.dot == 1 && scan.dotdot == 1, "\".\" seen %d times, \"..\" %d times, want once each", scan.dot,
             scan.dotdot);
    KT_CHECK(scan.found == 1, "%s seen %d times in /tmp, want once", name, scan.found);
    KT_CHECK(scan.found_type == DT_REG || scan.found_type == DT_UNKNOWN, "d_type %d, want DT_REG (%d)",
             scan.found_type, DT_REG);
    char more[512];
    KT_CHECK_RES(kt_sys(SYS_getdents64, dir, more, sizeof more), 0); /* at the end it stays at the end */
}

/* getdents64 on the root directory (read-only on the kernel) lists something, including "." and "..". */
static void t_getdents64_root(void)
{
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /: %s", kt_res(dir));
    struct dirent_scan scan;
    long r = scan_directory((int)dir, NULL, &scan);
    KT_CHECK(r == 0, "getdents64(/) = %s%s%s", kt_res(r), scan.bad ? ": " : "", scan.bad ? scan.bad : "");
    KT_CHECK(scan.dot == 1 && scan.dotdot == 1 && scan.entries > 2, "/ lists %d entries (\".\" %d, \"..\" %d)",
             scan.entries, scan.dot, scan.dotdot);
}

/* getdents64 errors: not a directory ENOTDIR, a buffer too small for one record EINVAL, bad fd EBADF. */
static void t_getdents64_errors(void)
{
    char buf[512];
    int fd = scratch("direrr");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_getdents64, fd, buf, sizeof buf), -ENOTDIR);
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /tmp: %s", kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_getdents64, dir, buf, 1), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_getdents64, -1, buf, sizeof buf), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_getdents64, dir, NULL, sizeof buf), -EFAULT);
}

/* dup(2): the lowest free fd, sharing the open file description (so the offset), without FD_CLOEXEC. */
static void t_dup_shares_offset(void)
{
    const char *path = kt_tmp_path("dup");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    long probe = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY);
    KT_CHECK(probe >= 0, "open: %s", kt_res(probe));
    KT_CHECK_RES(kt_sys(SYS_close, probe), 0); /* probe is now the lowest free fd */
    KT_CHECK_RES(kt_sys(SYS_dup, fd), probe);
    KT_CHECK_RES(kt_sys(SYS_write, fd, "abc", 3), 3);
    KT_CHECK_RES(kt_sys(SYS_lseek, probe, 0, SEEK_CUR), 3);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
    KT_CHECK_RES(kt_sys(SYS_fcntl, probe, F_GETFD), 0);
    KT_CHECK_RES(kt_sys(SYS_dup, -1), -EBADF);
}

/* dup2(2): onto itself returns it; onto an open fd closes that fd first; the copy has no FD_CLOEXEC. */
static void t_dup2_semantics(void)
{
    const char *path = kt_tmp_path("dup2");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    long other = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(other >= 0, "open /tmp: %s", kt_res(other));
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, fd), fd);
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, other), other);
    struct stat a, b;
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &a), 0);
    KT_CHECK_RES(kt_sys(SYS_fstat, other, &b), 0);
    KT_CHECK(S_ISREG(b.st_mode) && a.st_ino == b.st_ino, "the target fd does not name the file after dup2");
    KT_CHECK_RES(kt_sys(SYS_fcntl, other, F_GETFD), 0);
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, 100), 100);
    KT_CHECK_RES(kt_sys(SYS_close, 100), 0);
    KT_CHECK_RES(kt_sys(SYS_dup2, -1, other), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, -1), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, 1 << 30), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_dup2, 1 << 30, fd), -EBADF);
}

/* dup3(2): onto itself is EINVAL (unlike dup2), O_CLOEXEC sets FD_CLOEXEC, other flags are EINVAL. */
static void t_dup3_semantics(void)
{
    int fd = scratch("dup3");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_dup3, fd, fd, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_dup3, fd, 101, O_CLOEXEC), 101);
    KT_CHECK_RES(kt_sys(SYS_fcntl, 101, F_GETFD), FD_CLOEXEC);
    KT_CHECK_RES(kt_sys(SYS_dup3, fd, 102, 0), 102);
    KT_CHECK_RES(kt_sys(SYS_fcntl, 102, F_GETFD), 0);
    KT_CHECK_RES(kt_sys(SYS_dup3, fd, 103, O_NONBLOCK), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_dup3, -1, 103, 0), -EBADF);
}

/* pipe(2): bytes come out in order; once every write end is closed, read returns 0 (end of file). */
static void t_pipe_order_and_eof(void)
{
    int p[2] = {-1, -1};
    KT_CHECK_RES(kt_sys(SYS_pipe, p), 0);
    KT_CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe gave fds %d and %d", p[0], p[1]);
    KT_CHECK_RES(kt_sys(SYS_write, p[1], "abc", 3), 3);
    KT_CHECK_RES(kt_sys(SYS_write, p[1], "def", 3), 3);
    char buf[16] = {0};
    KT_CHECK_RES(kt_sys(SYS_read, p[0], buf, sizeof buf), 6);
    KT_CHECK(memcmp(buf, "abcdef", 6) == 0, "read \"%.6s\", want \"abcdef\"", buf);
    KT_CHECK_RES(kt_sys(SYS_close, p[1]), 0);
    KT_CHECK_RES(kt_sys(SYS_read, p[0], buf, sizeof buf), 0);
    KT_CHECK_RES(kt_sys(SYS_write, p[0], "x", 1), -EBADF); /* the read end is not writable */
    KT_CHECK_RES(kt_sys(SYS_pipe, NULL), -EFAULT);
}

/* Writing to a pipe nobody can read is EPIPE when SIGPIPE is ignored (pipe(7)). */
static void t_pipe_no_reader_epipe(void)
{
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_close, p[0]), 0);
    KT_CHECK_RES(kt_sys(SYS_write, p[1], "x", 1), -EPIPE);
}

/* pipe2(2) flags: O_CLOEXEC and O_NONBLOCK reach both ends; an empty non-blocking pipe reads EAGAIN;
 * other flags are EINVAL. */
static void t_pipe2_flags(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK), 0);
    for (int i = 0; i < 2; i++) {
        KT_CHECK_RES(kt_sys(SYS_fcntl, p[i], F_GETFD), FD_CLOEXEC);
        long fl = kt_sys(SYS_fcntl, p[i], F_GETFL);
        KT_CHECK(fl >= 0 && (fl & O_NONBLOCK), "end %d F_GETFL = %s, want O_NONBLOCK set", i, kt_res(fl));
        KT_CHECK((fl & O_ACCMODE) == (i == 0 ? O_RDONLY : O_WRONLY), "end %d access mode %ld", i, fl & O_ACCMODE);
    }
    char c;
    KT_CHECK_RES(kt_sys(SYS_read, p[0], &c, 1), -EAGAIN);
    int q[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, q, O_RDWR), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_pipe2, q, 0x40000000), -EINVAL);
}

/* A non-blocking pipe holds at least PIPE_BUF (4096) bytes, then says EAGAIN; all of it reads back. */
static void t_pipe_capacity(void)
{
    int p[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, p, O_NONBLOCK), 0);
    static unsigned char chunk[1000];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = pattern_byte(i);
    long total = 0, r;
    while ((r = kt_sys(SYS_write, p[1], chunk, sizeof chunk)) > 0 && total < (1 << 24))
        total += r;
    KT_CHECK(r == -EAGAIN, "writing to a full non-blocking pipe = %s, want -EAGAIN", kt_res(r));
    KT_CHECK(total >= 4096, "pipe took %ld bytes, want at least PIPE_BUF (4096)", total);
    long back = 0;
    while ((r = kt_sys(SYS_read, p[0], chunk, sizeof chunk)) > 0)
        back += r;
    KT_CHECK(r == -EAGAIN && back == total, "read back %ld of %ld bytes, then %s", back, total, kt_res(r));
}

/* fcntl(2) F_GETFD/F_SETFD: the close-on-exec flag is per descriptor. */
static void t_fcntl_fd_flags(void)
{
    int fd = scratch("getfd");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_GETFD), 0);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), 0);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_SETFD, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_GETFD), 0);
    long cloexec = kt_sys(SYS_openat, AT_FDCWD, kt_paths[kt_npaths - 1], O_RDONLY | O_CLOEXEC);
    KT_CHECK(cloexec >= 0, "open O_CLOEXEC: %s", kt_res(cloexec));
    KT_CHECK_RES(kt_sys(SYS_fcntl, cloexec, F_GETFD), FD_CLOEXEC);
}

/* fcntl(2) F_GETFL/F_SETFL: the access mode is reported and cannot be changed; O_APPEND and O_NONBLOCK
 * can, and O_APPEND makes every write go to the end. */
static void t_fcntl_status_flags(void)
{
    int fd = scratch("getfl");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    long fl = kt_sys(SYS_fcntl, fd, F_GETFL);
    KT_CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & (O_APPEND | O_NONBLOCK)), "F_GETFL = %s",
             kt_res(fl));
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY), 0);
    fl = kt_sys(SYS_fcntl, fd, F_GETFL);
    KT_CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR && (fl & O_APPEND) && (fl & O_NONBLOCK),
             "after F_SETFL(O_APPEND|O_NONBLOCK|O_RDONLY), F_GETFL = %#lx", fl);
    KT_CHECK_RES(kt_sys(SYS_write, fd, "abcd", 4), 4);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_SET), 0);
    KT_CHECK_RES(kt_sys(SYS_write, fd, "ef", 2), 2);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_CUR), 6); /* appended despite the seek to 0 */
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_SETFL, 0), 0);
    fl = kt_sys(SYS_fcntl, fd, F_GETFL);
    KT_CHECK(fl >= 0 && !(fl & (O_APPEND | O_NONBLOCK)), "F_SETFL(0) left %#lx", fl);
}

/* fcntl(2) F_DUPFD/F_DUPFD_CLOEXEC: the lowest free fd at or above the argument. */
static void t_fcntl_dupfd(void)
{
    int fd = scratch("dupfd");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_dup2, fd, 20), 20);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_DUPFD, 20), 21); /* 20 is taken */
    KT_CHECK_RES(kt_sys(SYS_fcntl, 21, F_GETFD), 0);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 20), 22);
    KT_CHECK_RES(kt_sys(SYS_fcntl, 22, F_GETFD), FD_CLOEXEC);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_DUPFD, -1), -EINVAL);
    struct rlimit rl;
    KT_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit: %s", kt_errno());
    if (rl.rlim_cur < (1u << 30))
        KT_CHECK_RES(kt_sys(SYS_fcntl, fd, F_DUPFD, rl.rlim_cur), -EINVAL);
}

/* fcntl(2) errors: a bad fd is EBADF, an unknown command EINVAL. */
static void t_fcntl_errors(void)
{
    int fd = scratch("fcntlerr");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_fcntl, -1, F_GETFD), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_fcntl, 1 << 20, F_GETFL), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_fcntl, fd, 9999), -EINVAL);
}

/* close(2) of a bad or already closed fd is EBADF, and so is any I/O on a closed fd. */
static void t_close_errors(void)
{
    int fd = scratch("close");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_close, fd), 0);
    KT_CHECK_RES(kt_sys(SYS_close, fd), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_close, -1), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_close, 1 << 20), -EBADF);
    char c;
    KT_CHECK_RES(kt_sys(SYS_read, fd, &c, 1), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_write, fd, "x", 1), -EBADF);
}

/* The access mode is enforced: write on O_RDONLY and read on O_WRONLY are EBADF. */
static void t_access_mode_enforced(void)
{
    int fd = scratch("mode");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    const char *path = kt_paths[kt_npaths - 1];
    long ro = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY);
    long wo = kt_sys(SYS_openat, AT_FDCWD, path, O_WRONLY);
    KT_CHECK(ro >= 0 && wo >= 0, "open: %s / %s", kt_res(ro), kt_res(wo));
    char c;
    KT_CHECK_RES(kt_sys(SYS_write, ro, "x", 1), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_read, wo, &c, 1), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_write, wo, "x", 1), 1);
    KT_CHECK_RES(kt_sys(SYS_read, ro, &c, 1), 1);
}

/* open(2) errors: ENOENT, ENOTDIR, EISDIR, EFAULT, ENAMETOOLONG. */
static void t_open_errors(void)
{
    int fd = scratch("openerr");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    const char *path = kt_paths[kt_npaths - 1];
    char below_file[160];
    snprintf(below_file, sizeof below_file, "%s/x", path);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, "/tmp/kt-no-such-file", O_RDONLY), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, "/kt-no-such-dir/x", O_CREAT | O_RDWR, 0600), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, below_file, O_RDONLY), -ENOTDIR);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY), -ENOTDIR);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_WRONLY), -EISDIR);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, NULL, O_RDONLY), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_open, NULL, O_RDONLY), -EFAULT);
    static char longname[5000];
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, longname, O_RDONLY), -ENAMETOOLONG);
    KT_CHECK_RES(kt_sys(SYS_openat, -1, "relative", O_RDONLY), -EBADF);
}

/* O_TRUNC empties an existing file; O_APPEND writes at the end whatever the offset. */
static void t_open_trunc_and_append(void)
{
    int fd = scratch("trunc");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    const char *path = kt_paths[kt_npaths - 1];
    KT_CHECK_RES(kt_sys(SYS_write, fd, "0123456789", 10), 10);
    long app = kt_sys(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND);
    KT_CHECK(app >= 0, "open O_APPEND: %s", kt_res(app));
    KT_CHECK_RES(kt_sys(SYS_write, app, "ab", 2), 2);
    struct stat st;
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &st), 0);
    KT_CHECK(st.st_size == 12, "size after O_APPEND write %lld, want 12", (long long)st.st_size);
    long tr = kt_sys(SYS_openat, AT_FDCWD, path, O_WRONLY | O_TRUNC);
    KT_CHECK(tr >= 0, "open O_TRUNC: %s", kt_res(tr));
    KT_CHECK_RES(kt_sys(SYS_fstat, fd, &st), 0);
    KT_CHECK(st.st_size == 0, "size after O_TRUNC %lld, want 0", (long long)st.st_size);
}

/* A buffer the process cannot access is EFAULT, for reading into it and for writing from it. */
static void t_bad_buffer_efault(void)
{
    int fd = scratch("efault");
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "0123456789", 10), 10);
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 0, SEEK_SET), 0);
    KT_CHECK_RES(kt_sys(SYS_read, fd, NULL, 10), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_write, fd, NULL, 10), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_read, fd, KT_KERNEL_TEXT, 10), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_write, fd, KT_KERNEL_HALF, 10), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, NULL, 10, 0), -EFAULT);
}

static const struct kt_case cases[] = {
    KT_CASE(openat_creat_excl),
    KT_CASE(open_lowest_free_fd),
    KT_CASE(write_then_read_back),
    KT_CASE(zero_length_io),
    KT_CASE(lseek_whence),
    KT_CASE(lseek_errors),
    KT_CASE(lseek_hole_reads_zeros),
    KT_CASE(pread_pwrite),
    KT_CASE(readv_writev),
    KT_CASE(readv_writev_errors),
    KT_CASE(fstat_regular_file),
    KT_CASE(fstat_pipe_and_directory),
    KT_CASE(newfstatat),
    KT_CASE(getdents64_lists_entries),
    KT_CASE(getdents64_root),
    KT_CASE(getdents64_errors),
    KT_CASE(dup_shares_offset),
    KT_CASE(dup2_semantics),
    KT_CASE(dup3_semantics),
    KT_CASE(pipe_order_and_eof),
    KT_CASE(pipe_no_reader_epipe),
    KT_CASE(pipe2_flags),
    KT_CASE(pipe_capacity),
    KT_CASE(fcntl_fd_flags),
    KT_CASE(fcntl_status_flags),
    KT_CASE(fcntl_dupfd),
    KT_CASE(fcntl_errors),
    KT_CASE(close_errors),
    KT_CASE(access_mode_enforced),
    KT_CASE(open_errors),
    KT_CASE(open_trunc_and_append),
    KT_CASE(bad_buffer_efault),
};

int main(int argc, char **argv) { return kt_main("files", cases, KT_COUNT(cases), argc, argv); }
