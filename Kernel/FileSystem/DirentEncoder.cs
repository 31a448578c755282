// getdents64(2): directory entries as struct linux_dirent64 records, one after another:
//     u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[];   (NUL-terminated)
// d_reclen is padded to a multiple of 8 so that the next record is aligned (fs/readdir.c). d_off is the
// position after this entry: a directory cookie (DirectoryEntries.cs), which lseek(fd, d_off, SEEK_SET)
// on the directory accepts to continue from there.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal static class DirentEncoder
{
    public const int InodeOffset = 0;
    public const int NextOffset = 8;
    public const int RecordLengthOffset = 16;
    public const int TypeOffset = 18;
    public const int NameOffset = 19;

    // The record length of an entry with a name of `nameLength` bytes.
    public static int RecordLength(int nameLength) => (NameOffset + nameLength + 1 + 7) & ~7;

    // Fills `buffer` with the entries of `directory` from `cookie` on, and advances the cookie past them.
    // Returns the bytes written, 0 at the end of the directory, -EINVAL if the buffer cannot hold even
    // the next entry, or -ENOENT if the directory was removed (iterate_dir in fs/readdir.c).
    public static int Fill(DirectoryNode directory, ref long cookie, Span<byte> buffer)
    {
        if (directory.IsRemoved)
            return -Errno.ENOENT;
        if (directory.Source != null && !directory.Source.UpdateAll(directory))
            return -Errno.ENOENT;
        int written = 0;
        while (directory.ReadEntry(cookie, out DirectoryEntryView entry))
        {
            int length = RecordLength(entry.Name.Length);
            if (written + length > buffer.Length)
                return written == 0 ? -Errno.EINVAL : written;
            Span<byte> record = buffer.Slice(written, length);
            Bytes.Zero(record);
            Bytes.Put64(record, InodeOffset, entry.Node.Inode);
            Bytes.Put64(record, NextOffset, (ulong)entry.NextCookie);
            Bytes.Put16(record, RecordLengthOffset, (ushort)length);
            record[TypeOffset] = FileMode.DirectoryEntryType(entry.Node.Mode);
            Bytes.Copy(entry.Name, record.Slice(NameOffset));
            written += length;
            cookie = entry.NextCookie;
        }
        return written;
    }
}
