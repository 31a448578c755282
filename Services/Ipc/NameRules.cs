namespace Kitten.Ipc;

// What a registered name (and a service's name) may be: what the kernel's registry takes (1 to 32 bytes of
// letters, digits, '.', '-', '_', '/'; Kernel/Ipc/README.md, NAME_REGISTER) less '/' and a leading '.',
// so that on the host a name is one file name.
public static class NameRules
{
    public const int MaxLength = 32;
    public const string Description = "1 to 32 letters, digits, '-', '_' or '.', not starting with '.'";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] == '.')
            return false;
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.'))
                return false;
        }
        return true;
    }
}
