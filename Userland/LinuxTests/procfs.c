/*
 * procfs: the files of /proc and /sys that programs read, checked against what the process knows of
 * itself through system calls (proc(5), proc_pid_stat(5), proc_pid_status(5), proc_pid_maps(5),
 * proc_meminfo(5), proc_stat(5), sysfs(5)), and sendfile(2) and copy_file_range(2), which copy between
 * files without user memory. Formats are checked field by field, not the figures a kernel chooses.
 */
#include "ktest.h"

#include <dirent.h>
#include <sched.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>

static char kt_argv_bytes[4096];
static int kt_argv_length;

/* The whole of a file, NUL-terminated, read in `piece`-byte reads; the length, or -errno. */
static long read_file(const char *path, char *buf, size_t size, size_t piece)
{
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fd;
    size_t total = 0;
    for (;;) {
        size_t want = size - 1 - total < piece ? size - 1 - total : piece;
        if (want == 0)
            break;
        long n = kt_sys(SYS_read, fd, buf + total, want);
        if (n < 0) {
            kt_sys(SYS_close, fd);
            return n;
        }
        if (n == 0)
            break;
        total += (size_t)n;
    }
    buf[total] = 0;
    kt_sys(SYS_close, fd);
    return (long)total;
}

/* The value after "Name:" in a "Name: value" file, or NULL. */
static const char *field(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            const char *value = line + len + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            return value;
        }
    return NULL;
}

/* Counts CPUs in a sysfs list such as "0-3,6"; -1 if malformed. */
static int count_cpu_list(const char *text)
{
    int count = 0;
    const char *p = text;
    while (*p && *p != '\n') {
        char *end;
        long first = strtol(p, &end, 10), last = first;
        if (end == p)
            return -1;
        p = end;
        if (*p == '-') {
            last = strtol(p + 1, &end, 10);
            if (end == p + 1 || last < first)
                return -1;
            p = end;
        }
        count += (int)(last - first + 1);
        if (*p == ',')
            p++;
    }
    return count;
}

/* /proc/self is a link to the caller's PID; /proc/thread-self to <pid>/task/<tid>. */
static void t_self_links(void)
{
    char link[64], want[64];
    long n = kt_sys(SYS_readlink, "/proc/self", link, sizeof link - 1);
    KT_CHECK(n > 0, "readlink(/proc/self) = %s", kt_res(n));
    link[n] = 0;
    snprintf(want, sizeof want, "%ld", kt_sys(SYS_getpid));
    KT_CHECK(strcmp(link, want) == 0, "/proc/self -> %s, want %s", link, want);
    n = kt_sys(SYS_readlink, "/proc/thread-self", link, sizeof link - 1);
    KT_CHECK(n > 0, "readlink(/proc/thread-self) = %s", kt_res(n));
    link[n] = 0;
    snprintf(want, sizeof want, "%ld/task/%ld", kt_sys(SYS_getpid), kt_sys(SYS_gettid));
    KT_CHECK(strcmp(link, want) == 0, "/proc/thread-self -> %s, want %s", link, want);
}

/* /proc/self/stat: 52 fields; pid, comm, state, ppid, pgrp and session are the process's; one thread. */
static void t_stat_fields(void)
{
    char text[2048];
    KT_CHECK(read_file("/proc/self/stat", text, sizeof text, sizeof text) > 0, "cannot read /proc/self/stat");
    KT_CHECK(text[strlen(text) - 1] == '\n', "stat does not end with a newline");
    long pid = 0;
    char *open = strchr(text, '('), *close = strrchr(text, ')');
    KT_CHECK(open && close && close > open, "no (comm) in stat: %s", text);
    pid = strtol(text, NULL, 10);
    KT_CHECK_RES(pid, kt_sys(SYS_getpid));
    KT_CHECK(strncmp(open + 1, "procfs)", 7) == 0, "comm is not procfs: %s", text);
    char *p = close + 2;
    KT_CHECK(*p == 'R', "state %c, want R (the reader is running)", *p);
    long fields[64];
    int count = 2;
    p++;
    while (*p == ' ' && count < 64) {
        char *end;
        fields[count] = strtol(p + 1, &end, 10);
        KT_CHECK(end != p + 1, "field %d is not a number: %.40s", count + 1, p);
        p = end;
        count++;
    }
    KT_CHECK(*p == '\n' && count == 51, "%d fields after the state, want 49 (52 in all)", count - 2);
    /* fields[i] is field i + 2 of proc_pid_stat(5) (field 3 is the state). */
    KT_CHECK_RES(fields[2], kt_sys(SYS_getppid));
    KT_CHECK_RES(fields[3], kt_sys(SYS_getpgid, 0));
    KT_CHECK_RES(fields[4], kt_sys(SYS_getsid, 0));
    KT_CHECK(fields[18] == 1, "num_threads %ld, want 1", fields[18]);
    KT_CHECK(fields[21] > 0 && fields[22] > 0, "vsize %ld, rss %ld pages", fields[21], fields[22]);
    KT_CHECK(fields[36] == SIGCHLD, "exit_signal %ld, want SIGCHLD", fields[36]);
    long processors = sysconf(_SC_NPROCESSORS_CONF);
    KT_CHECK(fields[37] >= 0 && fields[37] < processors, "processor %ld of %ld", fields[37], processors);
    /* start_stack lies in the stack, arg_start < arg_end <= env_start < env_end. */
    int local = 0;
    unsigned long start_stack = (unsigned long)fields[26];
    KT_CHECK(start_stack > (unsigned long)&local, "startstack %#lx below a local at %p", start_stack, (void *)&local);
    KT_CHECK(fields[46] < fields[47] && fields[47] <= fields[48] && fields[48] < fields[49],
             "arg %#lx-%#lx env %#lx-%#lx", fields[46], fields[47], fields[48], fields[49]);
}

/* starttime (field 22) is when the process started in clock ticks since boot: not after now. */
static void t_stat_starttime(void)
{
    char text[2048];
    KT_CHECK(read_file("/proc/self/stat", text, sizeof text, sizeof text) > 0, "cannot read /proc/self/stat");
    char *p = strrchr(text, ')') + 4;  /* field 4, after ") S " */
    for (int i = 4; i < 22; i++)
        p = strchr(p, ' ') + 1;
    unsigned long long value = strtoull(p, NULL, 10);
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    unsigned long long ticks = (unsigned long long)now.tv_sec * 100 + (unsigned long long)now.tv_nsec / 10000000;
    KT_CHECK(value <= ticks + 1, "starttime %llu ticks, later than now (%llu)", value, ticks);
}

/* /proc/self/statm: seven page counts, size >= resident > 0. */
static void t_statm(void)
{
    char text[256];
    KT_CHECK(read_file("/proc/self/statm", text, sizeof text, sizeof text) > 0, "cannot read statm");
    unsigned long v[7];
    char end;
    int n = sscanf(text, "%lu %lu %lu %lu %lu %lu %lu%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &end);
    KT_CHECK(n == 8 && end == '\n', "statm is not 7 numbers: %s", text);
    KT_CHECK(v[0] >= v[1] && v[1] > 0, "size %lu pages, resident %lu", v[0], v[1]);
}

/* /proc/self/status: Name, State, Tgid, Pid, PPid, Threads, and the memory lines in kB. */
static void t_status_fields(void)
{
    char text[8192];
    KT_CHECK(read_file("/proc/self/status", text, sizeof text, 100) > 0, "cannot read status");
    const char *name = field(text, "Name");
    KT_CHECK(name && strncmp(name, "procfs\n", 7) == 0, "Name: %.20s", name ? name : "(none)");
    const char *state = field(text, "State");
    KT_CHECK(state && strncmp(state, "R (running)\n", 12) == 0, "State: %.20s", state ? state : "(none)");
    KT_CHECK(field(text, "Tgid") && atol(field(text, "Tgid")) == kt_sys(SYS_getpid), "Tgid");
    KT_CHECK(field(text, "Pid") && atol(field(text, "Pid")) == kt_sys(SYS_getpid), "Pid");
    KT_CHECK(field(text, "PPid") && atol(field(text, "PPid")) == kt_sys(SYS_getppid), "PPid");
    KT_CHECK(field(text, "Threads") && atol(field(text, "Threads")) == 1, "Threads");
    const char *rss = field(text, "VmRSS");
    KT_CHECK(rss && atol(rss) > 0 && strstr(rss, " kB\n") == rss + strcspn(rss, " "), "VmRSS: %.30s", rss ? rss : "(none)");
    const char *umask_line = field(text, "Umask");
    mode_t mask = umask(022);
    umask(mask);
    KT_CHECK(umask_line && strtol(umask_line, NULL, 8) == (long)mask, "Umask: %.10s, want %04o", umask_line ? umask_line : "", mask);
}

/* /proc/self/cmdline is argv, each argument followed by a NUL; the same in 3-byte reads. */
static void t_cmdline_is_argv(void)
{
    char whole[4096], pieces[4096];
    long n = read_file("/proc/self/cmdline", whole, sizeof whole, sizeof whole);
    KT_CHECK(n == kt_argv_length, "cmdline has %ld bytes, argv %d", n, kt_argv_length);
    KT_CHECK(memcmp(whole, kt_argv_bytes, (size_t)n) == 0, "cmdline differs from argv");
    KT_CHECK_RES(read_file("/proc/self/cmdline", pieces, sizeof pieces, 3), n);
    KT_CHECK(memcmp(whole, pieces, (size_t)n) == 0, "cmdline read in 3-byte pieces differs");
}

/* /proc/self/comm is the command name and a newline. */
static void t_comm(void)
{
    char text[64];
    KT_CHECK(read_file("/proc/self/comm", text, sizeof text, sizeof text) > 0, "cannot read comm");
    KT_CHECK(strcmp(text, "procfs\n") == 0, "comm is \"%s\"", text);
}

/* /proc/self/maps: well-formed lines, one containing the stack (a local variable, named [stack]) and one
 * executable line of the program's own file containing this function. */
static void t_maps_has_stack_and_program(void)
{
    static char text[65536];
    char exe[4096];
    long n = kt_sys(SYS_readlink, "/proc/self/exe", exe, sizeof exe - 1);
    KT_CHECK(n > 0, "readlink(/proc/self/exe) = %s", kt_res(n));
    exe[n] = 0;
    KT_CHECK(read_file("/proc/self/maps", text, sizeof text, 4096) > 0, "cannot read maps");
    int local = 0, found_stack = 0, found_code = 0;
    unsigned long code = (unsigned long)(void *)&t_maps_has_stack_and_program;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        unsigned long start, end, offset, inode;
        char perms[5], dev[8];
        int name_at = 0;
        KT_CHECK(sscanf(line, "%lx-%lx %4s %lx %7s %lu%n", &start, &end, perms, &offset, dev, &inode, &name_at) == 6,
                 "bad maps line: %.80s", line);
        KT_CHECK(line[name_at] == ' ', "no space after the inode: %.80s", line);
        while (line[name_at] == ' ')
            name_at++;
        KT_CHECK(start < end && strchr("r-", perms[0]) && strchr("w-", perms[1]) && strchr("x-", perms[2]) &&
                     strchr("ps", perms[3]), "bad maps line: %.80s", line);
        char *newline = strchr(line, '\n');
        KT_CHECK(newline != NULL, "maps does not end with a newline");
        const char *name = line + name_at;
        size_t name_length = (size_t)(newline - name);
        if ((unsigned long)&local >= start && (unsigned long)&local < end)
            found_stack = name_length == 7 && strncmp(name, "[stack]", 7) == 0;
        if (code >= start && code < end)
            found_code = perms[2] == 'x' && name_length == strlen(exe) && strncmp(name, exe, name_length) == 0;
        if (name_length > 0)
            KT_CHECK(name - line == 73, "a name starts at column %ld, want 73: %.80s", (long)(name - line), line);
    }
    KT_CHECK(found_stack, "no [stack] line contains a local variable");
    KT_CHECK(found_code, "no executable line of %s contains the code", exe);
}

/* /proc/self/exe names the running program: an absolute path to the same file. */
static void t_exe_link(void)
{
    char exe[4096];
    long n = kt_sys(SYS_readlink, "/proc/self/exe", exe, sizeof exe - 1);
    KT_CHECK(n > 0, "readlink = %s", kt_res(n));
    exe[n] = 0;
    KT_CHECK(exe[0] == '/', "/proc/self/exe -> %s is not absolute", exe);
    struct stat through, direct;
    KT_CHECK(stat("/proc/self/exe", &through) == 0 && stat(exe, &direct) == 0, "stat: %s", kt_errno());
    KT_CHECK(through.st_ino == direct.st_ino && through.st_dev == direct.st_dev, "/proc/self/exe and %s differ", exe);
}

/* /proc/self/cwd follows chdir. */
static void t_cwd_link(void)
{
    char cwd[256];
    KT_CHECK_RES(kt_sys(SYS_chdir, "/tmp"), 0);
    long n = kt_sys(SYS_readlink, "/proc/self/cwd", cwd, sizeof cwd - 1);
    KT_CHECK(n > 0, "readlink = %s", kt_res(n));
    cwd[n] = 0;
    KT_CHECK(strcmp(cwd, "/tmp") == 0, "/proc/self/cwd -> %s, want /tmp", cwd);
}

/* /proc/self/fd/N links to the open file's path, or pipe:[inode] for a pipe; it goes with close. */
static void t_fd_links(void)
{
    const char *path = kt_tmp_path("fd");
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR, 0600);
    KT_CHECK(fd >= 0, "open = %s", kt_res(fd));
    char link[256], name[64];
    snprintf(name, sizeof name, "/proc/self/fd/%ld", fd);
    long n = kt_sys(SYS_readlink, name, link, sizeof link - 1);
    KT_CHECK(n > 0, "readlink(%s) = %s", name, kt_res(n));
    link[n] = 0;
    KT_CHECK(strcmp(link, path) == 0, "%s -> %s, want %s", name, link, path);
    int fds[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, O_CLOEXEC), 0);
    struct stat st;
    KT_CHECK_RES(kt_sys(SYS_fstat, fds[0], &st), 0);
    char want[64];
    snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
    snprintf(name, sizeof name, "/proc/self/fd/%d", fds[1]);
    n = kt_sys(SYS_readlink, name, link, sizeof link - 1);
    KT_CHECK(n > 0, "readlink(%s) = %s", name, kt_res(n));
    link[n] = 0;
    KT_CHECK(strcmp(link, want) == 0, "%s -> %s, want %s", name, link, want);
    KT_CHECK_RES(kt_sys(SYS_close, fds[1]), 0);
    KT_CHECK_RES(kt_sys(SYS_readlink, name, link, sizeof link), -ENOENT);
}

/* Listing /proc/self/fd shows the open descriptors. */
static void t_fd_listing(void)
{
    long fd = kt_sys(SYS_dup, 1);
    KT_CHECK(fd >= 0, "dup = %s", kt_res(fd));
    DIR *dir = opendir("/proc/self/fd");
    KT_CHECK(dir != NULL, "opendir: %s", kt_errno());
    int saw_zero = 0, saw_dup = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        saw_zero |= strcmp(entry->d_name, "0") == 0;
        saw_dup |= atol(entry->d_name) == fd;
        if (entry->d_type != DT_LNK) {
            closedir(dir);
            KT_CHECK(0, "fd/%s has d_type %d, want DT_LNK", entry->d_name, entry->d_type);
        }
    }
    closedir(dir);
    KT_CHECK(saw_zero && saw_dup, "fd/0 listed: %d, fd/%ld listed: %d", saw_zero, fd, saw_dup);
}

/* /proc lists live PIDs; a zombie's state is Z; a reaped child's directory is gone (ENOENT), and a file of
 * it opened before it was reaped reads ESRCH. */
static void t_pids_come_and_go(void)
{
    int fds[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, O_CLOEXEC), 0);
    pid_t child = kt_fork();
    KT_CHECK(child >= 0, "fork: %s", kt_errno());
    if (child == 0) {
        char c;
        kt_sys(SYS_read, fds[0], &c, 1);
        _exit(3);
    }
    DIR *dir = opendir("/proc");
    KT_CHECK(dir != NULL, "opendir(/proc): %s", kt_errno());
    int saw_self = 0, saw_child = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        saw_self |= atol(entry->d_name) == kt_sys(SYS_getpid);
        saw_child |= atol(entry->d_name) == child;
    }
    closedir(dir);
    KT_CHECK(saw_self && saw_child, "/proc lists self: %d, child: %d", saw_self, saw_child);
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    long stat_fd = kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    KT_CHECK(stat_fd >= 0, "open(%s) = %s", path, kt_res(stat_fd));
    kt_sys(SYS_write, fds[1], "x", 1);
    /* The child exits; until it is reaped it is a zombie (watched for 10 s at most, without reaping it). */
    char state = '?';
    struct timespec pause = {0, 10000000};
    for (int i = 0; i < 1000 && state != 'Z'; i++) {
        KT_CHECK(read_file(path, text, sizeof text, sizeof text) > 0, "cannot read the child's stat");
        char *close = strrchr(text, ')');
        state = close ? close[2] : '?';
        if (state != 'Z')
            kt_sys(SYS_nanosleep, &pause, NULL);
    }
    KT_CHECK(state == 'Z', "the exited child's state is %c, want Z", state);
    int status;
    KT_CHECK_RES(kt_reap(child, &status), child);
    KT_CHECK_RES(kt_sys(SYS_openat, AT_FDCWD, path, O_RDONLY), -ENOENT);
    KT_CHECK_RES(kt_sys(SYS_read, stat_fd, text, sizeof text), -ESRCH);
}

/* /proc/meminfo: "Label:   N kB" lines; MemTotal is sysinfo's totalram, MemFree and MemAvailable at most
 * that. */
static void t_meminfo(void)
{
    char text[8192];
    KT_CHECK(read_file("/proc/meminfo", text, sizeof text, 7) > 0, "cannot read meminfo");
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        char label[64];
        unsigned long value;
        int n = sscanf(line, "%63[^:]: %lu", label, &value);
        KT_CHECK(n == 2, "bad meminfo line: %.60s", line);
    }
    const char *total = field(text, "MemTotal"), *free_line = field(text, "MemFree"),
               *available = field(text, "MemAvailable");
    KT_CHECK(total && free_line && available && field(text, "Cached") && field(text, "SwapTotal"),
             "MemTotal, MemFree, MemAvailable, Cached or SwapTotal missing");
    struct sysinfo info;
    KT_CHECK(sysinfo(&info) == 0, "sysinfo: %s", kt_errno());
    unsigned long total_kb = strtoul(total, NULL, 10);
    KT_CHECK(total_kb == (unsigned long)info.totalram * info.mem_unit / 1024, "MemTotal %lu kB, sysinfo %lu kB", total_kb,
             (unsigned long)info.totalram * info.mem_unit / 1024);
    KT_CHECK(strtoul(free_line, NULL, 10) <= total_kb && strtoul(available, NULL, 10) <= total_kb, "free above total");
    KT_CHECK(strstr(total, " kB\n") != NULL && strncmp(text, "MemTotal:", 9) == 0, "MemTotal is not the first line in kB");
}

/* /sys/devices/system/cpu/online counts the CPUs the process may run on; /proc/cpuinfo has a block each;
 * /proc/stat a cpuN line each. */
static void t_cpu_counts_agree(void)
{
    char online[256];
    static char text[65536];
    KT_CHECK(read_file("/sys/devices/system/cpu/online", online, sizeof online, sizeof online) > 0, "cannot read online");
    int count = count_cpu_list(online);
    cpu_set_t set;
    CPU_ZERO(&set);
    KT_CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity: %s", kt_errno());
    KT_CHECK(count == CPU_COUNT(&set), "online is %s (%d CPUs), affinity has %d", online, count, CPU_COUNT(&set));
    char possible[256];
    KT_CHECK(read_file("/sys/devices/system/cpu/possible", possible, sizeof possible, sizeof possible) > 0, "possible");
    KT_CHECK(count_cpu_list(possible) >= count, "possible %s has fewer CPUs than online %s", possible, online);
    KT_CHECK(read_file("/proc/cpuinfo", text, sizeof text, 1000) > 0, "cannot read cpuinfo");
    int blocks = 0;
    for (char *p = text; (p = strstr(p, "processor\t: ")) != NULL; p++)
        blocks++;
    KT_CHECK(blocks == count, "cpuinfo has %d processor blocks, %d CPUs online", blocks, count);
    KT_CHECK(strstr(text, "\nflags\t\t: ") && strstr(text, "\nvendor_id\t: "), "cpuinfo lacks flags or vendor_id");
    KT_CHECK(read_file("/proc/stat", text, sizeof text, sizeof text) > 0, "cannot read /proc/stat");
    KT_CHECK(strncmp(text, "cpu  ", 5) == 0, "/proc/stat starts with %.10s", text);
    int lines = 0;
    for (char *p = text; (p = strstr(p, "\ncpu")) != NULL; p++)
        lines++;
    KT_CHECK(lines == count, "/proc/stat has %d cpuN lines for %d CPUs", lines, count);
}

/* /proc/stat: btime is the boot time (now minus uptime), processes counts forks, ten numbers a CPU. */
static void t_stat_system(void)
{
    char text[65536];
    KT_CHECK(read_file("/proc/stat", text, sizeof text, sizeof text) > 0, "cannot read /proc/stat");
    unsigned long long v[10];
    KT_CHECK(sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &v[6], &v[7], &v[8], &v[9]) == 10, "the cpu line is not 10 numbers: %.60s", text);
    const char *btime = strstr(text, "\nbtime ");
    KT_CHECK(btime && strstr(text, "\nprocesses ") && strstr(text, "\nprocs_running ") && strstr(text, "\nctxt "),
             "btime, processes, procs_running or ctxt missing");
    struct timespec boot, real;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_REALTIME, &real);
    long long expected = (long long)real.tv_sec - (long long)boot.tv_sec, got = atoll(btime + 7);
    KT_CHECK(got >= expected - 2 && got <= expected + 2, "btime %lld, now - uptime %lld", got, expected);
    KT_CHECK(atol(strstr(text, "\nprocs_running ") + 15) >= 1, "procs_running is 0 while this runs");
}

/* /proc/uptime: seconds since boot (as CLOCK_BOOTTIME counts them) and idle seconds; /proc/loadavg. */
static void t_uptime_and_loadavg(void)
{
    char text[256];
    KT_CHECK(read_file("/proc/uptime", text, sizeof text, sizeof text) > 0, "cannot read uptime");
    double up, idle;
    char end;
    KT_CHECK(sscanf(text, "%lf %lf%c", &up, &idle, &end) == 3 && end == '\n', "uptime is %s", text);
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    double now = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9;
    KT_CHECK(up <= now + 0.02 && up >= now - 1.0, "uptime %.2f, CLOCK_BOOTTIME %.2f", up, now);
    KT_CHECK(read_file("/proc/loadavg", text, sizeof text, sizeof text) > 0, "cannot read loadavg");
    double a, b, c;
    int running, threads, last;
    KT_CHECK(sscanf(text, "%lf %lf %lf %d/%d %d%c", &a, &b, &c, &running, &threads, &last, &end) == 7 && end == '\n',
             "loadavg is %s", text);
    KT_CHECK(running >= 1 && threads >= running && last >= 1, "loadavg is %s", text);
}

/* /proc/mounts has "/" and "/proc proc"; /proc/self/mountinfo has the proc mount with " - proc ". */
static void t_mounts(void)
{
    char text[65536];
    KT_CHECK(read_file("/proc/mounts", text, sizeof text, sizeof text) > 0, "cannot read /proc/mounts");
    int root = 0, proc = 0;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        char source[256], target[256], type[64], options[256];
        int dump, pass;
        KT_CHECK(sscanf(line, "%255s %255s %63s %255s %d %d", source, target, type, options, &dump, &pass) == 6,
                 "bad mounts line: %.60s", line);
        root |= strcmp(target, "/") == 0;
        proc |= strcmp(target, "/proc") == 0 && strcmp(type, "proc") == 0;
    }
    KT_CHECK(root && proc, "/proc/mounts has / %d, /proc proc %d", root, proc);
    KT_CHECK(read_file("/proc/self/mountinfo", text, sizeof text, sizeof text) > 0, "cannot read mountinfo");
    int found = 0;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        int id, parent;
        unsigned dev_major, dev_minor;
        char mount_root[256], target[256];
        KT_CHECK(sscanf(line, "%d %d %u:%u %255s %255s", &id, &parent, &dev_major, &dev_minor, mount_root, target) == 6,
                 "bad mountinfo line: %.60s", line);
        char *dash = strstr(line, " - ");
        KT_CHECK(dash && dash < strchr(line, '\n'), "no \" - \" in %.60s", line);
        if (strcmp(target, "/proc") == 0 && strncmp(dash, " - proc ", 8) == 0) {
            struct stat st;
            KT_CHECK(stat("/proc", &st) == 0, "stat(/proc): %s", kt_errno());
            KT_CHECK(dev_major == major(st.st_dev) && dev_minor == minor(st.st_dev), "mountinfo says %u:%u, stat %u:%u",
                     dev_major, dev_minor, major(st.st_dev), minor(st.st_dev));
            found = 1;
        }
    }
    KT_CHECK(found, "mountinfo has no /proc line of type proc");
}

/* /proc/sys/kernel/{ostype,osrelease,hostname} are uname's; pid_max is a number above 1. */
static void t_sys_kernel(void)
{
    struct utsname u;
    KT_CHECK(uname(&u) == 0, "uname: %s", kt_errno());
    char text[256], want[128];
    KT_CHECK(read_file("/proc/sys/kernel/ostype", text, sizeof text, sizeof text) > 0, "ostype");
    snprintf(want, sizeof want, "%s\n", u.sysname);
    KT_CHECK(strcmp(text, want) == 0, "ostype %s, uname %s", text, u.sysname);
    KT_CHECK(read_file("/proc/sys/kernel/osrelease", text, sizeof text, sizeof text) > 0, "osrelease");
    snprintf(want, sizeof want, "%s\n", u.release);
    KT_CHECK(strcmp(text, want) == 0, "osrelease %s, uname %s", text, u.release);
    KT_CHECK(read_file("/proc/sys/kernel/hostname", text, sizeof text, sizeof text) > 0, "hostname");
    snprintf(want, sizeof want, "%s\n", u.nodename);
    KT_CHECK(strcmp(text, want) == 0, "hostname %s, uname %s", text, u.nodename);
    KT_CHECK(read_file("/proc/sys/kernel/pid_max", text, sizeof text, sizeof text) > 0, "pid_max");
    KT_CHECK(atol(text) > 1, "pid_max %s", text);
}

/* A read at offset 0 makes a new snapshot; reads elsewhere continue the old one, so lseek and pread see
 * the text of the first read. */
static void t_snapshot_and_lseek(void)
{
    char whole[4096], again[4096];
    long fd = kt_sys(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY);
    KT_CHECK(fd >= 0, "open = %s", kt_res(fd));
    long n = kt_sys(SYS_read, fd, whole, sizeof whole);
    KT_CHECK(n > 4, "read = %s", kt_res(n));
    KT_CHECK_RES(kt_sys(SYS_pread64, fd, again, 3, 2), 3);
    KT_CHECK(memcmp(again, whole + 2, 3) == 0, "pread at 2 differs from the first read");
    KT_CHECK_RES(kt_sys(SYS_lseek, fd, 1, SEEK_SET), 1);
    KT_CHECK_RES(kt_sys(SYS_read, fd, again, sizeof again), n - 1);
    KT_CHECK(memcmp(again, whole + 1, (size_t)n - 1) == 0, "read after lseek(1) differs");
    KT_CHECK_RES(kt_sys(SYS_read, fd, again, sizeof again), 0);
    kt_sys(SYS_close, fd);
}

/* Nothing in /proc can be written or created. */
static void t_read_only(void)
{
    long fd = kt_sys(SYS_openat, AT_FDCWD, "/proc/meminfo", O_WRONLY);
    long written = fd >= 0 ? kt_sys(SYS_write, fd, "x", 1) : fd;
    if (fd >= 0)
        kt_sys(SYS_close, fd);
    KT_CHECK(written < 0, "writing /proc/meminfo succeeded");
    long created = kt_sys(SYS_openat, AT_FDCWD, "/proc/kt-new-file", O_CREAT | O_WRONLY, 0600);
    KT_CHECK(created < 0, "creating /proc/kt-new-file succeeded");
    KT_CHECK(kt_sys(SYS_mkdir, "/proc/self/kt-dir", 0700) < 0, "mkdir in /proc/self succeeded");
}

/* ---- sendfile and copy_file_range ------------------------------------------------------------------ */

static long make_file(const char *path, const char *content)
{
    long fd = kt_sys(SYS_openat, AT_FDCWD, path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd >= 0)
        kt_sys(SYS_write, fd, content, strlen(content));
    return fd;
}

/* With an offset pointer: reads there, stores the next offset, leaves the file position alone. Without:
 * reads at the file position and advances it. A count past the end gives what there is. */
static void t_sendfile_offsets(void)
{
    long in = make_file(kt_tmp_path("in"), "0123456789");
    long out = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("out"), O_CREAT | O_TRUNC | O_RDWR, 0600);
    KT_CHECK(in >= 0 && out >= 0, "open: %s %s", kt_res(in), kt_res(out));
    KT_CHECK_RES(kt_sys(SYS_lseek, in, 1, SEEK_SET), 1);
    off_t offset = 4;
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, &offset, 3), 3);
    KT_CHECK(offset == 7, "offset %ld after sending 3 from 4, want 7", (long)offset);
    KT_CHECK_RES(kt_sys(SYS_lseek, in, 0, SEEK_CUR), 1);
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, NULL, 2), 2);
    KT_CHECK_RES(kt_sys(SYS_lseek, in, 0, SEEK_CUR), 3);
    offset = 8;
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, &offset, 100), 2);
    KT_CHECK(offset == 10, "offset %ld at the end, want 10", (long)offset);
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, &offset, 100), 0);
    char text[32] = {0};
    KT_CHECK_RES(kt_sys(SYS_pread64, out, text, sizeof text - 1, 0), 7);
    KT_CHECK(strcmp(text, "4561289") == 0, "the output is %s, want 4561289", text);
}

/* sendfile to a pipe, and from /proc (a generated file) to a file. */
static void t_sendfile_to_pipe_and_from_proc(void)
{
    long in = make_file(kt_tmp_path("in"), "hello, pipe");
    int fds[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, O_CLOEXEC), 0);
    off_t offset = 0;
    KT_CHECK_RES(kt_sys(SYS_sendfile, fds[1], in, &offset, 64), 11);
    char text[64] = {0};
    KT_CHECK_RES(kt_sys(SYS_read, fds[0], text, sizeof text), 11);
    KT_CHECK(strcmp(text, "hello, pipe") == 0, "the pipe got %s", text);
    long version = kt_sys(SYS_openat, AT_FDCWD, "/proc/sys/kernel/ostype", O_RDONLY);
    KT_CHECK(version >= 0, "open ostype = %s", kt_res(version));
    long sent = kt_sys(SYS_sendfile, fds[1], version, NULL, 64);
    struct utsname u;
    uname(&u);
    KT_CHECK(sent == (long)strlen(u.sysname) + 1, "sendfile of ostype = %s, want %zu", kt_res(sent), strlen(u.sysname) + 1);
    memset(text, 0, sizeof text);
    KT_CHECK_RES(kt_sys(SYS_read, fds[0], text, sizeof text), sent);
    KT_CHECK(strncmp(text, u.sysname, strlen(u.sysname)) == 0, "ostype through sendfile: %s", text);
}

/* sendfile errors: EBADF for an input not open for reading or an output not open for writing, ESPIPE for
 * an offset on a pipe, EINVAL for an O_APPEND output and a negative offset, EFAULT for a bad offset. */
static void t_sendfile_errors(void)
{
    const char *path = kt_tmp_path("in");
    long in = make_file(path, "data");
    long write_only = kt_sys(SYS_openat, AT_FDCWD, path, O_WRONLY);
    long append = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("append"), O_CREAT | O_WRONLY | O_APPEND, 0600);
    long out = kt_sys(SYS_openat, AT_FDCWD, kt_tmp_path("out"), O_CREAT | O_WRONLY, 0600);
    int fds[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, O_CLOEXEC), 0);
    KT_CHECK(in >= 0 && write_only >= 0 && append >= 0 && out >= 0, "open failed");
    off_t offset = 0;
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, write_only, NULL, 4), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_sendfile, fds[0], in, NULL, 4), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, 999, NULL, 4), -EBADF);
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, fds[0], &offset, 4), -ESPIPE);
    KT_CHECK_RES(kt_sys(SYS_sendfile, append, in, &offset, 4), -EINVAL);
    offset = -1;
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, &offset, 4), -EINVAL);
    KT_CHECK_RES(kt_sys(SYS_sendfile, out, in, (void *)KT_KERNEL_TEXT, 4), -EFAULT);
}

/* copy_file_range copies between regular files at explicit offsets or file positions; flags must be 0; a
 * directory is EISDIR, a pipe EINVAL. */
static void t_copy_file_range(void)
{
    long in = make_file(kt_tmp_path("in"), "abcdefgh");
    long out = make_file(kt_tmp_path("out"), "........");
    KT_CHECK(in >= 0 && out >= 0, "open failed");
    loff_t in_offset = 2, out_offset = 1;
    KT_CHECK_RES(kt_sys(SYS_copy_file_range, in, &in_offset, out, &out_offset, 3, 0), 3);
    KT_CHECK(in_offset == 5 && out_offset == 4, "offsets %ld %ld, want 5 4", (long)in_offset, (long)out_offset);
    KT_CHECK_RES(kt_sys(SYS_lseek, in, 6, SEEK_SET), 6);
    KT_CHECK_RES(kt_sys(SYS_lseek, out, 6, SEEK_SET), 6);
    KT_CHECK_RES(kt_sys(SYS_copy_file_range, in, NULL, out, NULL, 10, 0), 2);
    KT_CHECK_RES(kt_sys(SYS_lseek, in, 0, SEEK_CUR), 8);
    char text[16] = {0};
    KT_CHECK_RES(kt_sys(SYS_pread64, out, text, sizeof text - 1, 0), 8);
    KT_CHECK(strcmp(text, ".cde..gh") == 0, "the output is %s, want .cde..gh", text);
    KT_CHECK_RES(kt_sys(SYS_copy_file_range, in, NULL, out, NULL, 1, 1), -EINVAL);
    long directory = kt_sys(SYS_openat, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY);
    KT_CHECK_RES(kt_sys(SYS_copy_file_range, directory, NULL, out, NULL, 1, 0), -EISDIR);
    int fds[2];
    KT_CHECK_RES(kt_sys(SYS_pipe2, fds, O_CLOEXEC), 0);
    KT_CHECK_RES(kt_sys(SYS_copy_file_range, in, NULL, fds[1], NULL, 1, 0), -EINVAL);
}

static const struct kt_case cases[] = {
    KT_CASE(self_links),
    KT_CASE(stat_fields),
    KT_CASE(stat_starttime),
    KT_CASE(statm),
    KT_CASE(status_fields),
    KT_CASE(cmdline_is_argv),
    KT_CASE(comm),
    KT_CASE(maps_has_stack_and_program),
    KT_CASE(exe_link),
    KT_CASE(cwd_link),
    KT_CASE(fd_links),
    KT_CASE(fd_listing),
    KT_CASE(pids_come_and_go),
    KT_CASE(meminfo),
    KT_CASE(cpu_counts_agree),
    KT_CASE(stat_system),
    KT_CASE(uptime_and_loadavg),
    KT_CASE(mounts),
    KT_CASE(sys_kernel),
    KT_CASE(snapshot_and_lseek),
    KT_CASE(read_only),
    KT_CASE(sendfile_offsets),
    KT_CASE(sendfile_to_pipe_and_from_proc),
    KT_CASE(sendfile_errors),
    KT_CASE(copy_file_range),
};

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        size_t length = strlen(argv[i]) + 1;
        if (kt_argv_length + length > sizeof kt_argv_bytes)
            break;
        memcpy(kt_argv_bytes + kt_argv_length, argv[i], length);
        kt_argv_length += (int)length;
    }
    return kt_main("procfs", cases, KT_COUNT(cases), argc, argv);
}
