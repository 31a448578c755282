# Boots the ISO in QEMU, headless, with the serial console on stdout, and turns the way QEMU ended into
# kitten's exit status. The kernel ends QEMU through the isa-debug-exit device (port 0xf4), which makes
# QEMU exit with (value << 1) | 1; the values are in Kernel/Platform/Shutdown.cs.

QEMU_STATUS_SUCCESS=33
QEMU_STATUS_SELFTEST_FAILED=35
QEMU_STATUS_PANIC=37
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd

# Fills QEMU_ARGS from the boot options; the kernel command line words are left in KERNEL_WORDS.
parse_boot_options() {
    BOOT_UEFI=0; BOOT_SMP=1; BOOT_MEM=256; BOOT_ICOUNT=0; BOOT_TIMEOUT=120; BOOT_NO_BUILD=0
    KERNEL_WORDS=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --uefi) BOOT_UEFI=1 ;;
            --smp) BOOT_SMP="${2:?--smp needs a number}"; shift ;;
            --mem) BOOT_MEM="${2:?--mem needs megabytes}"; shift ;;
            --icount) BOOT_ICOUNT=1 ;;
            --timeout) BOOT_TIMEOUT="${2:?--timeout needs seconds}"; shift ;;
            --no-build) BOOT_NO_BUILD=1 ;;
            --*) die "boot: unknown option $1" ;;
            *) KERNEL_WORDS+=("$1") ;;
        esac
        shift
    done
    check_machine_options
}

# Checks BOOT_SMP, BOOT_MEM and BOOT_TIMEOUT (shared with the Linux baseline's options, Build/linux.sh).
check_machine_options() {
    [[ "$BOOT_SMP" =~ ^[0-9]+$ ]] && [ "$BOOT_SMP" -ge 1 ] || die "--smp: expected a positive number, got '$BOOT_SMP'"
    [[ "$BOOT_MEM" =~ ^[0-9]+$ ]] && [ "$BOOT_MEM" -ge 32 ] || die "--mem: expected megabytes (at least 32), got '$BOOT_MEM'"
    [[ "$BOOT_TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout: expected seconds, got '$BOOT_TIMEOUT'"
}

# The command line reaches GRUB through a tiny FAT disk holding kitten-boot.cfg (Iso/grub.cfg looks for it).
make_boot_config_disk() {
    local disk="$1"
    local cfg
    cfg="$(mktemp)"
    local words="${KERNEL_WORDS[*]+"${KERNEL_WORDS[*]}"}"
    printf 'set timeout=0\nset default=0\nset kitten_args="%s"\n' "$words" >"$cfg"
    rm -f "$disk"
    # A fixed volume serial number, so that every boot reads the same bytes.
    mformat -C -f 1440 -N 4b495454 -i "$disk" :: >/dev/null
    mcopy -i "$disk" "$cfg" ::/kitten-boot.cfg
    rm -f "$cfg"
}

# The machine, shared by Kitten's boots and the Linux baseline's (Build/linux.sh), so that benchmark
# figures of the two kernels come from the same CPU model, CPUs, memory and clock: fills QEMU_CMD from
# BOOT_SMP, BOOT_MEM and BOOT_ICOUNT. Each caller then adds how its kernel is loaded and the serial port.
qemu_machine_command() {
    QEMU_CMD=(qemu-system-x86_64 -cpu max -smp "$BOOT_SMP" -m "$BOOT_MEM"
        -display none -no-reboot
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)
    # Deterministic time: instructions drive the clock, and the RTC follows the virtual clock. -seed makes
    # the guest's random numbers (RDRAND, RDSEED) a fixed sequence: Linux seeds its random pool from
    # RDRAND, and without it two boots take different paths (measured: 9,000 instructions apart by /init).
    [ "$BOOT_ICOUNT" -eq 1 ] && QEMU_CMD+=(-icount shift=0,sleep=off -rtc base=2026-01-01T00:00:00,clock=vm -seed 1)
    return 0
}

qemu_command() {
    local disk="$1"
    qemu_machine_command
    QEMU_CMD+=(-cdrom "$KITTEN_ISO" -boot order=d)
    [ -n "$disk" ] && QEMU_CMD+=(-drive "file=$disk,format=raw,if=ide,index=1")
    [ "$BOOT_UEFI" -eq 1 ] && QEMU_CMD+=(-bios "$OVMF_CODE")
    return 0
}

prepare_image() {
    if [ "$BOOT_NO_BUILD" -eq 0 ]; then
        setup_all
        with_build_lock build_kernel
        with_build_lock build_iso
    fi
    [ -f "$KITTEN_ISO" ] || die "no ISO at $KITTEN_ISO (run ./kitten iso)"
}

boot_main() {
    parse_adds "$@"
    parse_boot_options "${REST[@]+"${REST[@]}"}"
    prepare_image

    BOOT_WORK="$(mktemp -d)"
    trap 'rm -rf "$BOOT_WORK"' EXIT
    make_boot_config_disk "$BOOT_WORK/boot.img"
    qemu_command "$BOOT_WORK/boot.img"

    local status=0
    if [ "$BOOT_TIMEOUT" -gt 0 ]; then
        timeout --foreground "$BOOT_TIMEOUT" "${QEMU_CMD[@]}" -serial stdio </dev/null || status=$?
    else
        "${QEMU_CMD[@]}" -serial stdio </dev/null || status=$?
    fi
    report_qemu_status "$status"
}

report_qemu_status() {
    case "$1" in
        "$QEMU_STATUS_SUCCESS") return 0 ;;
        "$QEMU_STATUS_SELFTEST_FAILED") echo "kitten: boot failed: self-tests failed" >&2; return 1 ;;
        "$QEMU_STATUS_PANIC") echo "kitten: boot failed: kernel panic" >&2; return 1 ;;
        0) echo "kitten: boot failed: triple fault (the CPU reset without the kernel reporting)" >&2; return 1 ;;
        124) echo "kitten: boot failed: timeout after ${BOOT_TIMEOUT} s" >&2; return 1 ;;
        *) echo "kitten: boot failed: QEMU exited with status $1" >&2; return 1 ;;
    esac
}

# Interactive: the GRUB menu and the kernel on this terminal. Ctrl-A X quits QEMU.
run_main() {
    parse_adds "$@"
    parse_boot_options "${REST[@]+"${REST[@]}"}"
    BOOT_TIMEOUT=0
    prepare_image
    say "booting $KITTEN_ISO in QEMU (serial console below; Ctrl-A X quits)"
    qemu_command ""
    local status=0
    "${QEMU_CMD[@]}" -serial mon:stdio || status=$?
    report_qemu_status "$status" || true
}
