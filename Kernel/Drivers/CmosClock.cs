// The PC's battery-backed real-time clock (MC146818-compatible CMOS RTC), read once at boot to know the
// wall-clock time; from then on the TSC measures time. Registers: 0 seconds, 2 minutes, 4 hours, 7 day,
// 8 month, 9 year, 0x32 century (ACPI FADT's usual index), 0x0A status A (bit 7: update in progress),
// 0x0B status B (bit 2: binary, else BCD; bit 1: 24-hour).
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Drivers;

internal static class CmosClock
{
    private const ushort IndexPort = 0x70;
    private const ushort DataPort = 0x71;

    // Seconds since 1970-01-01 00:00:00 UTC.
    public static ulong ReadUnixTime()
    {
        // Wait for an update to finish so that the fields are consistent.
        for (int i = 0; i < 100000 && (Read(0x0A) & 0x80) != 0; i++)
            Cpu.Pause();
        int second = Read(0x00), minute = Read(0x02), hour = Read(0x04);
        int day = Read(0x07), month = Read(0x08), year = Read(0x09), century = Read(0x32);
        byte statusB = Read(0x0B);
        bool binary = (statusB & 4) != 0;
        bool pm = (hour & 0x80) != 0;
        hour &= 0x7F;
        if (!binary)
        {
            second = FromBcd(second);
            minute = FromBcd(minute);
            hour = FromBcd(hour);
            day = FromBcd(day);
            month = FromBcd(month);
            year = FromBcd(year);
            century = FromBcd(century);
        }
        if ((statusB & 2) == 0 && pm)
            hour = (hour % 12) + 12;
        int fullYear = century >= 19 && century <= 30 ? century * 100 + year : 2000 + year;
        return UnixTime(fullYear, month, day, hour, minute, second);
    }

    // Days from the civil date (Howard Hinnant's algorithm, "chrono-Compatible Low-Level Date Algorithms").
    public static ulong UnixTime(int year, int month, int day, int hour, int minute, int second)
    {
        year -= month <= 2 ? 1 : 0;
        int era = (year >= 0 ? year : year - 399) / 400;
        int yearOfEra = year - era * 400;
        int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        long days = (long)era * 146097 + dayOfEra - 719468;
        return (ulong)(days * 86400 + hour * 3600 + minute * 60 + second);
    }

    private static int FromBcd(int value) => (value & 0x0F) + (value >> 4) * 10;

    private static byte Read(byte register)
    {
        Cpu.OutByte(IndexPort, register);
        return Cpu.InByte(DataPort);
    }
}
