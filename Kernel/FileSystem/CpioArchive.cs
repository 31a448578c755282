// Reader for cpio archives in the "newc" format, the format of Linux initramfs images and of the kernel's
// initial file system (Documentation/driver-api/early-userspace/buffer-format.rst in Linux). Each entry is
// a 110-byte ASCII header of thirteen 8-digit hex fields, the NUL-terminated name, padding to 4 bytes, the
// data, padding to 4 bytes; "TRAILER!!!" ends the archive. Portable: unit-tested (and fuzzed) on the host.
namespace Kitten.Kernel.FileSystem;

internal unsafe struct CpioEntry
{
    public byte* Name;      // without the terminating NUL, without a leading "./"
    public int NameLength;
    public uint Mode;       // st_mode: file type and permissions
    public byte* Data;
    public ulong Size;
    public uint Inode;      // with DeviceMajor/Minor, identifies hard links (entries sharing an inode)
    public uint Uid;
    public uint Gid;
    public uint LinkCount;
    public uint ModifyTime; // seconds since the epoch
    public uint DeviceMajor, DeviceMinor;   // of the file system the file came from
    public uint RdevMajor, RdevMinor;       // of a device special file

    public const uint TypeMask = 0xF000;
    public const uint TypeFifo = 0x1000;
    public const uint TypeCharacterDevice = 0x2000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeBlockDevice = 0x6000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;

    public readonly bool IsDirectory => (Mode & TypeMask) == TypeDirectory;
    public readonly bool IsRegularFile => (Mode & TypeMask) == TypeRegular;
}

internal unsafe struct CpioArchive
{
    private const int HeaderSize = 110;
    private const int FieldCount = 13;

    private readonly byte* _start;
    private readonly ulong _length;
    private ulong _offset;

    public CpioArchive(byte* start, ulong length)
    {
        _start = start;
        _length = length;
        _offset = 0;
    }

    // Reads the next entry. False at the end of the archive (error null) or on a malformed one (error set).
    public bool Next(out CpioEntry entry, out string error)
    {
        entry = default;
        error = null;
        if (_offset >= _length)
            return false;
        if (_offset + HeaderSize > _length)
        {
            error = "truncated cpio header";
            return false;
        }
        byte* header = _start + _offset;
        if (!(header[0] == '0' && header[1] == '7' && header[2] == '0' && header[3] == '7' && header[4] == '0'
            && (header[5] == '1' || header[5] == '2')))
        {
            error = "not a newc cpio archive (bad magic)";
            return false;
        }
        // Fields in order: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
        // rdevminor, namesize, check.
        uint* fields = stackalloc uint[FieldCount];
        for (int field = 0; field < FieldCount; field++)
        {
            if (!ParseHex(header + 6 + field * 8, out fields[field]))
            {
                error = "cpio header field is not hexadecimal";
                return false;
            }
        }
        uint mode = fields[1], fileSize = fields[6], nameSize = fields[11];
        if (nameSize == 0 || _offset + HeaderSize + nameSize > _length)
        {
            error = "cpio entry name runs past the archive";
            return false;
        }
        byte* name = header + HeaderSize;
        if (name[nameSize - 1] != 0)
        {
            error = "cpio entry name is not terminated";
            return false;
        }
        ulong dataOffset = Align4(_offset + HeaderSize + nameSize);
        if (dataOffset + fileSize > _length)
        {
            error = "cpio entry data runs past the archive";
            return false;
        }

        int nameLength = (int)nameSize - 1;
        if (IsTrailer(name, nameLength))
        {
            _offset = _length;
            return false;
        }
        // Names are stored relative ("./bin/sh" or "bin/sh"); strip the "./".
        if (nameLength >= 2 && name[0] == '.' && name[1] == '/')
        {
            name += 2;
            nameLength -= 2;
        }
        entry.Name = name;
        entry.NameLength = nameLength;
        entry.Mode = mode;
        entry.Inode = fields[0];
        entry.Uid = fields[2];
        entry.Gid = fields[3];
        entry.LinkCount = fields[4];
        entry.ModifyTime = fields[5];
        entry.DeviceMajor = fields[7];
        entry.DeviceMinor = fields[8];
        entry.RdevMajor = fields[9];
        entry.RdevMinor = fields[10];
        entry.Data = _start + dataOffset;
        entry.Size = fileSize;
        _offset = Align4(dataOffset + fileSize);
        if (_offset > _length)
            _offset = _length;
        return true;
    }

    private static bool IsTrailer(byte* name, int length)
    {
        const string Trailer = "TRAILER!!!";
        if (length != Trailer.Length)
            return false;
        for (int i = 0; i < length; i++)
            if (name[i] != Trailer[i])
                return false;
        return true;
    }

    private static ulong Align4(ulong value) => (value + 3) & ~3UL;

    private static bool ParseHex(byte* text, out uint value)
    {
        value = 0;
        for (int i = 0; i < 8; i++)
        {
            byte c = text[i];
            uint digit;
            if (c >= '0' && c <= '9') digit = (uint)(c - '0');
            else if (c >= 'a' && c <= 'f') digit = (uint)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') digit = (uint)(c - 'A' + 10);
            else return false;
            value = (value << 4) | digit;
        }
        return true;
    }
}
