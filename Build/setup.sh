# Installs what the build needs and is missing: Debian packages, then NuGet packages (by restore).

# gcc and libc6-dev (static glibc) build Userland's programs; xz-utils unpacks the Linux baseline's kernel;
# socat sends QEMU's monitor the NMI that makes a hung boot report, and gawk names the addresses.
DEBIAN_PACKAGES=(nasm lld grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf cpio
    gcc libc6-dev xz-utils busybox-static socat gawk)

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

# QEMU 8.1 or newer: with -icount and more than one CPU, the round-robin TCG of QEMU 7.2 (bookworm's) gives
# one vCPU its whole instruction budget while another spins waiting for it, and Linux hangs while bringing
# up its CPUs ("accel/tcg/tcg-accel-ops-rr: ensure fairness with icount", QEMU 8.1). The benchmarks boot
# Linux on 4 CPUs under -icount, so QEMU comes from bookworm-backports.
QEMU_MINIMUM=8.1

qemu_is_new_enough() {
    local version
    version="$(qemu-system-x86_64 --version 2>/dev/null | head -n 1 | grep -o 'version [0-9]*\.[0-9]*' | cut -d' ' -f2)"
    [ -n "$version" ] && printf '%s\n%s\n' "$QEMU_MINIMUM" "$version" | sort -V -C
}

setup_qemu() {
    qemu_is_new_enough && return 0
    local list=/etc/apt/sources.list.d/kitten-bookworm-backports.list
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        say "adding bookworm-backports to apt's sources (for QEMU >= $QEMU_MINIMUM)"
        echo "deb http://deb.debian.org/debian bookworm-backports main" | as_root tee "$list" >/dev/null
    fi
    say "installing qemu-system-x86 from bookworm-backports"
    run_step "apt-get update" as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run_step "apt-get install qemu-system-x86" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86
    qemu_is_new_enough || die "QEMU $QEMU_MINIMUM or newer is needed; qemu-system-x86_64 says: $(qemu-system-x86_64 --version 2>&1 | head -n 1)"
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
    setup_qemu
    setup_dotnet
}
