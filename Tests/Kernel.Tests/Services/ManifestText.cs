using System.Text;
using Kitten.Kernel.Services;

namespace Kitten.Kernel.Tests.Services;

// Reading a manifest given as text, and the repository's own manifests.
internal static class ManifestText
{
    public static ServicePolicy Read(string text, out ManifestError error) => ManifestReader.Read(Encoding.ASCII.GetBytes(text), out error);

    public static ServicePolicy Read(string text)
    {
        ServicePolicy policy = Read(text, out ManifestError error);
        if (policy == null)
            throw new InvalidOperationException($"refused at line {error.Line}: {error.Reason} '{Word(text, error)}'");
        return policy;
    }

    public static string Word(string text, ManifestError error) => Encoding.ASCII.GetString(Encoding.ASCII.GetBytes(text), error.WordStart, error.WordLength);

    public static string Name(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    public static string RepositoryFile(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "kitten")))
            directory = directory.Parent;
        if (directory == null)
            throw new InvalidOperationException("cannot find the repository root");
        return Path.Combine(new[] { directory.FullName }.Concat(parts).ToArray());
    }
}
