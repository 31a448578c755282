// Why a manifest was refused: the line (1-based; 0 for the file as a whole, e.g. a missing `service`
// line), the reason, and the word it is about (a range of the manifest's text; empty if none), so that the
// kernel prints one line: `services: /services/probe/probe.manifest:3: unknown system call 'frobnicate'`.
namespace Kitten.Kernel.Services;

internal struct ManifestError
{
    public int Line;
    public string Reason;
    public int WordStart;
    public int WordLength;
}
