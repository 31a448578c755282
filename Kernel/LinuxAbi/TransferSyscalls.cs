// File-to-file copies inside the kernel: sendfile(2) (busybox cat uses it) and copy_file_range(2). The
// data goes through a kernel buffer a chunk at a time, never through user memory. Error cases and their
// order follow the man pages and Linux's do_sendfile and vfs_copy_file_range.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class TransferSyscalls
{
    private const ulong Chunk = 64 * 1024;
    private const ulong MaxCount = 0x7FFFF000;  // MAX_RW_COUNT
    private const int SEEK_CUR = 1;

    public static void Register()
    {
        SyscallTable.Register(Sys.Sendfile, &Sendfile);
        SyscallTable.Register(Sys.CopyFileRange, &CopyFileRange);
    }

    // sendfile(out_fd, in_fd, off_t *offset, count): from in_fd at *offset (leaving its file position
    // alone, and storing the position after the last byte read back in *offset) or at its file position
    // (which then advances), to out_fd at its own position.
    private static long Sendfile(InterruptContext* c)
    {
        int outFd = (int)c->Rdi, inFd = (int)c->Rsi;
        ulong offsetPointer = c->Rdx, count = c->R10;
        long position = 0;
        if (offsetPointer != 0)
        {
            if (!UserMemory.Read64(offsetPointer, out ulong value))
                return -Errno.EFAULT;
            position = (long)value;
        }
        FileTable files = Process.Current.Files;
        FileDescription input = files.Get(inFd);
        FileDescription output = input == null ? null : files.Get(outFd);
        long result = Check(input, output, offsetPointer != 0, ref position, ref count);
        if (result == 0)
        {
            bool usesPosition = offsetPointer == 0 && IsSeekable(input);
            result = Copy(input, output, offsetPointer != 0 || usesPosition, ref position, count, outputAt: -1);
            if (usesPosition)
                input.Offset = (ulong)position;
        }
        input?.Release();
        output?.Release();
        if (offsetPointer != 0 && !UserMemory.Write64(offsetPointer, (ulong)position))
            return -Errno.EFAULT;
        return result;
    }

    private static long Check(FileDescription input, FileDescription output, bool explicitOffset, ref long position, ref ulong count)
    {
        if (input == null || !input.CanRead)
            return -Errno.EBADF;
        if (explicitOffset && !IsSeekable(input))
            return -Errno.ESPIPE;
        if ((long)count < 0 || (explicitOffset && position < 0))
            return -Errno.EINVAL;
        if (count > MaxCount)
            count = MaxCount;
        if (output == null || !output.CanWrite)
            return -Errno.EBADF;
        if (input is NodeFile { IsDirectory: true } || (output.StatusFlags & FileDescription.O_APPEND) != 0)
            return -Errno.EINVAL;
        if (!explicitOffset && IsSeekable(input))
            position = (long)input.Offset;
        return 0;
    }

    private static bool IsSeekable(FileDescription file) => file.Seek(0, SEEK_CUR) >= 0;

    // Moves up to `count` bytes; positioned: read at `position` (advanced by what was written) and, for
    // a description whose own position is used, set that position at the end. outputAt: write at this
    // offset (copy_file_range with an explicit output offset), or -1 for the output's position.
    private static long Copy(FileDescription input, FileDescription output, bool positioned, ref long position, ulong count,
        long outputAt)
    {
        if (count == 0)
            return 0;
        byte* buffer = (byte*)KernelHeap.AllocateZeroed(count < Chunk ? count : Chunk);
        if (buffer == null)
            return -Errno.ENOMEM;
        ulong done = 0;
        long status = 0;
        while (done < count)
        {
            ulong piece = count - done < Chunk ? count - done : Chunk;
            long read = positioned ? input.ReadAt(buffer, piece, (ulong)position) : input.Read(buffer, piece);
            if (read <= 0)
            {
                status = read;
                break;
            }
            long written = 0;
            while (written < read)
            {
                long n = outputAt >= 0
                    ? output.WriteAt(buffer + written, (ulong)(read - written), (ulong)outputAt)
                    : output.Write(buffer + written, (ulong)(read - written));
                if (n <= 0)
                {
                    status = n < 0 ? n : -Errno.EIO;
                    break;
                }
                written += n;
                if (outputAt >= 0)
                    outputAt += n;
            }
            done += (ulong)written;
            if (positioned)
                position += written;
            if (written < read || (ulong)read < piece)
                break;
        }
        KernelHeap.Free(buffer);
        return done > 0 ? (long)done : status;
    }

    // copy_file_range(fd_in, off_t *off_in, fd_out, off_t *off_out, len, flags): between two regular
    // files, each at its explicit offset (updated) or its file position (advanced).
    private static long CopyFileRange(InterruptContext* c)
    {
        int inFd = (int)c->Rdi, outFd = (int)c->Rdx;
        ulong inPointer = c->Rsi, outPointer = c->R10, count = c->R8;
        FileTable files = Process.Current.Files;
        FileDescription input = files.Get(inFd);
        FileDescription output = input == null ? null : files.Get(outFd);
        long result = input == null || output == null ? -Errno.EBADF : 0;
        ulong inOffset = 0, outOffset = 0;
        if (result == 0 && ((inPointer != 0 && !UserMemory.Read64(inPointer, out inOffset))
                            || (outPointer != 0 && !UserMemory.Read64(outPointer, out outOffset))))
            result = -Errno.EFAULT;
        if (result == 0)
            result = CheckCopy(input, output, (uint)c->R9, ref count);
        long inPosition = (long)(inPointer != 0 ? inOffset : input?.Offset ?? 0);
        long outPosition = (long)(outPointer != 0 ? outOffset : output?.Offset ?? 0);
        if (result == 0)
        {
            if (inPosition < 0 || outPosition < 0)
                result = -Errno.EINVAL;
            else if (((NodeFile)input).Node == ((NodeFile)output).Node && inPosition < outPosition + (long)count
                     && outPosition < inPosition + (long)count)
                result = -Errno.EINVAL;     // overlapping ranges of one file
        }
        if (result == 0)
        {
            long outAt = outPosition;
            result = Copy(input, output, positioned: true, ref inPosition, count, outAt);
            if (result > 0)
            {
                outPosition += result;
                bool stored = (inPointer == 0 || UserMemory.Write64(inPointer, (ulong)inPosition))
                    && (outPointer == 0 || UserMemory.Write64(outPointer, (ulong)outPosition));
                if (inPointer == 0)
                    input.Offset = (ulong)inPosition;
                if (outPointer == 0)
                    output.Offset = (ulong)outPosition;
                if (!stored)
                    result = -Errno.EFAULT;
            }
        }
        input?.Release();
        output?.Release();
        return result;
    }

    private static long CheckCopy(FileDescription input, FileDescription output, uint flags, ref ulong count)
    {
        if (flags != 0)
            return -Errno.EINVAL;
        Node inNode = (input as NodeFile)?.Node, outNode = (output as NodeFile)?.Node;
        if ((inNode != null && inNode.IsDirectory) || (outNode != null && outNode.IsDirectory))
            return -Errno.EISDIR;
        if (inNode == null || outNode == null || !inNode.IsRegular || !outNode.IsRegular)
            return -Errno.EINVAL;
        if (!input.CanRead || !output.CanWrite || (output.StatusFlags & FileDescription.O_APPEND) != 0)
            return -Errno.EBADF;
        if ((long)count < 0)
            return -Errno.EINVAL;
        if (count > MaxCount)
            count = MaxCount;
        return 0;
    }
}
