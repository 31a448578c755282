# Installs what the build needs and is missing: Debian packages, then NuGet packages (by restore).

# gcc and libc6-dev (static glibc) build Userland's programs; xz-utils unpacks the Linux baseline's kernel.
DEBIAN_PACKAGES=(nasm lld grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools qemu-system-x86 ovmf cpio
    gcc libc6-dev xz-utils busybox-static)

setup_packages() {
    local missing=()
    local p
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    run_step "apt-get update" as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run_step "apt-get install ${missing[*]}" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

setup_dotnet() {
    command -v dotnet >/dev/null || die "the .NET SDK is not installed (dotnet is not on PATH); install .NET 10 and retry"
    local stamp="$KITTEN_ROOT/obj/.restored"
    if needs_rebuild "$stamp" "$KITTEN_ROOT"/Kitten.Cosmos.sln "$KITTEN_ROOT"/*/*.csproj "$KITTEN_ROOT"/*/*/*.csproj \
        "$KITTEN_ROOT/Build/Toolchain/Toolchain.csproj"; then
        say "restoring NuGet packages"
        run_step "dotnet restore" dotnet restore "$KITTEN_ROOT/Kitten.Cosmos.sln"
        run_step "restore ILCompiler" dotnet restore "$KITTEN_ROOT/Build/Toolchain/Toolchain.csproj"
        mkdir -p "$(dirname "$stamp")"
        touch "$stamp"
    fi
}

setup_all() {
    setup_packages
    setup_dotnet
}
