// Start-up of the managed image: allocate the blocks that hold static fields of reference type and run the
// eager class constructors. The linker script brackets ILC's `__modules` section (pointers to each
// module's ReadyToRun header) with __modules_start/__modules_end.
// Formats: src/coreclr/nativeaot/Runtime/inc/ModuleHeaders.h and StartupCodeHelpers.cs in dotnet/runtime.
using System.Runtime;
using System.Runtime.InteropServices;

namespace Internal.Runtime;

internal static unsafe class ModuleInitializer
{
    private const uint ReadyToRunSignature = 0x00525452; // "RTR"
    private const int GCStaticRegionSection = 201;
    private const int EagerCctorSection = 205;
    private const int HasEndPointerFlag = 1;

    // Flags in the low bits of a GC static block's type pointer (GCStaticRegionConstants).
    private const nint Uninitialized = 1;
    private const nint HasPreInitializedData = 2;
    private const nint FlagMask = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct ReadyToRunHeader
    {
        public uint Signature;
        public ushort MajorVersion;
        public ushort MinorVersion;
        public uint Flags;
        public ushort NumberOfSections;
        public byte EntrySize;
        public byte EntryType;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ModuleInfoRow
    {
        public int SectionId;
        public int Flags;
        public byte* Start;
        public byte* End;
    }

    [RuntimeImport("kitten_modules_start")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern void** ModulesStart();

    [RuntimeImport("kitten_modules_end")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern void** ModulesEnd();

    public static int StaticBlocksInitialized { get; private set; }
    public static int EagerConstructorsRun { get; private set; }

    // Must run before any code touches a static field of reference type.
    public static void InitializeModules()
    {
        for (void** module = ModulesStart(); module < ModulesEnd(); module++)
        {
            if (*module == null)
                continue;
            var header = (ReadyToRunHeader*)*module;
            if (header->Signature != ReadyToRunSignature)
                RuntimeFailure.Fail("bad ReadyToRun header in __modules");

            // Statics first: eager constructors may store into them.
            ForEachSection(header, GCStaticRegionSection, &InitializeStatics);
            ForEachSection(header, EagerCctorSection, &RunEagerConstructors);
        }
    }

    private static void ForEachSection(ReadyToRunHeader* header, int sectionId, delegate*<byte*, byte*, void> action)
    {
        byte* rows = (byte*)(header + 1);
        for (int i = 0; i < header->NumberOfSections; i++)
        {
            var row = (ModuleInfoRow*)(rows + i * header->EntrySize);
            if (row->SectionId != sectionId)
                continue;
            byte* end = (row->Flags & HasEndPointerFlag) != 0 ? row->End : row->Start + sizeof(void*);
            action(row->Start, end);
        }
    }

    // Each entry is a 32-bit relative pointer to a block slot; the slot holds a relative pointer to the
    // block's MethodTable with flag bits, followed (if pre-initialised) by a relative pointer to the data.
    // The slot is replaced by a reference to the allocated block.
    private static void InitializeStatics(byte* start, byte* end)
    {
        for (byte* entry = start; entry < end; entry += sizeof(int))
        {
            var slot = (nint*)ReadRelativePointer(entry);
            nint typeAndFlags = (nint)ReadRelativePointer(slot);
            if ((typeAndFlags & Uninitialized) == 0)
                continue;

            var type = (MethodTable*)(typeAndFlags & ~FlagMask);
            object block = RuntimeExports.AllocateObject(type);
            if ((typeAndFlags & HasPreInitializedData) != 0)
            {
                byte* data = ReadRelativePointer((int*)slot + 1);
                byte* fields = (byte*)RuntimeHelpersEx.AddressOf(block) + sizeof(void*);
                uint size = type->BaseSize - (uint)(2 * sizeof(void*));
                for (uint i = 0; i < size; i++)
                    fields[i] = data[i];
            }
            *slot = (nint)RuntimeHelpersEx.AddressOf(block);
            StaticBlocksInitialized++;
        }
    }

    private static void RunEagerConstructors(byte* start, byte* end)
    {
        for (byte* entry = start; entry < end; entry += sizeof(int))
        {
            var constructor = (delegate*<void>)ReadRelativePointer(entry);
            constructor();
            EagerConstructorsRun++;
        }
    }

    private static byte* ReadRelativePointer(void* address) => (byte*)address + *(int*)address;
}
