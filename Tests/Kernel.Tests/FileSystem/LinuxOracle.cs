using System.Diagnostics;
using System.Text;
using Kitten.Kernel.FileSystem;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// Runs a script of path calls on the host's Linux kernel, inside a fresh directory on /dev/shm (a tmpfs)
// that a small C program chroots into, so that "/" and ".." at the top mean the same as in the file
// system under test; and runs the same script on a fresh tmpfs of ours. Both print one line per call:
// the result (0, a count, or -errno) and what the call observed. The tests compare the two transcripts.
internal static class LinuxOracle
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <sched.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <unistd.h>

        static const char *p(const char *s) { return strcmp(s, "@") == 0 ? "" : s; }
        static long r(long v) { return v < 0 ? -errno : v; }
        static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

        int main(int argc, char **argv)
        {
            if (chroot(argv[1]) != 0 && (unshare(CLONE_NEWUSER) != 0 || chroot(argv[1]) != 0)) {
                printf("nochroot %d\n", errno);
                return 0;
            }
            if (chdir("/") != 0)
                return 1;
            umask(0);
            static char line[16384], buffer[1 << 20];
            while (fgets(line, sizeof line, stdin)) {
                line[strcspn(line, "\n")] = 0;
                char *op = strtok(line, " "), *a = strtok(0, " "), *b = strtok(0, " "), *c = strtok(0, " "), *d = strtok(0, " ");
                if (!strcmp(op, "mkdir")) printf("%ld\n", r(mkdir(p(a), 0755)));
                else if (!strcmp(op, "mkfifo")) printf("%ld\n", r(mknod(p(a), S_IFIFO | 0644, 0)));
                else if (!strcmp(op, "unlink")) printf("%ld\n", r(unlink(p(a))));
                else if (!strcmp(op, "rmdir")) printf("%ld\n", r(rmdir(p(a))));
                else if (!strcmp(op, "rename")) printf("%ld\n", r(renameat2(AT_FDCWD, p(a), AT_FDCWD, p(b), atoi(c))));
                else if (!strcmp(op, "symlink")) printf("%ld\n", r(symlink(p(a), p(b))));
                else if (!strcmp(op, "link")) printf("%ld\n", r(linkat(AT_FDCWD, p(a), AT_FDCWD, p(b), atoi(c) ? AT_SYMLINK_FOLLOW : 0)));
                else if (!strcmp(op, "truncate")) printf("%ld\n", r(truncate(p(a), atol(b))));
                else if (!strcmp(op, "access")) printf("%ld\n", r(access(p(a), atoi(b))));
                else if (!strcmp(op, "chdir")) printf("%ld\n", r(chdir(p(a))));
                else if (!strcmp(op, "getcwd")) { char *w = getcwd(buffer, sizeof buffer); printf("%ld %s\n", w ? 0L : (long)-errno, w ? w : ""); }
                else if (!strcmp(op, "open")) {
                    int fd = open(p(a), atoi(b), 0644);
                    printf("%ld\n", fd < 0 ? (long)-errno : 0L);
                    if (fd >= 0) close(fd);
                } else if (!strcmp(op, "readlink")) {
                    long n = readlink(p(a), buffer, sizeof buffer);
                    printf("%ld %.*s\n", r(n), n > 0 ? (int)n : 0, buffer);
                } else if (!strcmp(op, "stat")) {
                    struct stat st;
                    long e = r(fstatat(AT_FDCWD, p(a), &st, atoi(b) ? 0 : AT_SYMLINK_NOFOLLOW));
                    if (e) printf("%ld\n", e);
                    else printf("0 %o %lu %ld\n", st.st_mode >> 12, (unsigned long)st.st_nlink, (long)st.st_size);
                } else if (!strcmp(op, "write")) {
                    int fd = open(p(a), O_WRONLY);
                    if (fd < 0) { printf("%ld\n", (long)-errno); continue; }
                    long offset = atol(b), length = atol(c), seed = atol(d);
                    for (long i = 0; i < length; i++) buffer[i] = (char)(i * 31 + seed);
                    printf("%ld\n", r(pwrite(fd, buffer, length, offset)));
                    close(fd);
                } else if (!strcmp(op, "read")) {
                    int fd = open(p(a), O_RDONLY);
                    if (fd < 0) { printf("%ld\n", (long)-errno); continue; }
                    unsigned hash = 2166136261u;
                    long total = 0, n;
                    while ((n = read(fd, buffer, sizeof buffer)) > 0)
                        for (long i = 0; i < n; i++, total++) hash = (hash ^ (unsigned char)buffer[i]) * 16777619u;
                    printf("%ld %ld %u\n", n < 0 ? (long)-errno : 0L, total, hash);
                    close(fd);
                } else if (!strcmp(op, "list")) {
                    DIR *dir = opendir(p(a));
                    if (!dir) { printf("%ld\n", (long)-errno); continue; }
                    char *names[1024]; int count = 0;
                    struct dirent *e;
                    while ((e = readdir(dir)) && count < 1024)
                        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                            names[count++] = strdup(e->d_name);
                    closedir(dir);
                    qsort(names, count, sizeof *names, compare);
                    printf("0");
                    for (int i = 0; i < count; i++) { printf(" %s", names[i]); free(names[i]); }
                    printf("\n");
                } else printf("unknown %s\n", op);
                fflush(stdout);
            }
            return 0;
        }
        """;

    private static readonly Lazy<string> Program = new(() =>
    {
        string directory = Path.Combine(Path.GetTempPath(), $"kitten-oracle-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "oracle.c"), Source);
        Exec.TestPrograms.Run("gcc", $"-O2 -Wall -o {directory}/oracle {directory}/oracle.c");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, true); } catch (IOException) { }
        };
        return Path.Combine(directory, "oracle");
    });

    // The host's transcript, or null if this machine cannot chroot (not root and no user namespaces).
    public static string[] OnLinux(IReadOnlyList<string> script)
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string workspace = Path.Combine(root, "kitten-vfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workspace);
        try
        {
            var start = new ProcessStartInfo(Program.Value, [workspace])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            var reader = process.StandardOutput.ReadToEndAsync();
            foreach (var line in script)
                process.StandardInput.WriteLine(line);
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new TimeoutException("the oracle did not finish: " + string.Join(" | ", script));
            }
            string[] lines = reader.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length > 0 && lines[0].StartsWith("nochroot", StringComparison.Ordinal) ? null : lines;
        }
        finally
        {
            Directory.Delete(workspace, true);
        }
    }

    // The same script on a fresh tmpfs of ours, printed the same way.
    public static string[] OnKitten(IReadOnlyList<string> script)
    {
        var fs = OnTmpfs(capacity: 256 << 20);
        return script.Select(line => Run(fs, line.Split(' '))).ToArray();
    }

    private static string Run(FsHarness fs, string[] words)
    {
        string a = words.Length > 1 ? Unquote(words[1]) : "", b = words.Length > 2 ? Unquote(words[2]) : "";
        int Number(int i) => int.Parse(words[i]);
        switch (words[0])
        {
            case "mkdir": return $"{fs.Mkdir(a, 0x1ED)}";
            case "mkfifo": return $"{PathOperations.MakeNode(fs.Space, fs.Cwd, B(a), FileMode.Fifo | 0x1A4)}";
            case "unlink": return $"{fs.Unlink(a)}";
            case "rmdir": return $"{fs.Rmdir(a)}";
            case "rename": return $"{fs.Rename(a, b, Number(3))}";
            case "symlink": return $"{fs.Symlink(a, b)}";
            case "link": return $"{fs.Link(a, b, Number(3) != 0)}";
            case "truncate": return $"{PathOperations.Truncate(fs.Space, fs.Cwd, B(a), long.Parse(b))}";
            case "access": return $"{PathOperations.Access(fs.Space, fs.Cwd, B(a), Number(2), true)}";
            case "chdir": return $"{fs.Chdir(a)}";
            case "getcwd":
                {
                    var buffer = new byte[4096];
                    int length = PathName.OfDirectory(fs.Space, fs.Cwd, buffer);
                    return length < 0 ? $"{length} " : $"0 {S(buffer.AsSpan(0, length - 1))}";
                }
            case "open": return $"{fs.OpenClose(a, Number(2))}";
            case "readlink":
                {
                    var buffer = new byte[1 << 20];
                    int count = PathOperations.ReadLink(fs.Space, fs.Cwd, B(a), buffer);
                    return $"{count} {(count > 0 ? S(buffer.AsSpan(0, count)) : "")}";
                }
            case "stat":
                {
                    int error = fs.Resolve(a, Number(2) != 0, out Node node);
                    return error != 0 ? $"{error}" : $"0 {Convert.ToString(node.Mode >> 12, 8)} {node.LinkCount} {node.Size}";
                }
            case "write":
                {
                    int error = fs.Open(a, OpenFlags.WriteOnly, out Node node);
                    if (error != 0)
                        return $"{error}";
                    int length = Number(3), seed = Number(4);
                    var data = new byte[length];
                    for (int i = 0; i < length; i++)
                        data[i] = (byte)(i * 31 + seed);
                    long written = node.Write(ulong.Parse(b), data);
                    node.Close();
                    return $"{written}";
                }
            case "read":
                {
                    int error = fs.Open(a, OpenFlags.ReadOnly, out Node node);
                    if (error != 0)
                        return $"{error}";
                    var chunk = new byte[1 << 20];
                    uint hash = 2166136261;
                    long total = 0, count;
                    while ((count = node.Read((ulong)total, chunk)) > 0)
                    {
                        for (int i = 0; i < count; i++)
                            hash = (hash ^ chunk[i]) * 16777619;
                        total += count;
                    }
                    node.Close();
                    return $"{(count < 0 ? count : 0)} {total} {hash}";
                }
            case "list":
                {
                    int error = fs.Open(a, OpenFlags.ReadOnly | OpenFlags.Directory, out Node node);
                    if (error != 0)
                        return $"{error}";
                    node.Close();
                    var names = new StringBuilder("0");
                    foreach (var (name, _, _, _) in fs.List(a == "" ? "." : a, 4096).Where(e => e.Name != "." && e.Name != "..").OrderBy(e => e.Name, StringComparer.Ordinal))
                        names.Append(' ').Append(name);
                    return names.ToString();
                }
            default:
                return "unknown " + words[0];
        }
    }

    private static string Unquote(string word) => word == "@" ? "" : word;
}
