using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests;

// A fresh runtime directory per test, so tests never see each other's names, and the systems opened in
// it ("processes" sharing one IPC world) closed at the end.
public abstract class IpcTestBase
{
    protected static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    private readonly List<IDisposable> _owned = new();

    protected string RuntimeDirectory { get; private set; } = "";

    [SetUp]
    public void CreateRuntimeDirectory()
    {
        RuntimeDirectory = Path.Combine(Path.GetTempPath(), $"kitten-ipc-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(RuntimeDirectory);
    }

    [TearDown]
    public void RemoveRuntimeDirectory()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
        _owned.Clear();
        Directory.Delete(RuntimeDirectory, recursive: true);
    }

    // An IPC system in the test's runtime directory, as one process of the system would open it.
    protected IpcSystem OpenSystem(Kitten.Ipc.Manifests.ServiceManifest? manifest = null)
        => Own(IpcSystem.Open(new IpcOptions { Backend = IpcBackend.Host, Directory = RuntimeDirectory, Manifest = manifest, IgnoreEnvironment = true }));

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}
