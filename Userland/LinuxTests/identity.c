/*
 * identity: uname(2), getuid(2)/geteuid/getgid/getegid, getrlimit(2) (the old syscall 97), prlimit64
 * (prlimit(2)), sysinfo(2).
 * The kernel reports its own sysname, so uname is only held to its format: each field NUL-terminated in
 * its 65 bytes, and the POSIX fields not empty. Limits that a case lowers are put back before it ends.
 */
#include "ktest.h"

#include <sys/sysinfo.h>
#include <sys/utsname.h>

/* uname(2): six 65-byte fields, each NUL-terminated; sysname, nodename, release, version and machine are
 * not empty (domainname, a GNU extension, may be). */
static void t_uname_fields(void)
{
    struct utsname u;
    memset(&u, 0xff, sizeof u);
    KT_CHECK_RES(kt_sys(SYS_uname, &u), 0);
    const struct {
        const char *name, *value;
        int may_be_empty;
    } fields[] = {{"sysname", u.sysname, 0}, {"nodename", u.nodename, 0}, {"release", u.release, 0},
                  {"version", u.version, 0}, {"machine", u.machine, 0},   {"domainname", u.domainname, 1}};
    for (int i = 0; i < 6; i++) {
        KT_CHECK(memchr(fields[i].value, 0, 65) != NULL, "%s is not NUL-terminated within 65 bytes", fields[i].name);
        KT_CHECK(fields[i].may_be_empty || fields[i].value[0] != 0, "%s is empty", fields[i].name);
    }
    kt_write_line("# uname: %s %s %s %s", u.sysname, u.release, u.version, u.machine);
}

/* uname with a bad pointer is EFAULT. */
static void t_uname_efault(void)
{
    KT_CHECK_RES(kt_sys(SYS_uname, NULL), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_uname, KT_KERNEL_TEXT), -EFAULT);
}

/* The four ids: the raw calls agree with glibc, the program is not set-id (real == effective), and no id
 * is (uid_t)-1, which means "no change" to the set*id calls. */
static void t_user_and_group_ids(void)
{
    long uid = kt_sys(SYS_getuid), euid = kt_sys(SYS_geteuid), gid = kt_sys(SYS_getgid), egid = kt_sys(SYS_getegid);
    KT_CHECK(uid >= 0 && uid == (long)getuid() && euid == (long)geteuid(), "uid %ld euid %ld, glibc %d %d", uid,
             euid, (int)getuid(), (int)geteuid());
    KT_CHECK(gid >= 0 && gid == (long)getgid() && egid == (long)getegid(), "gid %ld egid %ld, glibc %d %d", gid,
             egid, (int)getgid(), (int)getegid());
    KT_CHECK(uid == euid && gid == egid, "real and effective ids differ: uid %ld/%ld gid %ld/%ld", uid, euid, gid,
             egid);
    KT_CHECK(uid != 0xffffffffL && gid != 0xffffffffL, "an id is (uid_t)-1");
}

static const struct {
    int resource;
    const char *name;
} resources[] = {{RLIMIT_CPU, "CPU"},     {RLIMIT_FSIZE, "FSIZE"},   {RLIMIT_DATA, "DATA"}, {RLIMIT_STACK, "STACK"},
                 {RLIMIT_CORE, "CORE"},   {RLIMIT_NOFILE, "NOFILE"}, {RLIMIT_AS, "AS"},     {RLIMIT_NPROC, "NPROC"},
                 {RLIMIT_MEMLOCK, "MEMLOCK"}};
#define NRESOURCES ((int)(sizeof resources / sizeof resources[0]))

/* getrlimit(2), the old syscall: every limit has soft <= hard (RLIM_INFINITY is the largest value), and
 * there is room for more than the three standard fds. */
static void t_getrlimit_sane(void)
{
    for (int i = 0; i < NRESOURCES; i++) {
        struct rlimit rl = {1, 0};
        KT_CHECK_RES(kt_sys(SYS_getrlimit, resources[i].resource, &rl), 0);
        KT_CHECK(rl.rlim_cur <= rl.rlim_max, "RLIMIT_%s soft %llu > hard %llu", resources[i].name,
                 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    }
    struct rlimit nofile;
    KT_CHECK_RES(kt_sys(SYS_getrlimit, RLIMIT_NOFILE, &nofile), 0);
    KT_CHECK(nofile.rlim_cur > 3, "RLIMIT_NOFILE soft limit %llu", (unsigned long long)nofile.rlim_cur);
}

/* getrlimit errors: an unknown resource is EINVAL, a bad pointer EFAULT. */
static void t_getrlimit_errors(void)
{
    struct rlimit rl;
    KT_CHECK_RES(kt_sys(SYS_getrlimit, 1000, &rl), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_getrlimit, RLIMIT_NOFILE, NULL), -EFAULT);
}

/* prlimit64 with no new limit reads the same limits as getrlimit, for pid 0 and for one's own pid. */
static void t_prlimit64_reads_limits(void)
{
    long self = kt_sys(SYS_getpid);
    for (int i = 0; i < NRESOURCES; i++) {
        struct rlimit old, byself, viaget;
        KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, resources[i].resource, NULL, &old), 0);
        KT_CHECK_RES(kt_sys(SYS_prlimit64, self, resources[i].resource, NULL, &byself), 0);
        KT_CHECK_RES(kt_sys(SYS_getrlimit, resources[i].resource, &viaget), 0);
        KT_CHECK(old.rlim_cur == viaget.rlim_cur && old.rlim_max == viaget.rlim_max && byself.rlim_cur == old.rlim_cur &&
                     byself.rlim_max == old.rlim_max,
                 "RLIMIT_%s: prlimit64 %llu/%llu, getrlimit %llu/%llu", resources[i].name,
                 (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max,
                 (unsigned long long)viaget.rlim_cur, (unsigned long long)viaget.rlim_max);
    }
}

/* prlimit64 sets a limit and returns the previous one in the same call; soft above hard is EINVAL. */
static void t_prlimit64_set_and_restore(void)
{
    struct rlimit orig;
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &orig), 0);
    KT_CHECK(orig.rlim_cur > 8, "RLIMIT_NOFILE soft limit %llu", (unsigned long long)orig.rlim_cur);
    rlim_t target = orig.rlim_cur > 64 ? 64 : orig.rlim_cur - 1;
    struct rlimit lower = {target, orig.rlim_max}, old = {0, 0}, now;
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, &old), 0);
    KT_CHECK(old.rlim_cur == orig.rlim_cur && old.rlim_max == orig.rlim_max, "old limit returned %llu/%llu",
             (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
    long r = kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &now);
    kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &orig, NULL);
    KT_CHECK(r == 0 && now.rlim_cur == target && now.rlim_max == orig.rlim_max, "after setting %llu, read %s %llu/%llu",
             (unsigned long long)target, kt_res(r), (unsigned long long)now.rlim_cur, (unsigned long long)now.rlim_max);
    if (orig.rlim_max != RLIM_INFINITY) {
        struct rlimit above = {orig.rlim_max + 1, orig.rlim_max};
        KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &above, NULL), -EINVAL);
    }
    struct rlimit inverted = {100, 50};
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &inverted, NULL), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &now), 0);
    KT_CHECK(now.rlim_cur == orig.rlim_cur, "limit not restored");
}

/* RLIMIT_NOFILE is enforced: with a soft limit of 16, no fd number reaches 16; dup fails with EMFILE and
 * F_DUPFD at 16 with EINVAL. */
static void t_rlimit_nofile_enforced(void)
{
    struct rlimit orig, sixteen;
    long dir = kt_sys(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);
    KT_CHECK(dir >= 0 && dir < 16, "open / = %s", kt_res(dir));
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &orig), 0);
    sixteen.rlim_cur = 16, sixteen.rlim_max = orig.rlim_max;
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &sixteen, NULL), 0);
    long fd = 0, highest = -1;
    int n;
    for (n = 0; n < 64; n++) {
        fd = kt_sys(SYS_dup, dir);
        if (fd < 0)
            break;
        if (fd > highest)
            highest = fd;
    }
    long dupfd = kt_sys(SYS_fcntl, dir, F_DUPFD, 16);
    kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, &orig, NULL); /* the runner closes the dups */
    KT_CHECK(fd == -EMFILE, "dup with the soft limit at 16 ended with %s after %d dups, want -EMFILE", kt_res(fd), n);
    KT_CHECK(highest < 16, "dup gave fd %ld under a limit of 16", highest);
    KT_CHECK(dupfd == -EINVAL, "F_DUPFD(16) under a limit of 16 = %s, want -EINVAL", kt_res(dupfd));
}

/* prlimit64 errors: EINVAL for an unknown resource, ESRCH for a process that does not exist, EFAULT. */
static void t_prlimit64_errors(void)
{
    struct rlimit rl;
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, 1000, NULL, &rl), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0x7fffffff, RLIMIT_NOFILE, NULL, &rl), -ESRCH);
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, KT_KERNEL_HALF), -EFAULT);
    KT_CHECK_RES(kt_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, KT_KERNEL_HALF, NULL), -EFAULT);
}

/* sysinfo(2): memory in mem_unit units, total at least 16 MiB, free <= total, at least one process. */
static void t_sysinfo_sane(void)
{
    struct sysinfo si;
    memset(&si, 0xff, sizeof si);
    KT_CHECK_RES(kt_sys(SYS_sysinfo, &si), 0);
    KT_CHECK(si.mem_unit >= 1, "mem_unit %u", si.mem_unit);
    unsigned long long total = (unsigned long long)si.totalram * si.mem_unit;
    KT_CHECK(total >= 16ull << 20, "totalram %llu bytes", total);
    KT_CHECK(si.freeram <= si.totalram, "freeram %lu > totalram %lu", si.freeram, si.totalram);
    KT_CHECK(si.procs >= 1, "procs %u", si.procs);
    KT_CHECK(si.uptime >= 0, "uptime %ld", si.uptime);
    KT_CHECK_RES(kt_sys(SYS_sysinfo, NULL), -EFAULT);
}

static const struct kt_case cases[] = {
    KT_CASE(uname_fields),
    KT_CASE(uname_efault),
    KT_CASE(user_and_group_ids),
    KT_CASE(getrlimit_sane),
    KT_CASE(getrlimit_errors),
    KT_CASE(prlimit64_reads_limits),
    KT_CASE(prlimit64_set_and_restore),
    KT_CASE(rlimit_nofile_enforced),
    KT_CASE(prlimit64_errors),
    KT_CASE(sysinfo_sane),
};

int main(int argc, char **argv) { return kt_main("identity", cases, KT_COUNT(cases), argc, argv); }
