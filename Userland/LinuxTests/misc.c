/*
 * misc: getrandom(2), sched_getaffinity(2), sched_yield(2), getcwd(2), chdir(2), get_mempolicy(2), the ENOSYS contract for
 * system calls the kernel does not have (syscall(2)), and what the syscall instruction keeps.
 * getcwd and sched_getaffinity are called raw: the kernel returns a length where glibc returns a pointer
 * or 0 (see their NOTES sections).
 */
#include "ktest.h"

#define MPOL_DEFAULT_ 0 /* <numaif.h> is libnuma's, not glibc's */

#include <sched.h>
#include <sys/random.h>

/* getrandom(2) fills the whole buffer (requests up to 256 bytes are never short), and two draws differ. */
static void t_getrandom_fills_buffer(void)
{
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    KT_CHECK_RES(kt_sys(SYS_getrandom, a, sizeof a, 0), 256);
    KT_CHECK_RES(kt_sys(SYS_getrandom, b, sizeof b, 0), 256);
    int zeros = 0;
    for (size_t i = 0; i < sizeof a; i++)
        zeros += a[i] == 0;
    KT_CHECK(zeros < 32, "%d of 256 random bytes are zero", zeros);
    KT_CHECK(memcmp(a, b, sizeof a) != 0, "two draws of 256 bytes are equal");
    KT_CHECK(memcmp(a + 128, b + 128, 128) != 0, "the second halves of two draws are equal");
}

/* getrandom flags: GRND_NONBLOCK and GRND_RANDOM work; unknown flags are EINVAL, a zero length returns 0,
 * a bad buffer is EFAULT. */
static void t_getrandom_flags_and_errors(void)
{
    unsigned char buf[16];
    KT_CHECK_RES(kt_sys(SYS_getrandom, buf, sizeof buf, GRND_NONBLOCK), 16);
    KT_CHECK_RES(kt_sys(SYS_getrandom, buf, sizeof buf, GRND_RANDOM | GRND_NONBLOCK), 16);
    KT_CHECK_RES(kt_sys(SYS_getrandom, buf, sizeof buf, 0x40), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_getrandom, buf, 0, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_getrandom, NULL, 16, 0), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_getrandom, KT_KERNEL_TEXT, 16, 0), -EFAULT);
}

/* The raw sched_getaffinity returns the size of the kernel's CPU mask in bytes (a multiple of 8), and the
 * mask has at least one CPU; for pid 0 and for one's own pid alike. */
static void t_sched_getaffinity(void)
{
    uint64_t mask[16], again[16];
    memset(mask, 0, sizeof mask);
    long n = kt_sys(SYS_sched_getaffinity, 0, sizeof mask, mask);
    KT_CHECK(n >= 8 && n <= (long)sizeof mask && n % 8 == 0, "sched_getaffinity = %s, want a size in bytes", kt_res(n));
    int cpus = 0;
    for (long i = 0; i < n / 8; i++)
        cpus += __builtin_popcountll(mask[i]);
    KT_CHECK(cpus >= 1, "the affinity mask is empty");
    memset(again, 0, sizeof again);
    KT_CHECK_RES(kt_sys(SYS_sched_getaffinity, kt_sys(SYS_getpid), sizeof again, again), n);
    KT_CHECK(memcmp(mask, again, (size_t)n) == 0, "pid 0 and getpid() have different masks");
    kt_write_line("# sched_getaffinity: %d CPUs, mask of %ld bytes", cpus, n);
}

/* sched_getaffinity errors: a length that is not a multiple of 8 is EINVAL, no such process ESRCH, a bad
 * pointer EFAULT. */
static void t_sched_getaffinity_errors(void)
{
    uint64_t mask[16];
    KT_CHECK_RES(kt_sys(SYS_sched_getaffinity, 0, 7, mask), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_sched_getaffinity, 0x7fffffff, sizeof mask, mask), -ESRCH);
    KT_CHECK_RES(kt_sys(SYS_sched_getaffinity, 0, sizeof mask, NULL), -EFAULT);
}

/* sched_yield(2) always returns 0. */
static void t_sched_yield(void)
{
    for (int i = 0; i < 100; i++)
        KT_CHECK_RES(kt_sys(SYS_sched_yield), 0);
}

/* The raw getcwd returns the length including the NUL; the path is absolute. Errors: ERANGE for a buffer
 * too small (or size 0), EFAULT for a bad one. */
static void t_getcwd(void)
{
    char buf[4096];
    long n = kt_sys(SYS_getcwd, buf, sizeof buf);
    KT_CHECK(n > 1 && (size_t)n == strlen(buf) + 1, "getcwd = %s for \"%s\"", kt_res(n), n > 0 ? buf : "");
    KT_CHECK(buf[0] == '/', "getcwd gave a relative path \"%s\"", buf);
    KT_CHECK_RES(kt_sys(SYS_getcwd, buf, n - 1), -ERANGE);
    KT_CHECK_RES(kt_sys(SYS_getcwd, buf, 0), -ERANGE);
    KT_CHECK_RES(kt_sys(SYS_getcwd, NULL, sizeof buf), -EFAULT);
}

/* chdir(2) to / and to /tmp: getcwd follows, "." is the same directory, and relative names resolve there. */
static void t_chdir_root_and_tmp(void)
{
    char buf[4096];
    struct stat dot, target;
    KT_CHECK_RES(kt_sys(SYS_chdir, "/"), 0);
    KT_CHECK_RES(kt_sys(SYS_getcwd, buf, sizeof buf), 2);
    KT_CHECK(strcmp(buf, "/") == 0, "getcwd after chdir(\"/\") = \"%s\"", buf);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, ".", &dot, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/", &target, 0), 0);
    KT_CHECK(dot.st_ino == target.st_ino && dot.st_dev == target.st_dev, "\".\" is not \"/\"");

    KT_CHECK_RES(kt_sys(SYS_chdir, "/tmp"), 0);
    long n = kt_sys(SYS_getcwd, buf, sizeof buf);
    KT_CHECK(n > 0, "getcwd after chdir(\"/tmp\") = %s", kt_res(n));
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/tmp", &target, AT_SYMLINK_NOFOLLOW), 0);
    if (!S_ISLNK(target.st_mode))
        KT_CHECK(strcmp(buf, "/tmp") == 0, "getcwd after chdir(\"/tmp\") = \"%s\"", buf);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, ".", &dot, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/tmp", &target, 0), 0);
    KT_CHECK(dot.st_ino == target.st_ino && dot.st_dev == target.st_dev, "\".\" is not \"/tmp\"");

    const char *path = kt_tmp_path("relative");
    const char *relative = path + strlen("/tmp/");
    long fd = kt_sys(SYS_openat, AT_FDCWD, relative, O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "create \"%s\" relative to /tmp: %s", relative, kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, path, &target, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_chdir, ".."), 0);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, ".", &dot, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_newfstatat, AT_FDCWD, "/tmp/..", &target, 0), 0);
    KT_CHECK(dot.st_ino == target.st_ino, "chdir(\"..\") from /tmp is not /tmp/..");
}

/* chdir errors: ENOENT (also for ""), ENOTDIR for a file, EFAULT. */
static void t_chdir_errors(void)
{
    const char *path = kt_tmp_path("notdir");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_chdir, "/tmp/kt-no-such-dir"), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_chdir, ""), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_chdir, path), -ENOTDIR);
    KT_CHECK_RES(kt_sys(SYS_chdir, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_chdir, KT_KERNEL_HALF), -EFAULT);
}

/* A system call number that does not exist returns -ENOSYS (glibc's syscall() turns it into -1/ENOSYS):
 * 1000, the unassigned 337..423 range (335 and 336 became uretprobe and uprobe in Linux 6.11+), numbers
 * with the high half set, and -1. */
static void t_unknown_syscall_enosys(void)
{
    errno = 0;
    long r = syscall(1000);
    KT_CHECK(r == -1 && errno == ENOSYS, "syscall(1000) = %ld, errno %s", r, kt_errno());
    static const long numbers[] = {1000, 400, 423, 4096, 0x7fffffff, 0xffffffffL, -1L, 0x40000000L + 1000};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        r = kt_sys(numbers[i], 1, 2, 3, 4, 5, 6);
        KT_CHECK(r == -ENOSYS, "syscall %#lx = %s, want -ENOSYS", numbers[i], kt_res(r));
    }
}

/* Real Linux system calls that Linux itself never implemented on x86-64 (sys_ni_syscall) answer ENOSYS, as
 * must any real call a kernel does not implement: create_module, get_kernel_syms, query_module,
 * nfsservctl, getpmsg, putpmsg, afs_syscall, tuxcall, security, vserver. */
static void t_unimplemented_real_syscalls_enosys(void)
{
    static const long numbers[] = {174, 177, 178, 180, 181, 182, 183, 184, 185, 236};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        errno = 0;
        long r = syscall(numbers[i], 0, 0, 0);
        KT_CHECK(r == -1 && errno == ENOSYS, "syscall(%ld) = %ld, errno %s", numbers[i], r, kt_errno());
    }
}

/* get_mempolicy(2) (the .NET runtime asks it at start-up): the default policy, node 0 among the nodes
 * allowed, the page of a mapped address on some node; EINVAL and EFAULT as documented. */
static void t_get_mempolicy(void)
{
    int mode = -1;
    unsigned long mask[4];
    memset(mask, 0xff, sizeof mask);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, mask, 64 * 4, NULL, 0), 0);
    KT_CHECK(mode == MPOL_DEFAULT_, "mode %d, want MPOL_DEFAULT", mode);
    KT_CHECK(mask[0] == 0, "the default policy's nodemask is %#lx, want empty", mask[0]);
    memset(mask, 0, sizeof mask);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, NULL, mask, 64 * 4, NULL, 4 /* MPOL_F_MEMS_ALLOWED */), 0);
    KT_CHECK((mask[0] & 1) != 0, "allowed nodes %#lx lack node 0", mask[0]);
    static int here;
    mode = -1;
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, NULL, 0, &here, 3 /* MPOL_F_NODE | MPOL_F_ADDR */), 0);
    KT_CHECK(mode >= 0, "node of a mapped page: %d", mode);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0x100), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, NULL, 0, NULL, 4 | 2), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, NULL, 0, &here, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, mask, 0, NULL, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, &mode, NULL, 0, (void *)16, 2), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_get_mempolicy, NULL, mask, 1ul << 20, NULL, 0), -EINVAL); /* more than a page of mask */
}

/* The syscall instruction returns in rax and clobbers only rcx and r11: rdi, rsi, rdx, r10, r8, r9, the
 * other general registers and the XMM registers come back unchanged (the x86-64 psABI, A.2.1). */
static void t_syscall_preserves_registers(void)
{
    static uint64_t in[6], out[7];
    static uint8_t xin[32], xout[32];
    for (int i = 0; i < 6; i++)
        in[i] = 0xfedcba9876543210ull - (uint64_t)i * 0x0101010101010101ull;
    for (int i = 0; i < 32; i++)
        xin[i] = (uint8_t)(0xa0 + i);
    struct {
        uint64_t *in, *out;
        uint8_t *xin, *xout;
    } f = {in, out, xin, xout};
    __asm__ volatile("mov 16(%0), %%rax\n\tmovdqu (%%rax), %%xmm0\n\tmovdqu 16(%%rax), %%xmm7\n\t"
                     "mov 0(%0), %%rax\n\t"
                     "mov 0(%%rax), %%rdi\n\tmov 8(%%rax), %%rsi\n\tmov 16(%%rax), %%rdx\n\t"
                     "mov 24(%%rax), %%r10\n\tmov 32(%%rax), %%r8\n\tmov 40(%%rax), %%r9\n\t"
                     "mov $39, %%eax\n\t" /* getpid: ignores its arguments */
                     "syscall\n\t"
                     "mov 8(%0), %%rcx\n\t"
                     "mov %%rax, 0(%%rcx)\n\tmov %%rdi, 8(%%rcx)\n\tmov %%rsi, 16(%%rcx)\n\tmov %%rdx, 24(%%rcx)\n\t"
                     "mov %%r10, 32(%%rcx)\n\tmov %%r8, 40(%%rcx)\n\tmov %%r9, 48(%%rcx)\n\t"
                     "mov 24(%0), %%rcx\n\tmovdqu %%xmm0, (%%rcx)\n\tmovdqu %%xmm7, 16(%%rcx)\n\t"
                     :
                     : "r"(&f)
                     : "rax", "rcx", "r11", "rdi", "rsi", "rdx", "r10", "r8", "r9", "xmm0", "xmm7", "memory");
    KT_CHECK(out[0] == (uint64_t)getpid(), "rax = %#llx, want the pid", (unsigned long long)out[0]);
    static const char *const names[] = {"rdi", "rsi", "rdx", "r10", "r8", "r9"};
    for (int i = 0; i < 6; i++)
        KT_CHECK(out[i + 1] == in[i], "%s changed across syscall: %#llx -> %#llx", names[i], (unsigned long long)in[i],
                 (unsigned long long)out[i + 1]);
    KT_CHECK(memcmp(xin, xout, 32) == 0, "xmm0 or xmm7 changed across syscall");
}

static const struct kt_case cases[] = {
    KT_CASE(getrandom_fills_buffer),
    KT_CASE(getrandom_flags_and_errors),
    KT_CASE(sched_getaffinity),
    KT_CASE(sched_getaffinity_errors),
    KT_CASE(sched_yield),
    KT_CASE(getcwd),
    KT_CASE(chdir_root_and_tmp),
    KT_CASE(chdir_errors),
    KT_CASE(unknown_syscall_enosys),
    KT_CASE(unimplemented_real_syscalls_enosys),
    KT_CASE(get_mempolicy),
    KT_CASE(syscall_preserves_registers),
};

int main(int argc, char **argv) { return kt_main("misc", cases, KT_COUNT(cases), argc, argv); }
