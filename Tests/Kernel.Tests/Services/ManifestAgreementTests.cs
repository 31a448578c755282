using System.Text;
using CsCheck;
using Kitten.Kernel.Services;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Services;

// The kernel and the C# library inside a service read the same manifests (Services/Ipc/Manifests/
// ServiceManifest.cs): one must take exactly what the other takes, or a service the supervisor starts
// could be refused by the kernel (or the reverse). Manifests built from valid lines with one of them
// mutated: the kernel accepts iff the library does, and then both see the same names. (Except that the
// kernel also refuses a `syscalls` word naming no Linux system call, which the library does not check.)
public class ManifestAgreementTests
{
    private static readonly string[] ValidLines =
    {
        "service memory-paged", "binary memory-paged", "args --policy paged", "offers memory MemoryManager/1",
        "offers memory.debug Debug/12", "peers supervisor pct", "calls ipc.receive ipc.register ipc.map",
        "calls ipc.call ipc.lookup ipc.notify ipc.grant", "calls memory.view ipc.map", "syscalls runtime", "syscalls execve wait4",
        "device ioport 0x3f8-0x3ff", "device irq 4", "device mmio 0xfee00000-0xfee00fff", "heartbeat 200 1000",
        "restart 10 1000 500", "# a comment", "",
    };

    // Replacements for a word: near misses of every rule.
    private static readonly string[] Words =
    {
        "service", "binary", "offers", "peers", "calls", "syscalls", "device", "heartbeat", "restart", "args", "policy",
        "memory", ".memory", "mem/ory", "a-b_c.d", "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz0123456",
        "ipc.call", "ipc.everything", "memory.view", "memory.views", "runtime", "futex", "frobnicate", "Contract/1", "Contract/", "Contract/x", "/1",
        "ioport", "irq", "mmio", "dma", "0x10", "0X10", "0x", "16", "255", "256", "0xffff", "0x10000", "3-1", "1-3", "1-2-3",
        "0", "1", "-1", "200", "1000", "99999999999", "2147483647", "2147483648",
    };

    private static readonly Gen<string> Manifest =
        from lines in Gen.Int[0, ValidLines.Length - 1].Array[1, 10]
        from mutateLine in Gen.Int[0, 12]
        from mutateWord in Gen.Int[0, 3]
        from replacement in Gen.Int[0, Words.Length - 1]
        from dropWord in Gen.Bool
        select Build(lines, mutateLine, mutateWord, replacement, dropWord);

    private static string Build(int[] lines, int mutateLine, int mutateWord, int replacement, bool dropWord)
    {
        var text = new List<string> { "service s", "binary s" };
        text.AddRange(lines.Select(i => ValidLines[i]));
        if (mutateLine < text.Count)
        {
            var words = text[mutateLine].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (words.Count > 0)
            {
                int index = mutateWord % words.Count;
                if (dropWord)
                    words.RemoveAt(index);
                else
                    words[index] = Words[replacement];
            }
            else
            {
                words.Add(Words[replacement]);
            }
            text[mutateLine] = string.Join(' ', words);
        }
        return string.Join('\n', text) + "\n";
    }

    private static bool NotASystemCall(string word) => word != "runtime" && LinuxSyscallNumbers.Find(Encoding.ASCII.GetBytes(word)) < 0;

    [Test]
    public void KernelAcceptsExactlyWhatTheLibraryAccepts()
    {
        Manifest.Sample(text =>
        {
            bool library;
            global::Kitten.Ipc.Manifests.ServiceManifest parsed = null;
            try
            {
                parsed = global::Kitten.Ipc.Manifests.ServiceManifest.Parse(text, "/services/s/s.manifest");
                library = true;
            }
            catch (global::Kitten.Ipc.Manifests.ManifestException)
            {
                library = false;
            }
            ServicePolicy policy = ManifestReader.Read(Encoding.ASCII.GetBytes(text), out ManifestError error);
            // The one difference: the library carries `syscalls` words without knowing Linux's names; the
            // kernel refuses a word that names no system call.
            if (library && policy == null && error.Reason.StartsWith("unknown system call") && parsed!.Syscalls.Any(NotASystemCall))
                return;
            if ((policy != null) != library)
                throw new Exception($"library {(library ? "accepts" : "refuses")}, kernel {(policy != null ? "accepts" : $"refuses ({error.Line}: {error.Reason})")}:\n{text}");
            if (policy == null)
                return;
            foreach (var offer in parsed!.Offers)
                Assert.That(policy.OffersName(Encoding.ASCII.GetBytes(offer.Name)), Is.True, offer.Name);
            Assert.That(policy.OfferCount, Is.EqualTo(parsed.Offers.Count));
            foreach (string peer in parsed.Peers)
                Assert.That(policy.HasPeer(Encoding.ASCII.GetBytes(peer)), Is.True, peer);
            Assert.That(policy.DeviceCount, Is.EqualTo(parsed.Devices.Count));
        }, iter: 20000);
    }
}
