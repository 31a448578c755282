/*
 * /init of the Linux baseline's initramfs: runs one program, reports how it ended, and ends QEMU.
 *
 * The kernel starts /init with the command line words after "--" as its arguments (Linux's
 * Documentation/admin-guide/kernel-parameters.rst: "Everything after -- is passed as an argument to
 * init"), so Build/linux.sh boots with "... -- /bench/syscall 1000" and this program runs
 * /bench/syscall with the argument 1000, its standard output and error on the console (the first serial
 * port), and waits for it. It prints:
 *
 *   linux-init: started at tsc=N           on entry (under -icount: ticks from power-on to /init)
 *   linux-init: running PROGRAM ARGS...    just before the program starts
 *   linux-init: exit status S (tsc=N)      or "killed by signal S (tsc=N)" when it has ended
 *
 * and then ends QEMU through the isa-debug-exit device, as Kitten's kernel does
 * (Kernel/Platform/Shutdown.cs): 0x10 if the program exited with status 0, 0x11 otherwise; QEMU exits
 * with (value << 1) | 1, i.e. 33 or 35. The script reads both the status line and QEMU's status.
 *
 * With "--services NAME[,NAME...]" before the program, /init first starts the services of the initramfs
 * (Services/, laid out as in Kitten's boot image: /services/NAME/NAME and NAME.manifest) as Kitten's
 * kernel does (Kernel/Boot/BootServices.cs): /services/supervisor/supervisor with the manifests' paths
 * as its arguments and the kernel's environment, then waits until "supervisor" and each service's name
 * (NAME up to its first '-', e.g. memory for memory-contiguous) are registered before the program
 * starts. The services use the IPC library's host back end (Services/Ipc/README.md) in its default
 * runtime directory, /tmp/kitten-ipc-UID; they keep running until QEMU ends.
 *
 * Process 1 must never exit (the kernel panics: "Attempted to kill init!"), so every path ends in
 * power_off.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../Include/bench.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_SUCCESS 0x10
#define DEBUG_EXIT_FAILURE 0x11

static _Noreturn void power_off(int success)
{
    /* The console is a serial port: write() returns once the bytes are in the tty buffer, which the
     * UART driver sends later. tcdrain(3) waits until they have been transmitted, so that nothing is
     * lost when QEMU ends below. */
    fflush(stdout);
    tcdrain(STDOUT_FILENO);
    /* ioperm(2) opens ports to this process (it needs CAP_SYS_RAWIO; init runs as root). outl(3) takes
     * the value first. */
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
        outl(success ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE, DEBUG_EXIT_PORT);
    else
        printf("linux-init: ioperm: %s\n", strerror(errno));
    /* No isa-debug-exit device: power off through ACPI. QEMU then exits with status 0, which the
     * script never takes for success. */
    printf("linux-init: no isa-debug-exit device at 0x%x; powering off\n", DEBUG_EXIT_PORT);
    fflush(stdout);
    tcdrain(STDOUT_FILENO);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

/*
 * The kernel opens /dev/console as file descriptors 0, 1 and 2 of init when the initramfs has it
 * (init/main.c, console_on_rootfs); the kernel's built-in initramfs provides that node. Only when it is
 * missing do we mount devtmpfs and open the console ourselves.
 */
static void ensure_console(void)
{
    if (fcntl(STDOUT_FILENO, F_GETFD) != -1)
        return;
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
        power_off(0);
    int console = open("/dev/console", O_RDWR);
    if (console < 0)
        power_off(0);
    dup2(console, STDIN_FILENO);
    dup2(console, STDOUT_FILENO);
    dup2(console, STDERR_FILENO);
    if (console > STDERR_FILENO)
        close(console);
}

#define MAX_SERVICES 16
#define SERVICE_NAME_MAX 64
/* As long as Kitten's kernel waits (BootServices.DefaultWaitSeconds). */
#define SERVICES_WAIT_SECONDS 60
#define SUPERVISOR "/services/supervisor/supervisor"

static uint64_t milliseconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/*
 * Whether the host back end's registry has NAME: a symbolic link names/NAME in the runtime directory to
 * the socket of the endpoint registered under it (Services/Ipc/Host/HostIpcSystem.cs). stat(2) follows
 * the link, so it succeeds only once the socket it names exists; at boot no dead service has left one.
 */
static int name_registered(const char *name)
{
    char path[128];
    struct stat status;
    snprintf(path, sizeof path, "/tmp/kitten-ipc-%u/names/%s", (unsigned)getuid(), name);
    return stat(path, &status) == 0;
}

/* Polls the registry every millisecond, as Kitten's kernel does (BootServices.WaitForName). */
static int wait_for_name(const char *name, uint64_t since)
{
    while (!name_registered(name)) {
        if (milliseconds_now() - since > SERVICES_WAIT_SECONDS * 1000) {
            printf("linux-init: services: '%s' was not registered within %d s of the supervisor starting\n",
                   name, SERVICES_WAIT_SECONDS);
            return 0;
        }
        usleep(1000);
    }
    return 1;
}

/* LIST is "NAME[,NAME...]": starts the supervisor with /services/NAME/NAME.manifest for each and waits
 * until every name is registered; powers off if it cannot. */
static void start_services(char *list)
{
    static char manifests[MAX_SERVICES][2 * SERVICE_NAME_MAX + 32];
    static char groups[MAX_SERVICES][SERVICE_NAME_MAX];
    const char *names[MAX_SERVICES];
    char *arguments[MAX_SERVICES + 2] = { SUPERVISOR };
    int count = 0;
    for (char *name = strtok(list, ","); name != NULL; name = strtok(NULL, ",")) {
        if (count == MAX_SERVICES || strlen(name) >= SERVICE_NAME_MAX || strchr(name, '/') != NULL) {
            printf("linux-init: --services: too many services or a bad name: '%s'\n", name);
            power_off(0);
        }
        snprintf(manifests[count], sizeof manifests[count], "/services/%s/%s.manifest", name, name);
        if (access(manifests[count], R_OK) != 0) {
            printf("linux-init: --services: no %s: %s\n", manifests[count], strerror(errno));
            power_off(0);
        }
        /* The name a service registers is its group, the folder's name up to its first '-'
         * (Kernel/Boot/ServiceChoice.cs, GroupOf). */
        size_t group = strcspn(name + 1, "-") + 1;
        memcpy(groups[count], name, group);
        groups[count][group] = '\0';
        arguments[1 + count] = manifests[count];
        names[count++] = name;
    }
    if (count == 0) {
        printf("linux-init: --services: name at least one service\n");
        power_off(0);
    }

    /* Kitten's kernel gives the supervisor this environment and nothing else. */
    char *environment[] = { "HOME=/", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", NULL };
    fflush(stdout);
    tcdrain(STDOUT_FILENO);
    uint64_t started = milliseconds_now();
    pid_t supervisor = fork();
    if (supervisor < 0) {
        printf("linux-init: fork: %s\n", strerror(errno));
        power_off(0);
    }
    if (supervisor == 0) {
        execve(SUPERVISOR, arguments, environment);
        printf("linux-init: cannot run %s: %s\n", SUPERVISOR, strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    if (!wait_for_name("supervisor", started))
        power_off(0);
    for (int i = 0; i < count; i++) {
        if (!wait_for_name(groups[i], started))
            power_off(0);
        printf("linux-init: services: '%s' served by %s, %llu ms after the supervisor started\n", groups[i],
               names[i], (unsigned long long)(milliseconds_now() - started));
    }
}

int main(int argc, char **argv)
{
    uint64_t started = bench_ticks();
    ensure_console();
    printf("linux-init: started at tsc=%llu\n", (unsigned long long)started);
    if (argc >= 3 && strcmp(argv[1], "--services") == 0) {
        start_services(argv[2]);
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        printf("linux-init: no program to run (boot with \"-- [--services NAME,...] PROGRAM [ARGS...]\" on the command line)\n");
        power_off(0);
    }

    printf("linux-init: running");
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    /* Before fork, or the child would print the buffered lines again. */
    fflush(stdout);
    tcdrain(STDOUT_FILENO);

    /* A fixed environment, the same on every kernel, instead of what this kernel passes to init. */
    char *environment[] = { "PATH=/bench", "HOME=/", NULL };
    pid_t child = fork();
    if (child < 0) {
        printf("linux-init: fork: %s\n", strerror(errno));
        power_off(0);
    }
    if (child == 0) {
        execve(argv[1], argv + 1, environment);
        printf("linux-init: cannot run %s: %s\n", argv[1], strerror(errno));
        fflush(stdout);
        _exit(127);
    }

    /* Process 1 also inherits orphans; waiting for our child only leaves them as zombies, which is
     * harmless for one run. */
    int status;
    pid_t waited;
    do
        waited = waitpid(child, &status, 0);
    while (waited < 0 && errno == EINTR);
    uint64_t ended = bench_ticks();
    if (waited != child) {
        printf("linux-init: waitpid: %s\n", strerror(errno));
        power_off(0);
    }
    if (WIFEXITED(status)) {
        printf("linux-init: exit status %d (tsc=%llu)\n", WEXITSTATUS(status), (unsigned long long)ended);
        power_off(WEXITSTATUS(status) == 0);
    }
    printf("linux-init: killed by signal %d (tsc=%llu)\n", WTERMSIG(status), (unsigned long long)ended);
    power_off(0);
}
