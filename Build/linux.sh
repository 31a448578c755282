# The Linux baseline: Debian's own kernel booted in the same QEMU machine as Kitten (qemu_machine_command
# in Build/boot.sh: same CPU model, CPUs, memory and -icount clock), with an initramfs holding our /init
# (Userland/LinuxInit/init.c) and the benchmark programs (Userland/Bench, as /bench/NAME). /init runs
# the one program named on the kernel command line, prints how it ended and ends QEMU, so every run ends
# by itself. Benchmarks run the same binaries on both kernels and compare their figures.
#
#   linux_prepare                     download the kernel once (cached in obj/linux), build the initramfs
#   linux_run [--smp N] [--mem MB] [--icount] [--timeout S] [--services NAME,...] PROGRAM [ARGS...]
#                                     boot, print the program's output on stdout; status 0 only if it
#                                     ran and exited with 0; with --services, /init first starts the
#                                     supervisor with those services (Services/) as Kitten's kernel does
#
# The kernel comes from the package linux-image-amd64, fetched with `apt-get download` and unpacked with
# dpkg-deb in obj/linux, so nothing is installed on the host. It is kept there: later runs use it at once,
# and figures keep comparing against the same kernel. `rm -rf obj/linux` takes Debian's current one.
#
# QEMU loads the kernel's ELF image (vmlinux, taken out of the package's /boot/vmlinuz) through its PVH
# entry point rather than the bzImage itself: the bzImage begins by decompressing its xz payload, about
# 4.5 billion instructions under TCG (10 s of every boot, with nothing to learn from it). The code that
# then runs is the same; what differs is that without the bzImage's decompressor the kernel is not
# relocated at random (KASLR), which only makes runs more repeatable.

# shellcheck source=Build/services.sh
source "$KITTEN_ROOT/Build/services.sh"

# Under -icount (with -seed, see qemu_machine_command) runs repeat exactly: the same TSC values from /init
# to the program's end. Not always: /bench/spawn with its 1000 launches gave 3 different outcomes in 5
# runs (1.9% apart), already diverging before /init starts; -icount alone does not make QEMU's device
# events deterministic (its record/replay mode would). Repeat a benchmark to see its spread.

LINUX_OUT="$KITTEN_ROOT/obj/linux"
LINUX_VMLINUX="$LINUX_OUT/vmlinux"
LINUX_VERSION_FILE="$LINUX_OUT/version"
LINUX_INITRAMFS_ROOT="$LINUX_OUT/initramfs-root"
LINUX_INITRAMFS="$LINUX_OUT/initramfs.cpio"

# Kernel parameters (Documentation/admin-guide/kernel-parameters.txt), otherwise Debian's defaults:
#   console=ttyS0  kernel messages and /dev/console (init's standard input and output) on the first
#                  serial port, which QEMU connects to our stdout (-serial stdio)
#   quiet          only errors and worse on the console, so that it carries the program's output, and
#                  fewer slow serial writes
#   panic=-1       reboot at once on a panic (e.g. /init failing): under -no-reboot QEMU then exits, with
#                  status 0, which we report as a failure, instead of hanging until the timeout
# No root device is named: the initramfs is the root file system, so the kernel waits for no disk.
# Words after "--" are the arguments of /init: the services to start first (--services NAME,...), if
# any, then the program to run and its own arguments.
LINUX_KERNEL_PARAMETERS=(console=ttyS0 quiet panic=-1)

# Limits from the kernel: COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h) and MAX_INIT_ARGS
# (init/main.c, CONFIG_INIT_ENV_ARG_LIMIT, 32 in Debian's kernel, counting /init itself).
LINUX_COMMAND_LINE_MAX=2047
LINUX_INIT_ARGS_MAX=31

# linux_header_field FILE OFFSET SIZE: an unsigned little-endian integer of SIZE bytes at OFFSET.
linux_header_field() {
    od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# linux_extract_vmlinux BZIMAGE OUTPUT: the kernel's ELF image out of a bzImage. Fields of the x86 boot
# protocol (Documentation/arch/x86/boot.rst): "HdrS" at 0x202, the protocol version at 0x206,
# setup_sects at 0x1f1 (0 means 4), payload_offset and payload_length at 0x248 and 0x24c (version 2.08
# and later); the payload starts payload_offset bytes into the protected-mode code, which follows the
# (setup_sects + 1) * 512 bytes of real-mode setup. The build appends the uncompressed size to the xz
# stream as 4 bytes (cmd_xzkern, arch/x86/boot/compressed/Makefile), which xz must not see.
linux_extract_vmlinux() {
    local bzimage="$1" output="$2"
    [ "$(head -c 518 "$bzimage" | tail -c 4)" = "HdrS" ] || { echo "$bzimage: not a bzImage (no HdrS)"; return 1; }
    local protocol setup_sects payload_offset payload_length start
    protocol="$(linux_header_field "$bzimage" $((0x206)) 2)"
    [ "$protocol" -ge $((0x208)) ] || { echo "$bzimage: boot protocol $protocol is older than 2.08"; return 1; }
    setup_sects="$(linux_header_field "$bzimage" $((0x1f1)) 1)"
    [ "$setup_sects" -eq 0 ] && setup_sects=4
    payload_offset="$(linux_header_field "$bzimage" $((0x248)) 4)"
    payload_length="$(linux_header_field "$bzimage" $((0x24c)) 4)"
    start=$(((setup_sects + 1) * 512 + payload_offset))
    local magic
    magic="$(tail -c +$((start + 1)) "$bzimage" | head -c 6 | od -An -tx1 | tr -d ' ')"
    [ "$magic" = "fd377a585a00" ] || { echo "$bzimage: the payload is not xz-compressed (starts $magic)"; return 1; }
    tail -c +$((start + 1)) "$bzimage" | head -c $((payload_length - 4)) | xz -dc >"$output"
    [ "$(head -c 4 "$output" | od -An -tx1 | tr -d ' ')" = "7f454c46" ] || { echo "$bzimage: the payload is not an ELF image"; return 1; }
}

# apt-get download PACKAGE into the current folder; on failure once more after refreshing the package
# lists (a machine may have none, or old ones naming versions the archive no longer has).
linux_apt_download() {
    local package="$1"
    apt-get download "$package" >/dev/null 2>&1 && return 0
    note "apt-get download $package failed; updating the package lists and trying again"
    run_step "apt-get update" as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run_step "apt-get download $package" apt-get download "$package"
}

# linux_unpack_boot DEB FOLDER: only the package's /boot (the kernel, its config), not its modules.
linux_unpack_boot() {
    dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./boot
}

linux_fetch_kernel() {
    [ -f "$LINUX_VMLINUX" ] && [ -f "$LINUX_VERSION_FILE" ] && return 0
    say "downloading Debian's kernel (linux-image-amd64) into ${LINUX_OUT#"$KITTEN_ROOT"/}"
    local work="$LINUX_OUT/download"
    rm -rf "$work"
    mkdir -p "$work/root"
    (
        cd "$work"
        # The metapackage only depends on the current versioned package, e.g. linux-image-6.1.0-56-amd64.
        linux_apt_download linux-image-amd64
        local package
        package="$(dpkg-deb -f linux-image-amd64_*.deb Depends | grep -o 'linux-image-[^ ,|]*' | head -n 1)" || true
        [ -n "$package" ] || die "step failed: find the kernel package in linux-image-amd64's dependencies"
        linux_apt_download "$package"
        run_step "unpack /boot of $package" linux_unpack_boot "$package"_*.deb root
        local images=(root/boot/vmlinuz-*)
        [ ${#images[@]} -eq 1 ] && [ -f "${images[0]}" ] || die "step failed: find /boot/vmlinuz-* in $package"
        run_step "take the kernel's ELF image out of ${images[0]#root}" linux_extract_vmlinux "${images[0]}" vmlinux
        mv "${images[0]}" "$LINUX_OUT/vmlinuz"
        mv root/boot/config-* "$LINUX_OUT/config"
        mv vmlinux "$LINUX_VMLINUX"
        echo "$package $(dpkg-deb -f "$package"_*.deb Version)" >"$LINUX_VERSION_FILE"
    ) || exit 1
    rm -rf "$work"
    note "Linux baseline: $(cat "$LINUX_VERSION_FILE")"
}

# The initramfs (cpio newc, uncompressed: nothing to decompress at boot): /init, /bench/NAME for each
# benchmark, /csharp/NAME for each C# program (Build/csharp.sh), and the services as in Kitten's
# services module (Build/iso.sh): /services/NAME/NAME and NAME.manifest, the tools (servicectl) in
# /sbin, where Kitten's image has them too; and /tmp, where the services' IPC library keeps its host
# back end's sockets (Services/Ipc/README.md). Replaced only when its bytes change.
linux_build_initramfs() {
    rm -rf "$LINUX_INITRAMFS_ROOT"
    mkdir -p "$LINUX_INITRAMFS_ROOT"/{bench,csharp,services,sbin,tmp}
    chmod 1777 "$LINUX_INITRAMFS_ROOT/tmp"
    cp -p "$USERLAND_OUT/linux-init/init" "$LINUX_INITRAMFS_ROOT/init"
    local name
    for name in $(userland_bench_names); do
        cp -p "$USERLAND_OUT/bench/$name" "$LINUX_INITRAMFS_ROOT/bench/$name"
    done
    for name in $(csharp_program_names); do
        cp -p "$(csharp_program_path "$name")" "$LINUX_INITRAMFS_ROOT/csharp/$name"
    done
    lay_out_services "$LINUX_INITRAMFS_ROOT"
    (cd "$LINUX_INITRAMFS_ROOT" && find . -mindepth 1 | LC_ALL=C sort | \
        cpio -o -H newc --reproducible --quiet) >"$LINUX_INITRAMFS.new"
    cmp -s "$LINUX_INITRAMFS.new" "$LINUX_INITRAMFS" && rm -f "$LINUX_INITRAMFS.new" || mv "$LINUX_INITRAMFS.new" "$LINUX_INITRAMFS"
}

linux_prepare() {
    build_userland
    build_csharp_programs
    build_services
    linux_fetch_kernel
    linux_build_initramfs
}

# Fills BOOT_SMP, BOOT_MEM, BOOT_ICOUNT, BOOT_TIMEOUT (as Build/boot.sh does for Kitten), LINUX_SERVICES
# (the services /init starts first, comma-separated, or nothing) and LINUX_PROGRAM (the program and its
# arguments: everything from the first word that is not an option).
parse_linux_options() {
    BOOT_SMP=1; BOOT_MEM=256; BOOT_ICOUNT=0; BOOT_TIMEOUT=300; LINUX_SERVICES=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --smp) BOOT_SMP="${2:?--smp needs a number}"; shift ;;
            --mem) BOOT_MEM="${2:?--mem needs megabytes}"; shift ;;
            --icount) BOOT_ICOUNT=1 ;;
            --timeout) BOOT_TIMEOUT="${2:?--timeout needs seconds}"; shift ;;
            --services) LINUX_SERVICES="${2:?--services needs service names, e.g. memory-contiguous}"; shift ;;
            --) shift; break ;;
            --*) die "linux: unknown option $1" ;;
            *) break ;;
        esac
        shift
    done
    check_machine_options
    [ $# -gt 0 ] || die "linux: name a program to run (e.g. syscall, i.e. /bench/syscall)"
    LINUX_PROGRAM=("$@")
    # A bare name is a benchmark program.
    [[ "${LINUX_PROGRAM[0]}" == /* ]] || LINUX_PROGRAM[0]="/bench/${LINUX_PROGRAM[0]}"
}

# The program and its arguments travel on the kernel command line, which has no quoting we can rely on.
linux_check_program() {
    local program="${LINUX_PROGRAM[0]}"
    if [ ! -f "$LINUX_INITRAMFS_ROOT$program" ]; then
        die "linux: no program $program in the initramfs (there: /init $(cd "$LINUX_INITRAMFS_ROOT" && echo bench/* csharp/* sbin/* | sed 's|\([a-z]*\)/|/\1/|g'))"
    fi
    local word
    for word in "${LINUX_PROGRAM[@]}"; do
        [[ -n "$word" && "$word" != *[[:space:]\"]* ]] || die "linux: arguments cannot be empty or hold spaces or quotes (they go on the kernel command line): '$word'"
    done
    LINUX_INIT_ARGS=("${LINUX_PROGRAM[@]}")
    if [ -n "$LINUX_SERVICES" ]; then
        local service
        for service in ${LINUX_SERVICES//,/ }; do
            [ -f "$LINUX_INITRAMFS_ROOT/services/$service/$service.manifest" ] \
                || die "linux: no service $service in the initramfs (there: $(cd "$LINUX_INITRAMFS_ROOT/services" && echo *))"
        done
        [[ "$LINUX_SERVICES" != *[[:space:]\"]* ]] || die "linux: --services cannot hold spaces or quotes: '$LINUX_SERVICES'"
        LINUX_INIT_ARGS=(--services "$LINUX_SERVICES" "${LINUX_PROGRAM[@]}")
    fi
    [ ${#LINUX_INIT_ARGS[@]} -le $LINUX_INIT_ARGS_MAX ] || die "linux: at most $((LINUX_INIT_ARGS_MAX - 1)) arguments of /init"
}

# QEMU's single-threaded TCG, which -icount implies, gave each turn's whole instruction budget (up to the
# next timer) to the first CPU that wanted it: while CPU 0 busy-waits for CPU 1, CPU 1 never runs. Linux's
# bring-up of the second CPU is such a wait (do_boot_cpu polls while the new CPU spins in
# wait_for_master_cpu), so with --smp 2 or more under -icount the boot hangs at "x86: Booting SMP
# configuration" (seen with Debian 12's QEMU 7.2: the second CPU's RIP never moves). QEMU fixed it
# upstream after 8.0 ("accel/tcg/tcg-accel-ops-rr: ensure fairness with icount", April 2023), by
# sharing the budget between the CPUs. Refuse at once rather than hang until the timeout.
linux_check_icount_smp() {
    [ "$BOOT_ICOUNT" -eq 1 ] && [ "$BOOT_SMP" -gt 1 ] || return 0
    local version major minor
    version="$(qemu-system-x86_64 --version | head -n 1 | grep -o '[0-9][0-9]*\.[0-9][0-9]*' | head -n 1)"
    major="${version%%.*}" minor="${version#*.}"
    if [ "$major" -lt 8 ] || { [ "$major" -eq 8 ] && [ "$minor" -lt 1 ]; }; then
        die "linux: --icount with --smp $BOOT_SMP hangs in QEMU $version (a CPU starves under -icount; fixed after QEMU 8.0); use --smp 1 or a newer QEMU"
    fi
}

# linux_run [OPTIONS] PROGRAM [ARGS...]: see the top of this file. The serial console goes to a log;
# the program's output is the part between /init's "running" and "exit status" lines. On any failure
# other than the program's own non-zero status, the whole console is shown on stderr.
linux_run() {
    parse_linux_options "$@"
    linux_check_program
    linux_check_icount_smp
    local command_line="${LINUX_KERNEL_PARAMETERS[*]} -- ${LINUX_INIT_ARGS[*]}"
    [ ${#command_line} -le $LINUX_COMMAND_LINE_MAX ] || die "linux: the kernel command line would be longer than $LINUX_COMMAND_LINE_MAX bytes"

    qemu_machine_command
    QEMU_CMD+=(-kernel "$LINUX_VMLINUX" -initrd "$LINUX_INITRAMFS" -append "$command_line")
    local mode="without -icount"
    [ "$BOOT_ICOUNT" -eq 1 ] && mode="under -icount"
    say "booting Linux ($(cut -d' ' -f1 "$LINUX_VERSION_FILE")), $BOOT_SMP CPU(s), $BOOT_MEM MB, $mode: ${LINUX_PROGRAM[*]}${LINUX_SERVICES:+ (services: $LINUX_SERVICES)}"

    local console status=0
    console="$(mktemp)"
    if [ "$BOOT_TIMEOUT" -gt 0 ]; then
        timeout --foreground "$BOOT_TIMEOUT" "${QEMU_CMD[@]}" -serial stdio </dev/null >"$console" 2>&1 || status=$?
    else
        "${QEMU_CMD[@]}" -serial stdio </dev/null >"$console" 2>&1 || status=$?
    fi
    # The tty turns each \n into \r\n. A last line of the program without \n runs into /init's line.
    sed -i 's/\r$//' "$console"
    awk 'match($0, /linux-init: (exit status|killed by signal) /) { if (RSTART > 1) print substr($0, 1, RSTART - 1); exit }
         started { print }
         /^linux-init: running / { started = 1 }' "$console"

    local ending
    ending="$(grep -o 'linux-init: \(exit status\|killed by signal\) [0-9]*' "$console" | tail -n 1 | sed 's/^linux-init: //')" || true
    # Under -icount, tsc counts instructions (and skipped idle time) from power-on.
    local started ended
    started="$(grep -o 'linux-init: started at tsc=[0-9]*' "$console" | grep -o '[0-9]*$')" || true
    ended="$(grep -o "linux-init: $ending (tsc=[0-9]*" "$console" | grep -o '[0-9]*$')" || true
    [ -n "$started" ] && [ -n "$ended" ] && note "/init started at tsc=$started; the program ended at tsc=$ended"

    local verdict=""
    case "$status:$ending" in
        "$QEMU_STATUS_SUCCESS:exit status 0") rm -f "$console"; return 0 ;;
        *:"exit status "*) verdict="${LINUX_PROGRAM[0]} exited with status ${ending#exit status }" ;;
        *:"killed by signal "*) verdict="${LINUX_PROGRAM[0]} was $ending" ;;
        124:*) verdict="timeout after ${BOOT_TIMEOUT} s" ;;
        0:*) verdict="the kernel rebooted or powered off before /init reported (a panic? see the console above)" ;;
        *) verdict="QEMU exited with status $status" ;;
    esac
    if [[ "$ending" != "exit status "* || "$ending" == "exit status 0" ]]; then
        echo "--- Linux console ---" >&2
        cat "$console" >&2
        echo "---" >&2
    fi
    rm -f "$console"
    echo "kitten: linux: $verdict" >&2
    return 1
}

linux_main() {
    setup_packages
    with_build_lock linux_prepare
    linux_run "$@"
}
