# Boots the ISO in QEMU, headless, with the serial console on stdout, and turns the way QEMU ended into
# kitten's exit status. The kernel ends QEMU through the isa-debug-exit device (port 0xf4), which makes
# QEMU exit with (value << 1) | 1; the values are in Kernel/Platform/Shutdown.cs.

QEMU_STATUS_SUCCESS=33
QEMU_STATUS_SELFTEST_FAILED=35
QEMU_STATUS_PANIC=37
QEMU_STATUS_PROGRAM_EXITED=39
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
    # The services module is loaded only for boots that start services (Kernel/Boot/BootServices.cs):
    # the word `services` or a service choice such as memory=paged.
    local services="" word
    for word in "${KERNEL_WORDS[@]+"${KERNEL_WORDS[@]}"}"; do
        [ "$word" = "--" ] && break
        case "$word" in services|memory=*) services="services" ;; esac
    done
    printf 'set timeout=0\nset default=0\nset kitten_args="%s"\nset kitten_services="%s"\n' "$words" "$services" >"$cfg"
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
    # Extra QEMU options for debugging, e.g. KITTEN_QEMU_ARGS="-s -monitor unix:/tmp/mon,server,nowait".
    local extra=()
    [ -n "${KITTEN_QEMU_ARGS:-}" ] && read -ra extra <<<"$KITTEN_QEMU_ARGS"
    QEMU_CMD+=("${extra[@]+"${extra[@]}"}")
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

# Everything after `--exec` is the program and its arguments; they reach the kernel as words after a lone
# `--`, each percent-encoded (RFC 3986, 2.1) so that spaces, quotes and GRUB's special characters survive
# (Kernel/Boot/InitProgram.cs decodes them). An empty argument is sent as `%-`. A hyphen is encoded too:
# GRUB's multiboot2 command took a word such as `-n` for an option of its own and dropped it.
percent_encode() {
    local text="$1" out="" c hex i
    [ -z "$text" ] && { echo "%-"; return; }
    for ((i = 0; i < ${#text}; i++)); do
        c="${text:i:1}"
        case "$c" in
            [A-Za-z0-9._/=:,+@]) out+="$c" ;;
            *) printf -v hex '%%%02X' "'$c"; out+="$hex" ;;
        esac
    done
    echo "$out"
}

split_exec() {
    BOOT_ARGS=()
    EXEC_WORDS=()
    local seen=0 word
    for word in "$@"; do
        if [ $seen -eq 0 ] && [ "$word" = "--exec" ]; then
            seen=1
            continue
        fi
        if [ $seen -eq 1 ]; then
            EXEC_WORDS+=("$(LC_ALL=C percent_encode "$word")")
        else
            BOOT_ARGS+=("$word")
        fi
    done
    [ $seen -eq 0 ] || [ ${#EXEC_WORDS[@]} -gt 0 ] || die "--exec needs a program path"
}

boot_main() {
    split_exec "$@"
    parse_adds "${BOOT_ARGS[@]+"${BOOT_ARGS[@]}"}"
    parse_boot_options "${REST[@]+"${REST[@]}"}"
    [ ${#EXEC_WORDS[@]} -eq 0 ] || KERNEL_WORDS+=(-- "${EXEC_WORDS[@]}")
    prepare_image

    BOOT_WORK="$(mktemp -d)"
    trap 'rm -rf "$BOOT_WORK"' EXIT
    make_boot_config_disk "$BOOT_WORK/boot.img"
    qemu_command "$BOOT_WORK/boot.img"

    # The serial console goes to stdout and, for the program's exit status, to a log; stdin (if any) is
    # the console's input.
    local status=0 timeout_command=() watchdog=""
    if [ "$BOOT_TIMEOUT" -gt 0 ]; then
        # A boot still running at the deadline is sent an NMI on every CPU first, and stopped a few
        # seconds later: each CPU prints where it was (Kernel/Diagnostics/NmiReport.cs).
        QEMU_CMD+=(-monitor "unix:$BOOT_WORK/monitor,server,nowait")
        timeout_command=(timeout --foreground "$((BOOT_TIMEOUT + NMI_GRACE_SECONDS))")
        # Its own output goes nowhere: a caller reading ours to the end must not wait for it.
        send_nmi_at_deadline "$BOOT_WORK" </dev/null >/dev/null 2>&1 &
        watchdog=$!
    fi
    set +e
    "${timeout_command[@]+"${timeout_command[@]}"}" "${QEMU_CMD[@]}" -serial stdio | tee "$BOOT_WORK/console.log"
    status=${PIPESTATUS[0]}
    set -e
    if [ -n "$watchdog" ]; then
        touch "$BOOT_WORK/finished"
        wait "$watchdog" 2>/dev/null || true
    fi
    [ "$status" = 124 ] && name_nmi_addresses "$BOOT_WORK/console.log" >&2
    if [ "$status" = "$QEMU_STATUS_PROGRAM_EXITED" ]; then
        program_exit_status "$BOOT_WORK/console.log"
        return
    fi
    report_qemu_status "$status"
}

NMI_GRACE_SECONDS=5

# Sleeps in short steps, so that it ends soon after a boot that finished (BOOT_WORK/finished).
send_nmi_at_deadline() {
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
        [ -e "$1/finished" ] && return 0
    done
    (printf 'nmi\n'; sleep 1) | socat - "UNIX-CONNECT:$1/monitor" || true
}

# The kernel functions that the NMI reports' addresses fall in: for each address, the nearest text
# symbol of Kernel/out/kitten.elf at or below it.
name_nmi_addresses() {
    local addresses
    addresses="$(tr -d '\r' <"$1" | grep -aA1 '^kitten: NMI on CPU' | grep -aoE '0xffffffff8[0-9a-f]{7}' | sort -u | tr '\n' ' ' | sed 's/ *$//' || true)"
    [ -n "$addresses" ] || return 0
    echo "kitten: kernel functions at the addresses in the NMI reports:"
    # Only the low 32 bits are compared: the image lies in one 4 GiB window, and gawk's numbers are
    # doubles, which cannot tell 64-bit addresses a few bytes apart.
    nm -n "$KERNEL_ELF" | gawk -v list="$addresses" '
        function low32(hex) { return strtonum("0x" substr(hex, length(hex) - 7)) }
        BEGIN { n = split(list, wanted, " "); for (i = 1; i <= n; i++) value[i] = low32(wanted[i]) }
        $3 == "__text_end" { textEnd = low32("0x" $1) }
        $2 ~ /^[tT]$/ { address = low32("0x" $1); for (i = 1; i <= n; i++) if (address <= value[i]) best[i] = $3 }
        END { for (i = 1; i <= n; i++)
                  printf "  %s %s\n", wanted[i], (textEnd && value[i] >= textEnd) ? "(data, not code)" : (i in best) ? best[i] : "?" }'
}

# The exit status the kernel printed when the first program ended ("kitten: init (pid 1) exited with
# status N", or "... killed by signal S; exit status N").
program_exit_status() {
    local line code
    line="$(tr -d '\r' <"$1" | grep -a '^kitten: init (pid 1) ' | tail -1)"
    code="$(echo "$line" | grep -o 'status [0-9]*$' | grep -o '[0-9]*')"
    [ -n "$code" ] || { echo "kitten: boot failed: the program ended but the kernel printed no exit status" >&2; return 1; }
    return "$code"
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
