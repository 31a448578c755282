/*
 * probe: the kernel holding a process to its service manifest (Kernel/Services, issue 6).
 *
 * One program, two roles. Installed as /services/probe/probe beside probe.manifest, it is the service: run
 * as `probe service SCENARIO`, it tries what the scenario says and exits 0 if the kernel allowed and
 * refused exactly what the manifest says (else a "# service ..." line and exit 1). A copy at an unbound
 * path (/probe/driver) is the ordinary program that runs the KTAP cases: it starts the service for each
 * scenario (fork + execve of the bound binary), and checks what an unrestricted process may do.
 *
 * probe.manifest allows: `syscalls runtime` and fork, vfork, execve, wait4; `calls ipc.receive
 * ipc.register ipc.lookup`; offers probe.offered; peers probe.peer. Not mkdir, not ipc.call, ipc.notify,
 * ipc.grant, ipc.map, memory.view.
 */
#include "../LinuxTests/ktest.h"
#include "../Include/kitten_ipc.h"

#include <sys/mman.h>
#include <time.h>

#define SERVICE "/services/probe/probe"
#define UNBOUND "/probe/driver"
#define BROKEN "/services/broken/broken"

static int service_failed(const char *scenario, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int service_failed(const char *scenario, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    kt_write_line("# service %s (pid %d): %s", scenario, (int)getpid(), reason);
    return 1;
}

#define SERVICE_CHECK(cond, ...)                               \
    do {                                                       \
        if (!(cond))                                           \
            return service_failed(scenario, __VA_ARGS__);      \
    } while (0)

/* The "Service:" line of /proc/self/status: its value in `name` (empty if there is none). */
static int service_of_self(char *name, size_t size)
{
    static char text[8192];
    name[0] = 0;
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return -1;
    text[n] = 0;
    char *line = strstr(text, "\nService:\t");
    if (line == NULL)
        return 0;
    line += strlen("\nService:\t");
    size_t length = strcspn(line, "\n");
    if (length >= size)
        length = size - 1;
    memcpy(name, line, length);
    name[length] = 0;
    return 0;
}

static long raw_mkdir(const char *path) { return kt_sys(SYS_mkdir, path, 0755); }

static long lookup(const char *name) { return kitten_ipc_name_lookup(name, strlen(name), 0); }

static long register_name(const char *name, long endpoint) { return kitten_ipc_name_register(name, strlen(name), (int)endpoint); }

/* ---- the service's side ------------------------------------------------------------------------------ */

static int scenario_allowed(const char *scenario)
{
    char name[64];
    struct timespec now;
    SERVICE_CHECK(getpid() > 0, "getpid");
    SERVICE_CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0, "clock_gettime: %s", kt_errno());
    SERVICE_CHECK(write(1, "", 0) == 0, "write: %s", kt_errno());
    SERVICE_CHECK(service_of_self(name, sizeof name) == 0, "reading /proc/self/status: %s", kt_errno());
    SERVICE_CHECK(strcmp(name, "probe") == 0, "/proc/self/status says Service: '%s', want 'probe'", name);
    return 0;
}

/* mkdir is not in the manifest: EPERM each time (the kernel says so once), and nothing is created. */
static int scenario_refused(const char *scenario)
{
    struct stat st;
    kt_write_line("# refused: pid %d", (int)getpid());
    long first = raw_mkdir("/tmp/probe-refused");
    long second = raw_mkdir("/tmp/probe-refused");
    SERVICE_CHECK(first == -EPERM, "mkdir = %s, want -EPERM", kt_res(first));
    SERVICE_CHECK(second == -EPERM, "mkdir again = %s, want -EPERM", kt_res(second));
    SERVICE_CHECK(stat("/tmp/probe-refused", &st) == -1 && errno == ENOENT, "/tmp/probe-refused exists");
    return 0;
}

static int scenario_ipc(const char *scenario)
{
    long ep = kitten_ipc_endpoint_create();
    SERVICE_CHECK(ep > 0, "endpoint_create (ipc.receive) = %s", kt_res(ep));
    uint64_t badge = 0;
    long identity = kitten_ipc_identify((int)ep, &badge);
    SERVICE_CHECK(identity > 0, "identify = %s", kt_res(identity));
    long minted = kitten_ipc_mint((int)ep, KITTEN_IPC_RIGHT_SEND | KITTEN_IPC_RIGHT_TRANSFER, 7);
    SERVICE_CHECK(minted > 0, "mint (ipc.receive) = %s", kt_res(minted));
    long notification = kitten_ipc_notification_create();
    SERVICE_CHECK(notification == -EPERM, "notification_create (no ipc.notify) = %s", kt_res(notification));
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SERVICE_CHECK(page != MAP_FAILED, "mmap: %s", kt_errno());
    long grant = kitten_ipc_grant_create(page, 4096, PROT_READ);
    SERVICE_CHECK(grant == -EPERM, "grant_create (no ipc.grant) = %s", kt_res(grant));
    long mapped = kitten_ipc_grant_map(1, PROT_READ);
    SERVICE_CHECK(mapped == -EPERM, "grant_map (no ipc.map) = %s", kt_res(mapped));
    long view = kitten_memory_view();
    SERVICE_CHECK(view == -EPERM, "memory_view (no memory.view) = %s", kt_res(view));
    struct kitten_ipc_msg m = {0};
    m.info = kitten_ipc_info(1, 0, 0);
    long called = kitten_ipc_call((int)minted, &m, 0, NULL, 0);
    SERVICE_CHECK(called == -EPERM, "call (no ipc.call) = %s", kt_res(called));
    SERVICE_CHECK(kitten_ipc_close((int)minted) == 0, "close minted");
    SERVICE_CHECK(kitten_ipc_close((int)ep) == 0, "close endpoint");
    return 0;
}

static int scenario_names(const char *scenario)
{
    long ep = kitten_ipc_endpoint_create();
    SERVICE_CHECK(ep > 0, "endpoint_create = %s", kt_res(ep));
    long offered = register_name("probe.offered", ep);
    SERVICE_CHECK(offered == 0, "register probe.offered (offered) = %s", kt_res(offered));
    long other = register_name("probe.other", ep);
    SERVICE_CHECK(other == -EPERM, "register probe.other (not offered) = %s", kt_res(other));
    long peer = lookup("probe.peer");
    SERVICE_CHECK(peer > 0, "lookup probe.peer (a peer) = %s", kt_res(peer));
    long stranger = lookup("probe.stranger");
    SERVICE_CHECK(stranger == -EPERM, "lookup probe.stranger (registered, not a peer) = %s", kt_res(stranger));
    long unregistered = kitten_ipc_name_unregister("probe.offered", strlen("probe.offered"));
    SERVICE_CHECK(unregistered == 0, "unregister probe.offered = %s", kt_res(unregistered));
    kitten_ipc_close((int)peer);
    kitten_ipc_close((int)ep);
    return 0;
}

/* A child of fork is still held to the manifest. */
static int scenario_fork(const char *scenario)
{
    pid_t pid = fork();
    SERVICE_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        char name[64];
        if (raw_mkdir("/tmp/probe-fork") != -EPERM || service_of_self(name, sizeof name) != 0 || strcmp(name, "probe") != 0)
            _exit(1);
        _exit(0);
    }
    int status = 0;
    SERVICE_CHECK(kt_reap(pid, &status) == pid, "wait4");
    SERVICE_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the forked child was not held to the manifest: %s", kt_status(status));
    return 0;
}

/* /bin/sh exec'd from the service runs under its manifest: the shell's mkdir is refused. */
static int scenario_shell(const char *scenario)
{
    struct stat st;
    pid_t pid = fork();
    SERVICE_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "mkdir /tmp/probe-shell", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    SERVICE_CHECK(kt_reap(pid, &status) == pid, "wait4");
    SERVICE_CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127,
        "sh -c 'mkdir /tmp/probe-shell' under the manifest: %s, want a failed mkdir", kt_status(status));
    SERVICE_CHECK(stat("/tmp/probe-shell", &st) == -1 && errno == ENOENT, "/tmp/probe-shell was created");
    return 0;
}

/* Run by an unbound program that a service exec'd: the policy came along. */
static int scenario_still_held(const char *scenario)
{
    char name[64];
    SERVICE_CHECK(raw_mkdir("/tmp/probe-still-held") == -EPERM, "mkdir was allowed after exec of an unbound program");
    SERVICE_CHECK(service_of_self(name, sizeof name) == 0 && strcmp(name, "probe") == 0, "Service: '%s', want 'probe'", name);
    return 0;
}

static int scenario_exec_unbound(const char *scenario)
{
    pid_t pid = fork();
    SERVICE_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        execl(UNBOUND, "driver", "service", "still-held", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    SERVICE_CHECK(kt_reap(pid, &status) == pid, "wait4");
    SERVICE_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s after exec of %s: %s", UNBOUND, UNBOUND, kt_status(status));
    return 0;
}

/* Run as /services/broken/broken, whose manifest the kernel refused: nothing is restricted. */
static int scenario_unrestricted(const char *scenario)
{
    char name[64];
    long made = raw_mkdir("/tmp/probe-unrestricted");
    SERVICE_CHECK(made == 0, "mkdir = %s, want 0", kt_res(made));
    kt_sys(SYS_rmdir, "/tmp/probe-unrestricted");
    SERVICE_CHECK(service_of_self(name, sizeof name) == 0 && name[0] == 0, "Service: '%s', want none", name);
    return 0;
}

static int run_scenario(const char *scenario)
{
    static const struct {
        const char *name;
        int (*run)(const char *);
    } scenarios[] = {
        {"allowed", scenario_allowed}, {"refused", scenario_refused}, {"ipc", scenario_ipc},
        {"names", scenario_names}, {"fork", scenario_fork}, {"shell", scenario_shell},
        {"exec-unbound", scenario_exec_unbound}, {"still-held", scenario_still_held},
        {"unrestricted", scenario_unrestricted},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (strcmp(scenarios[i].name, scenario) == 0)
            return scenarios[i].run(scenario);
    return service_failed(scenario, "no such scenario");
}

/* ---- the driver's side: KTAP cases ------------------------------------------------------------------- */

/* Runs `program service SCENARIO` and returns its wait status (-1 if it could not be started). */
static int run_service(const char *program, const char *scenario)
{
    pid_t pid = kt_fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(program, "probe", "service", scenario, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    return kt_reap(pid, &status) == pid ? status : -1;
}

#define SERVICE_CASE(name, program, scenario)                                                           \
    static void t_##name(void)                                                                          \
    {                                                                                                   \
        int status = run_service(program, scenario);                                                    \
        KT_CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s service %s: %s",    \
            program, scenario, status == -1 ? "did not run" : kt_status(status));                       \
    }

SERVICE_CASE(allowed_syscalls_work, SERVICE, "allowed")
SERVICE_CASE(refused_syscall_gets_eperm, SERVICE, "refused")
SERVICE_CASE(ipc_calls_outside_calls_get_eperm, SERVICE, "ipc")
SERVICE_CASE(policy_survives_fork, SERVICE, "fork")
SERVICE_CASE(policy_survives_exec_of_the_shell, SERVICE, "shell")
SERVICE_CASE(policy_survives_exec_of_an_unbound_program, SERVICE, "exec-unbound")
SERVICE_CASE(refused_manifest_binds_nothing, BROKEN, "unrestricted")

/* Peers and offers: the driver (unrestricted) registers the names the service looks up. */
static void t_register_offered_lookup_peer(void)
{
    long peer = kitten_ipc_endpoint_create(), stranger = kitten_ipc_endpoint_create();
    KT_CHECK(peer > 0 && stranger > 0, "endpoint_create: %s %s", kt_res(peer), kt_res(stranger));
    KT_CHECK_RES(register_name("probe.peer", peer), 0);
    KT_CHECK_RES(register_name("probe.stranger", stranger), 0);
    int status = run_service(SERVICE, "names");
    kitten_ipc_close((int)peer);
    kitten_ipc_close((int)stranger);
    KT_CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "service names: %s", kt_status(status));
}

/* A name some bound manifest offers is reserved: an ordinary program cannot take it; others it can. */
static void t_ordinary_program_refused_a_reserved_name(void)
{
    long ep = kitten_ipc_endpoint_create();
    KT_CHECK(ep > 0, "endpoint_create = %s", kt_res(ep));
    long reserved = register_name("probe.offered", ep);
    long free_name = register_name("probe.free", ep);
    kitten_ipc_close((int)ep);
    KT_CHECK(reserved == -EPERM, "register probe.offered (reserved for probe) = %s, want -EPERM", kt_res(reserved));
    KT_CHECK(free_name == 0, "register probe.free = %s, want 0", kt_res(free_name));
}

/* The driver is under no manifest: mkdir works, the shell's too, the kernel's calls (the free-memory view
 * here), and /proc says no Service. */
static void t_ordinary_program_unrestricted(void)
{
    char name[64];
    long view = kitten_memory_view();
    KT_CHECK(view > 0, "memory_view = %s, want a handle", kt_res(view));
    kitten_ipc_close((int)view);
    KT_CHECK_RES(raw_mkdir("/tmp/probe-driver"), 0);
    kt_sys(SYS_rmdir, "/tmp/probe-driver");
    KT_CHECK(service_of_self(name, sizeof name) == 0 && name[0] == 0, "Service: '%s', want none", name);
    pid_t pid = kt_fork();
    KT_CHECK(pid >= 0, "fork: %s", kt_errno());
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "mkdir /tmp/probe-control && rmdir /tmp/probe-control", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    KT_CHECK(kt_reap(pid, &status) == pid, "wait4");
    KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sh -c 'mkdir ...' unrestricted: %s", kt_status(status));
}

static const struct kt_case cases[] = {
    KT_CASE(ordinary_program_unrestricted),
    KT_CASE(allowed_syscalls_work),
    KT_CASE(refused_syscall_gets_eperm),
    KT_CASE(ipc_calls_outside_calls_get_eperm),
    KT_CASE(register_offered_lookup_peer),
    KT_CASE(ordinary_program_refused_a_reserved_name),
    KT_CASE(policy_survives_fork),
    KT_CASE(policy_survives_exec_of_the_shell),
    KT_CASE(policy_survives_exec_of_an_unbound_program),
    KT_CASE(refused_manifest_binds_nothing),
};

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "service") == 0)
        return run_scenario(argv[2]);
    return kt_main("manifest", cases, KT_COUNT(cases), argc, argv);
}
