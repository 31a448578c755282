/*
 * isolation: a process cannot reach the kernel or the machine. Each forbidden access runs in a child
 * that must die by SIGSEGV (the parent sees WIFSIGNALED && WTERMSIG == SIGSEGV) while the parent carries
 * on: writes and reads of kernel addresses (the kernel half, where Kitten lives at 0xffffffff80000000) and
 * of non-canonical ones, unmapped memory, read-only code, executing data (NX), privileged instructions
 * (port 0xf4 is QEMU's isa-debug-exit: a user program must not be able to end the machine).
 * System calls handed such pointers must answer EFAULT and neither crash nor touch kernel memory.
 */
#include "ktest.h"

#include <sys/mman.h>
#include <time.h>

/* Runs fn(arg) in a child and checks that SIGSEGV killed it. */
#define KT_CHECK_SEGV(fn, arg, what)                                                                       \
    do {                                                                                                   \
        int st_ = kt_run_in_child((fn), (void *)(arg));                                                    \
        KT_CHECK(st_ != -1, "fork failed: %s", kt_errno());                                                \
        KT_CHECK(WIFSIGNALED(st_) && WTERMSIG(st_) == SIGSEGV, "%s: child %s, want killed by SIGSEGV", (what), \
                 kt_status(st_));                                                                          \
    } while (0)

static void write_at(void *addr) { kt_poke((uintptr_t)addr, 1); }
static void read_at(void *addr) { kt_poke((uintptr_t)addr, 0); }

static void call_at(void *addr)
{
    void (*volatile fn)(void) = (void (*)(void))(uintptr_t)addr;
    fn();
}

/* Writing to the kernel's own text address kills the writer with SIGSEGV. */
static void t_write_kernel_text_sigsegv(void) { KT_CHECK_SEGV(write_at, KT_KERNEL_TEXT, "write 0xffffffff80000000"); }

/* Reading it too. */
static void t_read_kernel_text_sigsegv(void) { KT_CHECK_SEGV(read_at, KT_KERNEL_TEXT, "read 0xffffffff80000000"); }

/* And the rest of the kernel half: its start and Linux's direct map, read and written. */
static void t_access_kernel_half_sigsegv(void)
{
    static const uintptr_t addrs[] = {KT_KERNEL_HALF, 0xffff888000000000ull, 0xfffffffffffff000ull};
    for (int i = 0; i < 3; i++) {
        char what[64];
        snprintf(what, sizeof what, "read %#lx", (unsigned long)addrs[i]);
        KT_CHECK_SEGV(read_at, addrs[i], what);
        snprintf(what, sizeof what, "write %#lx", (unsigned long)addrs[i]);
        KT_CHECK_SEGV(write_at, addrs[i], what);
    }
}

/* Non-canonical addresses raise #GP, not #PF, on x86-64; the process still gets SIGSEGV. */
static void t_access_noncanonical_sigsegv(void)
{
    static const uintptr_t addrs[] = {KT_NONCANONICAL, 0x8000000000000000ull, 0x0000ffffffffffffull};
    for (int i = 0; i < 3; i++) {
        char what[64];
        snprintf(what, sizeof what, "write %#lx", (unsigned long)addrs[i]);
        KT_CHECK_SEGV(write_at, addrs[i], what);
        snprintf(what, sizeof what, "read %#lx", (unsigned long)addrs[i]);
        KT_CHECK_SEGV(read_at, addrs[i], what);
    }
}

/* NULL, the page above it, and a page that was just unmapped. */
static void t_write_unmapped_sigsegv(void)
{
    KT_CHECK_SEGV(write_at, 0, "write NULL");
    KT_CHECK_SEGV(write_at, 0x1000, "write 0x1000");
    long p = kt_sys(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 4096), 0);
    KT_CHECK_SEGV(write_at, p + 100, "write an unmapped page");
}

/* The program's code and read-only data cannot be written. */
static void t_write_readonly_image_sigsegv(void)
{
    KT_CHECK_SEGV(write_at, (uintptr_t)&write_at, "write to the program's code");
    static const char rodata[] = "read-only";
    KT_CHECK_SEGV(write_at, (uintptr_t)rodata, "write to .rodata");
}

/* Data pages are not executable (NX): calling into a read-write page holding a "ret" faults. */
static void t_execute_data_sigsegv(void)
{
    long p = kt_sys(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    *(unsigned char *)p = 0xc3; /* ret */
    KT_CHECK_SEGV(call_at, p, "call into a PROT_READ|PROT_WRITE page");
    static unsigned char in_data[16] = {0xc3};
    KT_CHECK_SEGV(call_at, (uintptr_t)in_data, "call into .data");
}

/* Jumping to kernel or non-canonical addresses faults in the jumper. */
static void t_jump_to_kernel_sigsegv(void)
{
    KT_CHECK_SEGV(call_at, KT_KERNEL_TEXT, "call 0xffffffff80000000");
    KT_CHECK_SEGV(call_at, KT_NONCANONICAL, "call 0x0000800000000000");
}

static void do_hlt(void *arg)
{
    (void)arg;
    __asm__ volatile("hlt");
}
static void do_cli(void *arg)
{
    (void)arg;
    __asm__ volatile("cli");
}
static void do_out_f4(void *arg)
{
    (void)arg;
    __asm__ volatile("outb %%al, %%dx" ::"a"(0), "d"(0xf4));
}
static void do_in_60(void *arg)
{
    unsigned char v;
    (void)arg;
    __asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x60));
}
static void do_rdmsr(void *arg)
{
    uint32_t lo, hi;
    (void)arg;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b)); /* IA32_APIC_BASE */
}
static void do_read_cr3(void *arg)
{
    uint64_t v;
    (void)arg;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
}

/* Privileged instructions in ring 3 raise #GP: the process gets SIGSEGV. Port I/O is not allowed either
 * (IOPL 0, no I/O bitmap): an out to port 0xf4 must not end QEMU. */
static void t_privileged_instructions_sigsegv(void)
{
    KT_CHECK_SEGV(do_hlt, NULL, "hlt");
    KT_CHECK_SEGV(do_cli, NULL, "cli");
    KT_CHECK_SEGV(do_out_f4, NULL, "outb to port 0xf4");
    KT_CHECK_SEGV(do_in_60, NULL, "inb from port 0x60");
    KT_CHECK_SEGV(do_rdmsr, NULL, "rdmsr");
    KT_CHECK_SEGV(do_read_cr3, NULL, "mov %cr3");
}

/* Tries each pointer-taking call with pointer p: every one must return -EFAULT. */
static void pointer_arguments_efault(uintptr_t p)
{
    long file = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("efault"), O_CREAT | O_RDWR, 0600);
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    int fds[2];
    KT_CHECK(file >= 0 && dir >= 0, "open: %s, %s", kt_res(file), kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, 0), 0);
    KT_CHECK_RES(kt_sys(SYS_write, file, "0123456789abcdef", 16), 16);
    KT_CHECK_RES(kt_sys(SYS_write, fds[1], "0123456789abcdef", 16), 16);
    struct iovec {
        uintptr_t base;
        size_t len;
    } iov = {p, 16};
    const struct {
        const char *call;
        long result;
    } calls[] = {
        {"write(file, p, 16)", kt_sys(SYS_write, file, p, 16)},
        {"read(pipe with data, p, 16)", kt_sys(SYS_read, fds[0], p, 16)},
        {"pread64(file, p, 16, 0)", kt_sys(SYS_pread64, file, p, 16, 0)},
        {"pwrite64(file, p, 16, 0)", kt_sys(SYS_pwrite64, file, p, 16, 0)},
        {"readv(file, {p, 16}, 1)", (kt_sys(SYS_lseek, file, 0, SEEK_SET), kt_sys(SYS_readv, file, &iov, 1))},
        {"writev(file, {p, 16}, 1)", kt_sys(SYS_writev, file, &iov, 1)},
        {"readv(file, p, 1)", kt_sys(SYS_readv, file, p, 1)},
        {"openat(AT_FDCWD, p, O_RDONLY)", kt_sys(SYS_openat, AT_FDCWD, p, O_RDONLY)},
        {"open(p, O_RDONLY)", kt_sys(SYS_open, p, O_RDONLY)},
        {"fstat(file, p)", kt_sys(SYS_fstat, file, p)},
        {"newfstatat(AT_FDCWD, \"/\", p, 0)", kt_sys(SYS_newfstatat, AT_FDCWD, "/", p, 0)},
        {"newfstatat(AT_FDCWD, p, buf, 0)", kt_sys(SYS_newfstatat, AT_FDCWD, p, kt_fmt_buf(), 0)},
        {"getdents64(dir, p, 512)", kt_sys(SYS_getdents64, dir, p, 512)},
        {"pipe(p)", kt_sys(SYS_pipe, p)},
        {"pipe2(p, 0)", kt_sys(SYS_pipe2, p, 0)},
        {"clock_gettime(CLOCK_MONOTONIC, p)", kt_sys(SYS_clock_gettime, CLOCK_MONOTONIC, p)},
        {"gettimeofday(p, NULL)", kt_sys(SYS_gettimeofday, p, NULL)},
        {"nanosleep(p, NULL)", kt_sys(SYS_nanosleep, p, NULL)},
        {"clock_nanosleep(CLOCK_MONOTONIC, 0, p, NULL)", kt_sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL)},
        {"uname(p)", kt_sys(SYS_uname, p)},
        {"sysinfo(p)", kt_sys(SYS_sysinfo, p)},
        {"getrlimit(RLIMIT_NOFILE, p)", kt_sys(SYS_getrlimit, RLIMIT_NOFILE, p)},
        {"prlimit64(0, RLIMIT_NOFILE, NULL, p)", kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p)},
        {"getcwd(p, 256)", kt_sys(SYS_getcwd, p, 256)},
        {"chdir(p)", kt_sys(SYS_chdir, p)},
        {"rt_sigaction(SIGUSR1, NULL, p, 8)", kt_sys(SYS_rt_sigaction, SIGUSR1, NULL, p, 8)},
        {"rt_sigaction(SIGUSR1, p, NULL, 8)", kt_sys(SYS_rt_sigaction, SIGUSR1, p, NULL, 8)},
        {"rt_sigprocmask(SIG_BLOCK, NULL, p, 8)", kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8)},
        {"rt_sigprocmask(SIG_BLOCK, p, NULL, 8)", kt_sys(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8)},
        {"getrandom(p, 16, 0)", kt_sys(SYS_getrandom, p, 16, 0)},
        {"sched_getaffinity(0, 128, p)", kt_sys(SYS_sched_getaffinity, 0, 128, p)},
        {"execve(p, NULL, NULL)", kt_sys(SYS_execve, p, NULL, NULL)},
        {"read(file at offset 0, p, 16)", (kt_sys(SYS_lseek, file, 0, SEEK_SET), kt_sys(SYS_read, file, p, 16))},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        KT_CHECK(calls[i].result == -EFAULT, "p = %#lx: %s = %s, want -EFAULT", (unsigned long)p, calls[i].call,
                 kt_res(calls[i].result));
}

/* Kernel pointers passed to system calls are refused with EFAULT (never read or written by the kernel). */
static void t_kernel_pointer_arguments_efault(void)
{
    pointer_arguments_efault(KT_KERNEL_TEXT);
    if (!kt_failed_now)
        pointer_arguments_efault(KT_KERNEL_HALF);
}

/* So are non-canonical pointers. (NULL is not in this list: for some of these calls NULL means "not
 * wanted"; each family checks its own NULL cases.) */
static void t_noncanonical_pointer_arguments_efault(void)
{
    pointer_arguments_efault(KT_NONCANONICAL);
    if (!kt_failed_now)
        pointer_arguments_efault(0x8000000000000000ull);
}

static volatile uint64_t canary = 0x6b697474656e21ull;

static void exit_0(void *arg) { (void)arg; }

/* After all those crashes the parent is intact: its memory as it was, and it still forks and reaps. */
static void t_parent_carries_on(void)
{
    KT_CHECK(canary == 0x6b697474656e21ull, "the parent's memory changed");
    int st = kt_run_in_child(exit_0, NULL);
    KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a normal child %s", kt_status(st));
    KT_CHECK_RES(kt_sys(SYS_wait4, -1, NULL, WNOHANG, NULL), -ECHILD); /* every crashed child was reaped */
}

static const struct kt_case cases[] = {
    KT_CASE(write_kernel_text_sigsegv),
    KT_CASE(read_kernel_text_sigsegv),
    KT_CASE(access_kernel_half_sigsegv),
    KT_CASE(access_noncanonical_sigsegv),
    KT_CASE(write_unmapped_sigsegv),
    KT_CASE(write_readonly_image_sigsegv),
    KT_CASE(execute_data_sigsegv),
    KT_CASE(jump_to_kernel_sigsegv),
    KT_CASE(privileged_instructions_sigsegv),
    KT_CASE(kernel_pointer_arguments_efault),
    KT_CASE(noncanonical_pointer_arguments_efault),
    KT_CASE(parent_carries_on),
};

int main(int argc, char **argv) { return kt_main("isolation", cases, KT_COUNT(cases), argc, argv); }
