// A regular file of a tmpfs: its data lives in kernel memory as a table of fixed-size blocks, so that a
// large file never needs one large contiguous allocation. A block that was never written is a hole and
// reads as zeros (so is any part of a block past its capacity); the first block of a small file starts
// small and doubles up to the block size, so a ten-byte file costs 64 bytes, not 64 KiB.
//
// Invariant: every byte stored in a block beyond the file's size is zero. Truncating down re-zeroes the
// tail, so a later write past the end, or a truncate up, exposes zeros as POSIX requires (truncate(2)).
// All memory (blocks and the block table) is charged to the file system's capacity: past it, -ENOSPC.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed class MemoryFile : Node
{
    public const int BlockSize = 64 * 1024;
    private const int SmallestBlock = 64;
    // Keeps block indices far inside int range; the capacity is the real limit long before this.
    public const ulong MaxSize = 1UL << 40;

    private byte[][] _blocks;   // block i holds bytes [i * BlockSize, i * BlockSize + _blocks[i].Length)
    private ulong _size;
    private ulong _allocated;   // bytes of blocks and table, charged to the file system

    public MemoryFile(FileSystemInstance fileSystem, uint permissions)
        : base(fileSystem, FileMode.Regular | (permissions & FileMode.PermissionMask))
    {
    }

    public override ulong Size => _size;
    public override ulong BlockCount => _allocated / 512;
    public ulong AllocatedBytes => _allocated;

    public override long Read(ulong offset, Span<byte> buffer)
    {
        if (offset >= _size || buffer.Length == 0)
            return 0;
        ulong available = _size - offset;
        int count = (ulong)buffer.Length < available ? buffer.Length : (int)available;
        for (int done = 0; done < count;)
        {
            ulong position = offset + (ulong)done;
            int index = (int)(position / BlockSize);
            int within = (int)(position % BlockSize);
            int chunk = Min(count - done, BlockSize - within);
            Span<byte> destination = buffer.Slice(done, chunk);
            byte[] block = _blocks != null && index < _blocks.Length ? _blocks[index] : null;
            int stored = block == null || within >= block.Length ? 0 : Min(chunk, block.Length - within);
            if (stored > 0)
                Bytes.Copy(new ReadOnlySpan<byte>(block, within, stored), destination);
            Bytes.Zero(destination.Slice(stored));
            done += chunk;
        }
        // relatime (mount(8)): the access time moves only if it is older than the last change, which keeps
        // "has this been read since it was written" answerable without a store on every read.
        if (AccessTime <= ModifyTime || AccessTime <= ChangeTime)
            AccessTime = FileTime.Now();
        return count;
    }

    public override long Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        if (data.Length == 0)
            return 0;
        if (offset >= MaxSize)
            return -Errno.EFBIG;
        int count = MaxSize - offset < (ulong)data.Length ? (int)(MaxSize - offset) : data.Length;
        int done = 0;
        while (done < count)
        {
            ulong position = offset + (ulong)done;
            int index = (int)(position / BlockSize);
            int within = (int)(position % BlockSize);
            int chunk = Min(count - done, BlockSize - within);
            byte[] block = EnsureBlock(index, within + chunk);
            if (block == null)
                break;
            Bytes.Copy(data.Slice(done, chunk), new Span<byte>(block).Slice(within));
            done += chunk;
        }
        if (done == 0)
            return -Errno.ENOSPC;
        if (offset + (ulong)done > _size)
            _size = offset + (ulong)done;
        MarkModified();
        return done;
    }

    public override int Truncate(ulong length)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        if (length > MaxSize)
            return -Errno.EFBIG;
        if (length < _size && _blocks != null)
        {
            // Blocks wholly past the new end go; the last kept one is zeroed past it. (int arithmetic:
            // length < _size <= MaxSize keeps the block count far below int.MaxValue.)
            int kept = (int)((length + BlockSize - 1) / BlockSize);
            for (int i = kept; i < _blocks.Length; i++)
                ReleaseBlock(i);
            int within = (int)(length % BlockSize);
            byte[] last = kept == 0 || kept > _blocks.Length ? null : _blocks[kept - 1];
            if (within != 0 && last != null && within < last.Length)
                Bytes.Zero(new Span<byte>(last).Slice(within));
            if (length == 0)
                ReleaseTable();
        }
        _size = length;
        MarkModified();
        return 0;
    }

    // Block `index`, allocated or grown so that it holds at least `needed` bytes; null if the file
    // system is out of space.
    private byte[] EnsureBlock(int index, int needed)
    {
        if (!EnsureTable(index + 1))
            return null;
        byte[] block = _blocks[index];
        if (block != null && block.Length >= needed)
            return block;
        int capacity = index == 0 ? Min(BlockSize, RoundUpToPowerOfTwo(needed < SmallestBlock ? SmallestBlock : needed)) : BlockSize;
        int old = block == null ? 0 : block.Length;
        if (!FileSystem.Reserve((ulong)(capacity - old)))
            return null;
        var larger = new byte[capacity];
        if (block != null)
        {
            Bytes.Copy(block, larger);
            NodeMemory.Release(block);
        }
        _blocks[index] = larger;
        _allocated += (ulong)(capacity - old);
        return larger;
    }

    private bool EnsureTable(int count)
    {
        int length = _blocks == null ? 0 : _blocks.Length;
        if (count <= length)
            return true;
        int grown = length < 4 ? 4 : length * 2;
        if (grown < count)
            grown = count;
        ulong extra = (ulong)(grown - length) * 8;
        if (!FileSystem.Reserve(extra))
            return false;
        var table = new byte[grown][];
        for (int i = 0; i < length; i++)
            table[i] = _blocks[i];
        if (_blocks != null)
            NodeMemory.Release(_blocks);
        _blocks = table;
        _allocated += extra;
        return true;
    }

    private void ReleaseBlock(int index)
    {
        byte[] block = _blocks[index];
        if (block == null)
            return;
        _blocks[index] = null;
        FileSystem.Unreserve((ulong)block.Length);
        _allocated -= (ulong)block.Length;
        NodeMemory.Release(block);
    }

    private void ReleaseTable()
    {
        if (_blocks == null)
            return;
        for (int i = 0; i < _blocks.Length; i++)
            ReleaseBlock(i);
        ulong tableBytes = (ulong)_blocks.Length * 8;
        FileSystem.Unreserve(tableBytes);
        _allocated -= tableBytes;
        NodeMemory.Release(_blocks);
        _blocks = null;
    }

    private protected override Node ReleaseContents()
    {
        ReleaseTable();
        _size = 0;
        return null;
    }

    private static int Min(int a, int b) => a < b ? a : b;

    private static int RoundUpToPowerOfTwo(int value)
    {
        int power = 1;
        while (power < value)
            power <<= 1;
        return power;
    }
}
