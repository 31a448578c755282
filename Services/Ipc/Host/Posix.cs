using System.Runtime.InteropServices;
using System.Text;

namespace Kitten.Ipc.Host;

// The libc calls the host back end makes, declared by hand with blittable signatures: in a NativeAOT
// static program they bind at link time (DirectPInvoke of libc), in the host tests' JIT to libc.so.6.
// Constants are x86-64 Linux's (man 2 socket, unix(7), poll(2), memfd_create(2), futex(2), inotify(7)).
internal static unsafe class Posix
{
    public const int AF_UNIX = 1;
    public const int SOCK_SEQPACKET = 5;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_PEERCRED = 17;
    public const int SCM_RIGHTS = 1;

    public const int MSG_CTRUNC = 0x08;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const short POLLIN = 0x01;
    public const short POLLOUT = 0x04;
    public const short POLLERR = 0x08;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EPIPE = 32;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ENOMEM = 12;
    public const int ETIMEDOUT = 110;
    public const int ECONNRESET = 104;
    public const int ENOTCONN = 107;
    public const int ECONNREFUSED = 111;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const uint MFD_CLOEXEC = 1;

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const long SYS_futex = 202;
    public const int FUTEX_WAIT = 0;
    public const int FUTEX_WAKE = 1;

    public const int SIGKILL = 9;

    // inotify(7): IN_NONBLOCK and IN_CLOEXEC are O_NONBLOCK and O_CLOEXEC.
    public const int IN_NONBLOCK = 0x800;
    public const int IN_CLOEXEC = 0x80000;
    public const uint IN_MOVED_TO = 0x80;
    public const uint IN_CREATE = 0x100;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrUn
    {
        public ushort Family;
        public fixed byte Path[108];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // One SCM_RIGHTS control message with one descriptor: cmsghdr (16 bytes) + int, padded to 8
    // (CMSG_SPACE(sizeof(int)) = 24, CMSG_LEN(sizeof(int)) = 20; cmsg(3)).
    public const int OneFdControlSpace = 24;
    public const int OneFdControlLength = 20;

    public static int Errno => Marshal.GetLastPInvokeError();

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static extern int Bind(int fd, SockaddrUn* address, uint length);

    [DllImport("libc", EntryPoint = "listen", SetLastError = true)]
    public static extern int Listen(int fd, int backlog);

    [DllImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static extern int Accept4(int fd, void* address, uint* length, int flags);

    [DllImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static extern int Connect(int fd, SockaddrUn* address, uint length);

    [DllImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static extern int GetSockName(int fd, SockaddrUn* address, uint* length);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static extern int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [DllImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static extern nint SendMsg(int fd, MsgHdr* message, int flags);

    [DllImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static extern nint RecvMsg(int fd, MsgHdr* message, int flags);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, void* buffer, nuint count);

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    public static extern int InotifyInit1(int flags);

    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    public static extern int InotifyAddWatch(int fd, byte* path, uint mask);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open(byte* path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "memfd_create", SetLastError = true)]
    public static extern int MemfdCreate(byte* name, uint flags);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static extern int Fstat(int fd, byte* stat);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static extern int Munmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    public static extern int Mprotect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static extern long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    public static extern int Mkdir(byte* path, uint mode);

    // mkdir -p with mode 0700 for what it creates.
    public static void MakeDirectories(string path)
    {
        if (Directory.Exists(path))
            return;
        string? parent = Path.GetDirectoryName(path);
        if (parent != null)
            MakeDirectories(parent);
        byte[] utf8 = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* text = utf8)
        {
            if (Mkdir(text, 0x1C0) != 0 && !Directory.Exists(path))
                throw new IpcException($"mkdir {path}: {ErrorText(Errno)}");
        }
    }

    [DllImport("libc", EntryPoint = "getuid")]
    public static extern uint GetUid();

    [DllImport("libc", EntryPoint = "getpid")]
    public static extern int GetPid();

    [DllImport("libc", EntryPoint = "uname", SetLastError = true)]
    public static extern int Uname(byte* buffer);

    // Fills a sockaddr_un with a path; false if it does not fit (unix(7): 108 bytes with the NUL).
    public static bool TryMakeAddress(string path, out SockaddrUn address, out uint length)
    {
        address = default;
        address.Family = AF_UNIX;
        int bytes = Encoding.UTF8.GetByteCount(path);
        length = 0;
        if (bytes >= 108)
            return false;
        fixed (byte* target = address.Path)
            Encoding.UTF8.GetBytes(path, new Span<byte>(target, 108));
        length = (uint)(sizeof(ushort) + bytes + 1);
        return true;
    }

    public static string AddressPath(in SockaddrUn address, uint length)
    {
        fixed (byte* path = address.Path)
        {
            int max = Math.Clamp((int)length - sizeof(ushort), 0, 108);
            var bytes = new ReadOnlySpan<byte>(path, max);
            int end = bytes.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
        }
    }

    public static string ErrorText(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
