using System.Buffers.Binary;
using Kitten.Ipc.Manifests;
using NUnit.Framework;

namespace Kitten.Services.Tests;

// What `./kitten build-services` (Build/services.sh) makes of Services/: one NativeAOT static, non-PIE
// executable per folder with a manifest, the manifest beside it naming it; and one per tool (Services/Tools).
public class ServiceProgramsTests
{
    public static readonly string[] Services = { "memory-contiguous", "memory-paged", "supervisor" };
    public static readonly string[] Tools = { "launch", "servicectl" };

    [OneTimeSetUp]
    public void Build() => ServicePrograms.EnsureBuilt();

    [Test]
    public void EveryServiceWithAManifestIsPublished()
    {
        var manifests = Directory.EnumerateFiles(Path.Combine(ServicePrograms.RepositoryRoot, "Services"), "*" + ServiceManifest.Extension, SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(ServicePrograms.OutDirectory + "/", StringComparison.Ordinal) && !path.Contains("/bin/") && !path.Contains("/obj/"))
            .Select(path => Path.GetFileNameWithoutExtension(path));
        Assert.That(manifests, Is.EquivalentTo(Services), "the services in the source tree");
        Assert.That(ServicePrograms.EnsureBuilt(), Is.EquivalentTo(Services.Concat(Tools).Select(ServicePrograms.PathOf)),
            "build-services prints each program's path");
        foreach (string tool in Tools)
            Assert.That(File.Exists(ServicePrograms.ManifestOf(tool)), Is.False, $"a tool ({tool}) has no manifest");
    }

    [TestCaseSource(nameof(Services))]
    public void TheManifestBesideTheProgramNamesIt(string service)
    {
        var manifest = ServiceManifest.Load(ServicePrograms.ManifestOf(service));
        Assert.That(manifest.Service, Is.EqualTo(service));
        Assert.That(manifest.Binary, Is.EqualTo(ServicePrograms.PathOf(service)));
        // What .NET needs; the supervisor also starts and stops processes (Kernel/Services/RuntimeSyscalls.cs).
        string[] expected = service == "supervisor"
            ? new[] { "runtime", "fork", "vfork", "execve", "wait4", "waitid", "kill", "setsid", "setpgid", "chdir" }
            : new[] { "runtime" };
        Assert.That(manifest.Syscalls, Is.EqualTo(expected));
    }

    // An ELF executable of type ET_EXEC (a PIE is ET_DYN) with no PT_INTERP (no dynamic loader) and no
    // PT_DYNAMIC: what the kernel loads as it loads any static Linux program.
    [TestCaseSource(nameof(Services))]
    public void IsAStaticNonPieExecutable(string service)
    {
        byte[] image = File.ReadAllBytes(ServicePrograms.PathOf(service));
        Assert.That(image.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }), "ELF magic");
        Assert.That(image[4], Is.EqualTo(2), "ELFCLASS64");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(16)), Is.EqualTo(2), "e_type ET_EXEC (not ET_DYN: not PIE)");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(18)), Is.EqualTo(62), "e_machine EM_X86_64");
        ulong programHeaders = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(32));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(54));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(56));
        var types = Enumerable.Range(0, count)
            .Select(i => BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)programHeaders + i * entrySize))).ToList();
        Assert.That(types, Has.No.Member(3u), "PT_INTERP: the program would need a dynamic loader");
        Assert.That(types, Has.No.Member(2u), "PT_DYNAMIC: the program would need dynamic linking");
    }

    [TestCaseSource(nameof(Services))]
    public void BadArgumentsExitWith64(string service)
    {
        string directory = Directory.CreateTempSubdirectory("kitten-args-").FullName;
        try
        {
            using var process = ServiceProcess.Start(ServicePrograms.PathOf(service), directory, null, "--no-such-option");
            Assert.That(process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "exits at once");
            Assert.That(process.ExitCode, Is.EqualTo(64), process.Log);
            Assert.That(process.Log, Does.Contain("usage:"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
