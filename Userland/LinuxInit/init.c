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

int main(int argc, char **argv)
{
    uint64_t started = bench_ticks();
    ensure_console();
    printf("linux-init: started at tsc=%llu\n", (unsigned long long)started);
    if (argc < 2) {
        printf("linux-init: no program to run (boot with \"-- PROGRAM [ARGS...]\" on the command line)\n");
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
