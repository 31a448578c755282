// The x86-64 system call numbers the kernel implements (arch/x86/entry/syscalls/syscall_64.tbl in Linux).
namespace Kitten.Kernel.LinuxAbi;

internal static class Sys
{
    public const int Read = 0, Write = 1, Open = 2, Close = 3, Stat = 4, Fstat = 5, Lstat = 6, Poll = 7, Lseek = 8,
        Mmap = 9, Mprotect = 10, Munmap = 11, Brk = 12, RtSigaction = 13, RtSigprocmask = 14, RtSigreturn = 15,
        Ioctl = 16, Pread64 = 17, Pwrite64 = 18, Readv = 19, Writev = 20, Access = 21, Pipe = 22, SchedYield = 24,
        Mremap = 25, Madvise = 28, Dup = 32, Dup2 = 33, Pause = 34, Nanosleep = 35, Getpid = 39, Sendfile = 40, Clone = 56,
        Fork = 57, Vfork = 58, Execve = 59, Exit = 60, Wait4 = 61, Kill = 62, Uname = 63, Fcntl = 72, Flock = 73,
        Truncate = 76, Ftruncate = 77, Getcwd = 79, Chdir = 80, Fchdir = 81, Rename = 82, Mkdir = 83, Rmdir = 84,
        Creat = 85, Link = 86, Unlink = 87, Symlink = 88, Readlink = 89, Chmod = 90, Fchmod = 91, Chown = 92,
        Umask = 95, Gettimeofday = 96, Getrlimit = 97, Getrusage = 98, Sysinfo = 99, Times = 100, Getuid = 102,
        Getgid = 104, Setuid = 105, Setgid = 106, Geteuid = 107, Getegid = 108, Setpgid = 109, Getppid = 110,
        Getpgrp = 111, Setsid = 112, Getgroups = 115, Getpgid = 121, Getsid = 124, Sigaltstack = 131,
        ArchPrctl = 158, Setrlimit = 160, Gettid = 186, Tkill = 200, Time = 201, Futex = 202,
        SchedSetaffinity = 203, SchedGetaffinity = 204, Getdents64 = 217, SetTidAddress = 218,
        ClockGettime = 228, ClockGetres = 229, ClockNanosleep = 230, ExitGroup = 231, Tgkill = 234,
        Openat = 257, Mkdirat = 258, Newfstatat = 262, Unlinkat = 263, Renameat = 264, Readlinkat = 267,
        Faccessat = 269, Ppoll = 271, SetRobustList = 273, Dup3 = 292, Pipe2 = 293, Prlimit64 = 302,
        GetMempolicy = 239, Waitid = 247, Getcpu = 309, Getrandom = 318, Membarrier = 324, CopyFileRange = 326, Rseq = 334, Clone3 = 435, Faccessat2 = 439,
        GetRobustList = 274;
}
