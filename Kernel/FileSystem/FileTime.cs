// The file system's clock: the time stamped into st_atime/st_mtime/st_ctime, in nanoseconds since the
// Unix epoch. The kernel installs its wall clock at boot (FileTime.Source = &SomeClock); until then, and
// where nothing is installed, files are stamped with 0 (1970-01-01).
namespace Kitten.Kernel.FileSystem;

internal static unsafe class FileTime
{
    public static delegate*<long> Source { get; set; }

    public static long Now()
    {
        delegate*<long> source = Source;
        return source == null ? 0 : source();
    }

    public const long NanosecondsPerSecond = 1_000_000_000;
}
