/*
 * memory: brk(2), mmap(2), munmap(2), mprotect(2), madvise(2), mremap(2), with Linux's results and errors.
 * Whether an address is really accessible is checked the only way that cannot lie: a child process touches
 * it and the parent looks at how the child ended (killed by SIGSEGV, or exited 0).
 * brk is called raw: glibc's brk()/sbrk() hide what the kernel returns (the kernel's brk never fails with
 * -errno; it returns the current break when it refuses, see the NOTES of brk(2)).
 */
#include "ktest.h"

#include <linux/futex.h>
#include <sys/mman.h>

#define PAGE 4096ul
#define MIB (1024ul * 1024)

struct touch {
    volatile unsigned char *addr;
    int write;
};

static void touch_in_child(void *arg)
{
    struct touch *t = arg;
    kt_poke((uintptr_t)t->addr, t->write);
}

/* Touches addr in a child: returns "ok" (exited 0), "segv" (killed by SIGSEGV) or another description. */
static const char *touch(void *addr, int write)
{
    struct touch t = {addr, write};
    int status = kt_run_in_child(touch_in_child, &t);
    if (status == -1)
        return "fork failed";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return "ok";
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
        return "segv";
    return kt_status(status);
}

#define KT_CHECK_TOUCH(addr, write, want)                                                                  \
    do {                                                                                                   \
        const char *got_ = touch((void *)(addr), (write));                                                 \
        KT_CHECK(strcmp(got_, (want)) == 0, "%s of %p in a child: %s, want %s", (write) ? "write" : "read", \
                 (void *)(addr), got_, (want));                                                            \
    } while (0)

static long map(void *addr, size_t len, int prot, int flags)
{
    return kt_sys(SYS_mmap, addr, len, prot, flags, -1, 0);
}

static int is_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* brk(0) reports the break; moving it up by 1 MiB gives writable memory; moving it back returns it. */
static void t_brk_grow_and_shrink(void)
{
    long start = kt_sys(SYS_brk, 0);
    KT_CHECK(start > 0 && (unsigned long)start < KT_NONCANONICAL, "brk(0) = %s", kt_res(start));
    long grown = kt_sys(SYS_brk, start + MIB);
    KT_CHECK(grown == start + (long)MIB, "brk(+1 MiB) = %s, want %#lx", kt_res(grown), start + MIB);
    unsigned char *p = (unsigned char *)start;
    for (size_t i = 0; i < MIB; i += PAGE / 2)
        p[i] = (unsigned char)(i >> 11);
    for (size_t i = 0; i < MIB; i += PAGE / 2)
        KT_CHECK(p[i] == (unsigned char)(i >> 11), "heap byte %zu changed", i);
    KT_CHECK_RES(kt_sys(SYS_brk, start), start);
    KT_CHECK_RES(kt_sys(SYS_brk, 0), start);
}

/* The kernel's brk does not return -errno: a request it refuses returns the current break unchanged. */
static void t_brk_refusal_returns_current(void)
{
    long cur = kt_sys(SYS_brk, 0);
    KT_CHECK(cur > 0, "brk(0) = %s", kt_res(cur));
    KT_CHECK_RES(kt_sys(SYS_brk, 1), cur);                 /* below the start of the heap */
    KT_CHECK_RES(kt_sys(SYS_brk, KT_KERNEL_HALF), cur);    /* into the kernel */
    KT_CHECK_RES(kt_sys(SYS_brk, KT_NONCANONICAL), cur);   /* past the user half */
    KT_CHECK_RES(kt_sys(SYS_brk, -1L), cur);
    KT_CHECK_RES(kt_sys(SYS_brk, 0), cur);
}

/* After the break moves down the pages above it are gone (a touch faults); grown again, they are zero. */
static void t_brk_shrink_unmaps(void)
{
    long start = kt_sys(SYS_brk, 0);
    unsigned long base = ((unsigned long)start + PAGE - 1) & ~(PAGE - 1);
    long top = kt_sys(SYS_brk, base + 16 * PAGE);
    KT_CHECK(top == (long)(base + 16 * PAGE), "brk(grow) = %s", kt_res(top));
    memset((void *)base, 0x5a, 16 * PAGE);
    KT_CHECK_RES(kt_sys(SYS_brk, base), (long)base);
    KT_CHECK_TOUCH(base + 8 * PAGE, 0, "segv");
    KT_CHECK_RES(kt_sys(SYS_brk, base + 16 * PAGE), (long)(base + 16 * PAGE));
    KT_CHECK(is_zero((void *)base, 16 * PAGE), "heap pages given back and taken again are not zero");
    KT_CHECK_RES(kt_sys(SYS_brk, start), start);
}

/* mmap of anonymous private memory: page aligned, zero filled, writable, and munmap gives it back. */
static void t_mmap_anonymous_zeroed(void)
{
    long p = map(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0 && (p & (PAGE - 1)) == 0 && (unsigned long)p < KT_NONCANONICAL, "mmap = %s", kt_res(p));
    KT_CHECK(is_zero((void *)p, MIB), "fresh anonymous memory is not zero");
    memset((void *)p, 0xa5, MIB);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, MIB), 0);
    KT_CHECK_TOUCH(p, 0, "segv");
}

/* MAP_FIXED replaces the pages it covers (fresh zeros) and leaves the neighbours as they were. */
static void t_mmap_fixed_replaces(void)
{
    long p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    memset((void *)p, 0xaa, 4 * PAGE);
    long q = map((void *)(p + PAGE), 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    KT_CHECK(q == p + (long)PAGE, "mmap(MAP_FIXED at %#lx) = %s", p + PAGE, kt_res(q));
    unsigned char *b = (unsigned char *)p;
    KT_CHECK(b[0] == 0xaa && b[PAGE - 1] == 0xaa && b[3 * PAGE] == 0xaa && b[4 * PAGE - 1] == 0xaa,
             "pages next to the MAP_FIXED range changed");
    KT_CHECK(is_zero(b + PAGE, 2 * PAGE), "the MAP_FIXED range kept old data");
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 4 * PAGE), 0);
}

/* A hint address is only a hint: one in the kernel half is ignored and the mapping lands in user space. */
static void t_mmap_kernel_hint_ignored(void)
{
    long p = map((void *)KT_KERNEL_HALF, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0 && (unsigned long)p < KT_NONCANONICAL, "mmap(hint %#lx) = %s", KT_KERNEL_HALF, kt_res(p));
    *(volatile char *)p = 1;
    KT_CHECK_RES(kt_sys(SYS_munmap, p, PAGE), 0);
}

/* mmap errors (mmap(2) ERRORS): EINVAL for a zero length, for neither MAP_PRIVATE nor MAP_SHARED and for
 * an unaligned MAP_FIXED address or file offset; EBADF for a file mapping without a file; ENOMEM for
 * lengths and MAP_FIXED ranges that do not fit in the user half; EACCES for a shared writable mapping of a
 * read-only file; ENODEV for a directory. */
static void t_mmap_errors(void)
{
    KT_CHECK_RES(map(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -EINVAL);
    KT_CHECK_RES(map(NULL, PAGE, PROT_READ, MAP_ANONYMOUS), -EINVAL);
    KT_CHECK_RES(map((void *)0x10000001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_mmap, NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0), -EBADF);
    KT_CHECK_RES(map(NULL, 1ul << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -ENOMEM);
    KT_CHECK_RES(map(NULL, -PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -ENOMEM);
    KT_CHECK_RES(map((void *)KT_KERNEL_TEXT, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -ENOMEM);
    KT_CHECK_RES(map((void *)KT_KERNEL_HALF, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -ENOMEM);
    KT_CHECK_RES(map((void *)KT_NONCANONICAL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -ENOMEM);
    const char *path = kt_tmp_path("mmaperr");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    KT_CHECK_RES(kt_sys(SYS_write, fd, "data", 4), 4);
    KT_CHECK_RES(kt_sys(SYS_mmap, NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), -EINVAL);
    long ro = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY);
    KT_CHECK(ro >= 0, "open: %s", kt_res(ro));
    KT_CHECK_RES(kt_sys(SYS_mmap, NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), -EACCES);
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0, "open /tmp: %s", kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_mmap, NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0), -ENODEV);
}

/* A private file mapping shows the file; writes to it stay private (the file is unchanged). */
static void t_mmap_file_private(void)
{
    const char *path = kt_tmp_path("mmapfile");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "create: %s", kt_res(fd));
    static char data[6000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    KT_CHECK_RES(kt_sys(SYS_write, fd, data, sizeof data), (long)sizeof data);
    long p = kt_sys(SYS_mmap, NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    KT_CHECK(p > 0, "mmap(file) = %s", kt_res(p));
    KT_CHECK(memcmp((void *)p, data, sizeof data) == 0, "the mapping differs from the file");
    KT_CHECK(is_zero((unsigned char *)p + sizeof data, 2 * PAGE - sizeof data),
             "the rest of the last page past the end of the file is not zero");
    ((char *)p)[0] = 'Z';
    char first = 0;
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, &first, 1, 0), 1);
    KT_CHECK(first == 'a', "a write to a MAP_PRIVATE mapping reached the file");
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 2 * PAGE), 0);
}

/* munmap of the middle page of three: the outer pages keep their data, the middle one faults. */
static void t_munmap_partial(void)
{
    long p = map(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    unsigned char *b = (unsigned char *)p;
    b[0] = 1;
    b[PAGE] = 2;
    b[2 * PAGE] = 3;
    KT_CHECK_RES(kt_sys(SYS_munmap, p + PAGE, PAGE), 0);
    KT_CHECK(b[0] == 1 && b[2 * PAGE] == 3, "the pages around the hole changed");
    KT_CHECK_TOUCH(b + PAGE, 0, "segv");
    KT_CHECK_TOUCH(b + 2 * PAGE, 1, "ok");
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 3 * PAGE), 0);
}

/* munmap errors: EINVAL for an unaligned address, a zero length, a range outside the user half; and
 * unmapping a range that holds no mapping is not an error (munmap(2)). */
static void t_munmap_errors(void)
{
    long p = map(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_munmap, p + 1, PAGE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 0), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, KT_KERNEL_TEXT, PAGE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, KT_NONCANONICAL, PAGE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, PAGE), 0);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, PAGE), 0); /* nothing there any more: still 0 */
}

/* mprotect to read-only: reads work, a write faults; back to read-write, writes work again. */
static void t_mprotect_read_only(void)
{
    long p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    unsigned char *b = (unsigned char *)p;
    b[0] = 7;
    b[PAGE] = 8;
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, PAGE, PROT_READ), 0);
    KT_CHECK(b[0] == 7, "read-only page lost its data");
    KT_CHECK_TOUCH(b, 1, "segv");
    KT_CHECK_TOUCH(b, 0, "ok");
    KT_CHECK_TOUCH(b + PAGE, 1, "ok"); /* only the first page changed */
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, PAGE, PROT_NONE), 0);
    KT_CHECK_TOUCH(b, 0, "segv");
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE), 0);
    b[0] = 9;
    KT_CHECK(b[0] == 9 && b[PAGE] == 8, "data after mprotect back to read-write");
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 2 * PAGE), 0);
}

/* mprotect errors: EINVAL for an unaligned address or unknown bits, ENOMEM for unmapped memory. */
static void t_mprotect_errors(void)
{
    long p = map(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_mprotect, p + 1, PAGE, PROT_READ), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, PAGE, 0x100), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, PAGE), 0);
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, PAGE, PROT_READ), -ENOMEM);
    KT_CHECK_RES(kt_sys(SYS_mprotect, KT_KERNEL_HALF, PAGE, PROT_READ), -ENOMEM);
    KT_CHECK_RES(kt_sys(SYS_mprotect, p, 0, PROT_READ), 0); /* an empty range is always fine */
}

/* What the .NET GC and other runtimes do: reserve 1 GiB of address space PROT_NONE, then commit 1 MiB
 * pieces with mprotect and use them. Reserved-but-uncommitted memory faults; committed pieces are zero. */
static void t_prot_none_reserve_then_commit(void)
{
    const size_t reserve = 1024 * MIB;
    long base = map(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    KT_CHECK(base > 0, "mmap(1 GiB PROT_NONE) = %s", kt_res(base));
    KT_CHECK_TOUCH(base, 0, "segv");
    KT_CHECK_TOUCH(base + 512 * MIB, 1, "segv");
    static const size_t offsets[] = {0, 1 * MIB, 100 * MIB, 512 * MIB, 513 * MIB, 1023 * MIB};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        unsigned char *piece = (unsigned char *)base + offsets[i];
        KT_CHECK_RES(kt_sys(SYS_mprotect, piece, MIB, PROT_READ | PROT_WRITE), 0);
        KT_CHECK(is_zero(piece, MIB), "committed piece at +%zu MiB is not zero", offsets[i] / MIB);
        memset(piece, (int)(i + 1), MIB);
    }
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        unsigned char *piece = (unsigned char *)base + offsets[i];
        for (size_t j = 0; j < MIB; j += 512)
            KT_CHECK(piece[j] == i + 1, "piece at +%zu MiB byte %zu is %d, want %zu", offsets[i] / MIB, j,
                     piece[j], i + 1);
    }
    KT_CHECK_TOUCH(base + 2 * MIB, 0, "segv"); /* right after two adjacent committed pieces */
    KT_CHECK_TOUCH(base + 512 * MIB - PAGE, 1, "segv");
    KT_CHECK_RES(kt_sys(SYS_munmap, base, reserve), 0);
}

/* MADV_DONTNEED on private anonymous memory drops the pages: the next read sees zeros (madvise(2)). */
static void t_madvise_dontneed_zeroes(void)
{
    long p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    memset((void *)p, 0x77, 4 * PAGE);
    KT_CHECK_RES(kt_sys(SYS_madvise, p + PAGE, 2 * PAGE, MADV_DONTNEED), 0);
    unsigned char *b = (unsigned char *)p;
    KT_CHECK(is_zero(b + PAGE, 2 * PAGE), "pages after MADV_DONTNEED still hold data");
    KT_CHECK(b[0] == 0x77 && b[3 * PAGE] == 0x77, "pages outside the advised range changed");
    b[PAGE] = 1; /* still mapped and writable */
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 4 * PAGE), 0);
}

/* madvise hints succeed on mapped memory; errors: EINVAL for unknown advice or an unaligned address,
 * ENOMEM for unmapped memory. */
static void t_madvise_hints_and_errors(void)
{
    long p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, MADV_NORMAL), 0);
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, MADV_RANDOM), 0);
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, MADV_SEQUENTIAL), 0);
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, MADV_WILLNEED), 0);
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, 999), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_madvise, p + 1, PAGE, MADV_NORMAL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 4 * PAGE), 0);
    KT_CHECK_RES(kt_sys(SYS_madvise, p, 4 * PAGE, MADV_NORMAL), -ENOMEM);
}

/* mremap with MREMAP_MAYMOVE grows a mapping (moving it if need be) and keeps its contents; the new tail
 * is zero. */
static void t_mremap_grow_keeps_data(void)
{
    long p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    for (size_t i = 0; i < 2 * PAGE; i++)
        ((unsigned char *)p)[i] = (unsigned char)i;
    long q = kt_sys(SYS_mremap, p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    KT_CHECK(q > 0 && (q & (PAGE - 1)) == 0, "mremap(grow, MAYMOVE) = %s", kt_res(q));
    for (size_t i = 0; i < 2 * PAGE; i++)
        KT_CHECK(((unsigned char *)q)[i] == (unsigned char)i, "byte %zu changed in the move", i);
    KT_CHECK(is_zero((unsigned char *)q + 2 * PAGE, 62 * PAGE), "the grown part is not zero");
    ((unsigned char *)q)[64 * PAGE - 1] = 1;
    KT_CHECK_RES(kt_sys(SYS_munmap, q, 64 * PAGE), 0);
}

/* mremap shrinking a mapping keeps its address and unmaps the tail. */
static void t_mremap_shrink_in_place(void)
{
    long p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    *(unsigned char *)p = 42;
    KT_CHECK_RES(kt_sys(SYS_mremap, p, 4 * PAGE, PAGE, 0), p);
    KT_CHECK(*(unsigned char *)p == 42, "data changed");
    KT_CHECK_TOUCH(p + 2 * PAGE, 0, "segv");
    KT_CHECK_RES(kt_sys(SYS_munmap, p, PAGE), 0);
}

/* MREMAP_FIXED moves a mapping to a chosen address (here inside a PROT_NONE reservation). */
static void t_mremap_fixed(void)
{
    long hole = map(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    long p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(hole > 0 && p > 0, "mmap = %s, %s", kt_res(hole), kt_res(p));
    memset((void *)p, 0x3c, 2 * PAGE);
    long target = hole + 8 * PAGE;
    KT_CHECK_RES(kt_sys(SYS_mremap, p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target), target);
    KT_CHECK(((unsigned char *)target)[0] == 0x3c && ((unsigned char *)target)[2 * PAGE - 1] == 0x3c,
             "data did not move with the mapping");
    KT_CHECK_TOUCH(p, 0, "segv");
    KT_CHECK_RES(kt_sys(SYS_munmap, hole, 16 * PAGE), 0);
}

/* mremap errors: growing in place when the next page is taken is ENOMEM; an unaligned address, a zero new
 * size, unknown flags and MREMAP_FIXED without MREMAP_MAYMOVE are EINVAL; an unmapped range is EFAULT. */
static void t_mremap_errors(void)
{
    long p = map(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap = %s", kt_res(p));
    KT_CHECK_RES(kt_sys(SYS_mremap, p, PAGE, 2 * PAGE, 0), -ENOMEM); /* page 2 is in the way */
    KT_CHECK_RES(kt_sys(SYS_mremap, p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_mremap, p, PAGE, 0, MREMAP_MAYMOVE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_mremap, p, PAGE, PAGE, 0x80), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_mremap, p, PAGE, PAGE, MREMAP_FIXED, p + 2 * PAGE), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, 3 * PAGE), 0);
    KT_CHECK_RES(kt_sys(SYS_mremap, p, PAGE, 2 * PAGE, MREMAP_MAYMOVE), -EFAULT);
}

/* A 64 MiB anonymous mapping: every page can be written and keeps its own value. */
static void t_large_anonymous_mapping(void)
{
    const size_t len = 64 * MIB;
    long p = map(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KT_CHECK(p > 0, "mmap(64 MiB) = %s", kt_res(p));
    for (size_t off = 0; off < len; off += PAGE)
        *(uint32_t *)(p + off) = (uint32_t)(off / PAGE) * 2654435761u;
    for (size_t off = 0; off < len; off += PAGE)
        KT_CHECK(*(uint32_t *)(p + off) == (uint32_t)(off / PAGE) * 2654435761u, "page %zu lost its value",
                 off / PAGE);
    KT_CHECK_RES(kt_sys(SYS_munmap, p, len), 0);
}

/* A recursion that uses `depth` frames of about 1 KiB each; returns a sum that depends on every frame, so
 * that the compiler can neither drop the frames nor turn the recursion into a loop. */
static long __attribute__((noinline)) deep(int depth)
{
    volatile char frame[1000];
    frame[0] = (char)depth;
    frame[999] = (char)(depth >> 8);
    if (depth == 0)
        return 0;
    return deep(depth - 1) + frame[0] + frame[999];
}

static void recurse_in_child(void *arg)
{
    int depth = (int)(long)arg;
    long sum = deep(depth);
    _exit(sum != 0 ? 0 : 1);
}

/* The main stack grows on demand: 6 MiB of frames (under the 8 MiB RLIMIT_STACK) just work. */
static void t_stack_grows_to_the_limit(void)
{
    int status = kt_run_in_child(recurse_in_child, (void *)6000L);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "6 MiB of recursion: %s", kt_status(status));
}

/* ... and no further: 16 MiB of frames overflow the 8 MiB limit, and the process dies of SIGSEGV. */
static void t_stack_overflow_is_sigsegv(void)
{
    int status = kt_run_in_child(recurse_in_child, (void *)16000L);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "16 MiB of recursion: %s, want SIGSEGV",
             kt_status(status));
}

static void kernel_write_low_on_stack(void *arg)
{
    (void)arg;
    /* A 3 MiB array on the stack: its first bytes lie far below anything the program touched. The kernel
     * writes them first (read from /dev/zero into them, after a non-zero fill would be visible). */
    size_t n = (size_t)3 << 20;
    volatile char big[n];
    int fd = open("/dev/zero", O_RDONLY);
    long r = read(fd, (char *)big, 64);
    _exit(r == 64 && big[0] == 0 && big[63] == 0 ? 0 : 1);
}

/* A system call that writes into stack not yet reached by the program grows the stack too. */
static void t_kernel_access_grows_stack(void)
{
    int status = kt_run_in_child(kernel_write_low_on_stack, NULL);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "read into low stack: %s", kt_status(status));
}

/* Resident memory of this process, in KiB (/proc/self/statm's second field is in pages). */
static long resident_kib(void)
{
    char text[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = 0;
    long size = 0, resident = -1;
    if (sscanf(text, "%ld %ld", &size, &resident) != 2)
        return -1;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void touch_byte(void *address)
{
    *(volatile char *)address = 1;
    _exit(0);
}

/* A thread's stack as glibc makes one (allocate_stack in nptl/allocatestack.c): an 8 MiB PROT_NONE
 * MAP_STACK mapping, then all but the guard page at its bottom made read-write. Memory comes as the stack
 * is used: making it accessible costs little, every byte reads zero and takes a write when touched, from
 * the top down and from the bottom, and the guard page stays a guard. */
static void t_thread_stack_commits_as_used(void)
{
    const size_t size = (size_t)8 << 20, guard = 4096;
    char *m = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    KT_CHECK(m != MAP_FAILED, "mmap(MAP_STACK): %s", strerror(errno));
    long before = resident_kib();
    KT_CHECK(mprotect(m + guard, size - guard, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
    long after = resident_kib();
    KT_CHECK(before >= 0 && after - before < 1024, "making 8 MiB of stack accessible took %ld KiB", after - before);
    int bad = 0;
    for (size_t at = size - 64; at >= guard && at < size; at -= 100000) {
        bad += m[at] != 0;
        m[at] = (char)(at >> 12);
    }
    bad += m[guard] != 0;
    m[guard] = 42;
    for (size_t at = size - 64; at >= guard && at < size; at -= 100000)
        bad += m[at] != (char)(at >> 12);
    KT_CHECK(bad == 0 && m[guard] == 42, "%d bytes of the stack read wrong", bad);
    int status = kt_run_in_child(touch_byte, m + guard - 1);
    KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "touching the guard page: %s, want SIGSEGV",
             kt_status(status));
    KT_CHECK(munmap(m, size) == 0, "munmap: %s", strerror(errno));
}

/* MAP_STACK mapped read-write at once (musl's and others' thread stacks): the same, and a system call may
 * write into the part nobody touched yet. */
static void t_map_stack_read_write(void)
{
    const size_t size = (size_t)4 << 20;
    long before = resident_kib();
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    KT_CHECK(m != MAP_FAILED, "mmap(MAP_STACK): %s", strerror(errno));
    long after = resident_kib();
    KT_CHECK(before >= 0 && after - before < 1024, "mapping 4 MiB of stack took %ld KiB", after - before);
    int fd = open("/dev/zero", O_RDONLY);
    memset(m + size - 4096, 0x55, 4096);
    long r = read(fd, m + 4096, 8192);
    close(fd);
    KT_CHECK(r == 8192 && m[4096] == 0 && m[4096 + 8191] == 0, "read into the bottom of the stack = %ld", r);
    KT_CHECK(m[0] == 0 && m[size - 1] == 0x55, "the stack's ends read wrong");
    KT_CHECK(munmap(m, size) == 0, "munmap: %s", strerror(errno));
}

/* A forked child gets the stack as the parent left it, and grows its own copy. */
static void grow_stack_in_child(void *arg)
{
    char *m = arg;
    m[0] = 9;
    _exit(m[0] == 9 && m[(2 << 20) - 1] == 3 ? 0 : 1);
}

static void t_map_stack_across_fork(void)
{
    const size_t size = (size_t)2 << 20;
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    KT_CHECK(m != MAP_FAILED, "mmap(MAP_STACK): %s", strerror(errno));
    m[size - 1] = 3;
    int status = kt_run_in_child(grow_stack_in_child, m);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child using the stack: %s", kt_status(status));
    KT_CHECK(m[0] == 0, "the child's write reached the parent");
    KT_CHECK(munmap(m, size) == 0, "munmap: %s", strerror(errno));
}

/* What a forked child must see of memory the parent wrote and did not write. Kitten copies a page the
 * parent never wrote since it was mapped zeroed by zeroing it: this checks that pages written by the
 * program, and pages the kernel wrote for it through other mappings (mremap's move, FUTEX_WAKE_OP's store),
 * arrive as written, and untouched ones as zeros. */
struct fork_memory {
    unsigned char *heap;    /* 1 MiB of fresh brk heap: pages 0, 17 and the last byte written */
    unsigned char *moved;   /* two pages written, then moved by mremap */
    int *futex_word;        /* set by FUTEX_WAKE_OP, never written by the program */
};

static void check_fork_memory(void *arg)
{
    struct fork_memory *m = arg;
    if (m->heap[0] != 0xA5 || m->heap[17 * PAGE + 5] != 0x5A || m->heap[MIB - 1] != 0x77)
        _exit(1);
    m->heap[0] = 0;
    m->heap[17 * PAGE + 5] = 0;
    m->heap[MIB - 1] = 0;
    if (!is_zero(m->heap, MIB))
        _exit(2);   /* the untouched pages (and the rest of the touched ones) read as zeros */
    for (size_t i = 0; i < 2 * PAGE; i += 64)
        if (m->moved[i] != (unsigned char)(i / 64 + 1))
            _exit(3);
    if (*m->futex_word != 1234)
        _exit(4);
    m->heap[3 * PAGE] = 1;  /* the child's own copy: the parent must not see this */
    _exit(0);
}

static void t_fork_copies_written_and_untouched_memory(void)
{
    struct fork_memory m;
    long start = kt_sys(SYS_brk, 0);
    KT_CHECK_RES(kt_sys(SYS_brk, start + MIB), start + (long)MIB);
    m.heap = (unsigned char *)start;
    m.heap[0] = 0xA5;
    m.heap[17 * PAGE + 5] = 0x5A;
    m.heap[MIB - 1] = 0x77;

    unsigned char *old = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(old != MAP_FAILED, "mmap: %s", strerror(errno));
    for (size_t i = 0; i < 2 * PAGE; i += 64)
        old[i] = (unsigned char)(i / 64 + 1);
    /* Moved onto fresh memory: the kernel copies the bytes into pages it has just mapped zeroed. */
    unsigned char *target = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(target != MAP_FAILED, "mmap: %s", strerror(errno));
    m.moved = mremap(old, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    KT_CHECK(m.moved == target, "mremap: %s", strerror(errno));

    int *words = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    KT_CHECK(words != MAP_FAILED, "mmap: %s", strerror(errno));
    m.futex_word = words + 100;
    /* FUTEX_OP_SET of 1234 to the second word; the first word wakes nobody. */
    long r = kt_sys(SYS_futex, words, FUTEX_WAKE_OP, 0, 0, m.futex_word, FUTEX_OP(FUTEX_OP_SET, 1234, FUTEX_OP_CMP_EQ, 0));
    KT_CHECK(r == 0, "futex(FUTEX_WAKE_OP) = %s", kt_res(r));

    int status = kt_run_in_child(check_fork_memory, &m);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checking the copied memory: %s", kt_status(status));
    KT_CHECK(m.heap[3 * PAGE] == 0, "the child's write reached the parent");
    KT_CHECK(m.heap[0] == 0xA5 && *m.futex_word == 1234, "the parent's memory changed");
    KT_CHECK(munmap(m.moved, 2 * PAGE) == 0 && munmap(words, PAGE) == 0, "munmap: %s", strerror(errno));
    KT_CHECK_RES(kt_sys(SYS_brk, start), start);
}

/* Read-only program data, a page of its own. Programs of a read-only file system share such pages between
 * processes (Kitten's image cache; Linux's page cache): making one writable must give the process its own
 * copy, never change what another process (here, the parent it was forked from) reads. */
static const char image_marker[4096] __attribute__((aligned(4096))) = "original bytes of the image";

/* Read through a volatile pointer: the compiler may not fold a string compare on a const array. */
static const char *image_marker_now(void)
{
    const char *volatile page = image_marker;
    return page;
}

static void write_image_marker(void *unused)
{
    (void)unused;
    char *page = (char *)image_marker_now();
    if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
        _exit(1);
    strcpy(page, "changed by the child");
    _exit(strcmp(image_marker_now(), "changed by the child") == 0 ? 0 : 2);
}

static void t_image_page_made_writable_is_private(void)
{
    int status = kt_run_in_child(write_image_marker, NULL);
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child writing its image page: %s", kt_status(status));
    KT_CHECK(strcmp(image_marker_now(), "original bytes of the image") == 0,
             "the parent's image page changed: \"%.30s\"", image_marker_now());
}

/* MADV_DONTNEED on a private file mapping (the program image) drops nothing a reader could tell: the
 * file's bytes come back (madvise(2)). */
static void t_madvise_dontneed_on_image_keeps_file_bytes(void)
{
    KT_CHECK(madvise((void *)image_marker, 4096, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
    KT_CHECK(strcmp(image_marker_now(), "original bytes of the image") == 0,
             "image page after MADV_DONTNEED: \"%.30s\"", image_marker_now());
}

static const struct kt_case cases[] = {
    KT_CASE(brk_grow_and_shrink),
    KT_CASE(brk_refusal_returns_current),
    KT_CASE(brk_shrink_unmaps),
    KT_CASE(mmap_anonymous_zeroed),
    KT_CASE(mmap_fixed_replaces),
    KT_CASE(mmap_kernel_hint_ignored),
    KT_CASE(mmap_errors),
    KT_CASE(mmap_file_private),
    KT_CASE(munmap_partial),
    KT_CASE(munmap_errors),
    KT_CASE(mprotect_read_only),
    KT_CASE(mprotect_errors),
    KT_CASE(prot_none_reserve_then_commit),
    KT_CASE(madvise_dontneed_zeroes),
    KT_CASE(madvise_hints_and_errors),
    KT_CASE(mremap_grow_keeps_data),
    KT_CASE(mremap_shrink_in_place),
    KT_CASE(mremap_fixed),
    KT_CASE(mremap_errors),
    KT_CASE(large_anonymous_mapping),
    KT_CASE(stack_grows_to_the_limit),
    KT_CASE(stack_overflow_is_sigsegv),
    KT_CASE(kernel_access_grows_stack),
    KT_CASE(image_page_made_writable_is_private),
    KT_CASE(madvise_dontneed_on_image_keeps_file_bytes),
    KT_CASE(thread_stack_commits_as_used),
    KT_CASE(map_stack_read_write),
    KT_CASE(map_stack_across_fork),
    KT_CASE(fork_copies_written_and_untouched_memory),
};

int main(int argc, char **argv) { return kt_main("memory", cases, KT_COUNT(cases), argc, argv); }
