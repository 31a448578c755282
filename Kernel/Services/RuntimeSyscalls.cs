// The `runtime` group of a manifest's `syscalls` line: the Linux system calls a NativeAOT .NET program
// (glibc, static) makes for itself: its threads, GC, signals, timers, console and file reads. Derived by
// tracing real programs on this kernel (`strace` on the command line: Userland/CSharp's RuntimeTests,
// Hello, Compute) and the services on a Linux host (strace -f of the supervisor running memory-paged),
// then rounded out with the neighbours glibc picks instead on other paths (stat and newfstatat, poll and
// ppoll, clone and clone3, ...). Not in it: starting programs (fork, vfork, execve, wait4, kill: the
// supervisor names them itself), changing the file tree (unlink, rename, mkdir, ...), sockets.
// Portable: unit-tested on the host (every name is a Linux x86-64 system call).
namespace Kitten.Kernel.Services;

internal static class RuntimeSyscalls
{
    public const string Names =
        // files and descriptors
        "read write readv writev pread64 pwrite64 open openat close stat fstat lstat newfstatat statx lseek " +
        "ioctl fcntl flock dup dup2 dup3 pipe pipe2 poll ppoll select pselect6 access faccessat faccessat2 " +
        "readlink readlinkat getcwd getdents64 statfs fstatfs " +
        // memory
        "mmap mprotect munmap mremap madvise brk msync mincore membarrier get_mempolicy " +
        // signals
        "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend rt_sigtimedwait sigaltstack tgkill tkill restart_syscall " +
        // threads
        "clone clone3 set_robust_list get_robust_list set_tid_address rseq futex sched_yield sched_getaffinity " +
        "sched_setaffinity getcpu gettid exit exit_group " +
        // time
        "clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday time times " +
        // the process and the machine
        "getpid getppid getuid geteuid getgid getegid getrusage getrlimit prlimit64 prctl sysinfo uname " +
        "getrandom arch_prctl umask";
}
