# Benchmarks. Each boots under `-icount shift=0,sleep=off`, where the guest TSC advances one tick per
# instruction, so figures are exact and repeatable; each ends with one `bench NAME: key=value ...` line
# and writes its figures to Bench/out/NAME.json. A benchmark program (Userland/Bench) runs on both
# Kitten and the Linux baseline (Build/linux.sh) in the same machine, and the line gives both figures
# and their ratio.

BENCH_OUT="$KITTEN_ROOT/Bench/out"

# write_bench_json NAME key=value...: a flat JSON object of integer figures.
write_bench_json() {
    local name="$1"; shift
    mkdir -p "$BENCH_OUT"
    local json="{\"benchmark\": \"$name\"" pair
    for pair in "$@"; do
        json+=", \"${pair%%=*}\": ${pair#*=}"
    done
    echo "$json}" >"$BENCH_OUT/$name.json"
}

bench_boot() {
    local log
    log="$(mktemp)"
    ./kitten boot --icount --timeout 300 selftest >"$log" 2>&1 || { cat "$log" >&2; die "bench boot: the self-test boot failed"; }
    local first done
    first="$(grep -o 'first line at tsc=[0-9]*' "$log" | grep -o '[0-9]*$')"
    done="$(grep -o 'selftest done at tsc=[0-9]*' "$log" | grep -o '[0-9]*$')"
    rm -f "$log"
    [ -n "$first" ] && [ -n "$done" ] || die "bench boot: the kernel did not print its time stamps"
    # Instructions before the first line include firmware and GRUB waiting on disk reads, whose
    # completion under TCG depends on the host: that part varies slightly between runs. From the first
    # line on, the kernel does no such waiting and the count is exact.
    write_bench_json boot "first_line=$first" "selftest_done=$done" "kernel_first_line_to_selftest_done=$((done - first))"
    echo "bench boot: kernel part (first line to end of self-tests): $((done - first)) instructions"
    echo "bench boot: first_line=$first selftest_done=$done"
}

# Selfish detour on 4 busy CPUs (Kernel/Diagnostics/SelfishDetour.cs): noise in parts per million, the
# longest detour, and the timer interrupts taken meanwhile.
bench_detour() {
    local log
    log="$(mktemp)"
    ./kitten boot --icount --smp 4 --timeout 1200 bench=detour >"$log" 2>&1 || { cat "$log" >&2; die "bench detour: the benchmark boot failed"; }
    grep '^detour: cpu' "$log" || true
    local line
    line="$(grep '^bench detour:' "$log" | tail -1)"
    rm -f "$log"
    [ -n "$line" ] || die "bench detour: the kernel printed no result line"
    local pairs
    read -ra pairs <<<"${line#bench detour: }"
    write_bench_json detour "${pairs[@]}"
    echo "$line"
}

# Page-table bytes per GiB mapped with 4K, 2M and 1G pages, and create+map+destroy time
# (Kernel/Memory/MemoryBenchmark.cs); 3 GiB of RAM so that an aligned gigabyte is free.
bench_memory() {
    local log
    log="$(mktemp)"
    ./kitten boot --icount --mem 3072 --timeout 600 bench=memory >"$log" 2>&1 || { cat "$log" >&2; die "bench memory: the benchmark boot failed"; }
    grep '^memory: pages=' "$log" || true
    local line
    line="$(grep '^bench memory:' "$log" | tail -1)"
    rm -f "$log"
    [ -n "$line" ] || die "bench memory: the kernel printed no result line"
    local pairs
    read -ra pairs <<<"${line#bench memory: }"
    write_bench_json memory "${pairs[@]}"
    echo "$line"
}

# bench_figure_linux NAME KEY [--smp N] [--mem MB] PROGRAM [ARGS...]: runs PROGRAM on the Linux baseline
# (Build/linux.sh) under -icount and prints the number KEY=N of its "bench-result NAME ..." line.
bench_figure_linux() {
    local name="$1" key="$2"; shift 2
    local output value
    output="$(linux_run --icount "$@")" || die "bench $name: the Linux run failed"
    value="$(printf '%s\n' "$output" | grep "^bench-result $name " | grep -o " $key=[0-9]*" | head -n 1 | cut -d= -f2)" || true
    [ -n "$value" ] || die "bench $name: the program printed no $key: $output"
    echo "$value"
}

# bench_compare NAME [kitten=N] linux=N [key=N...]: the closing line and Bench/out/NAME.json. With both
# kernels' figures it adds their ratio, linux/kitten (above 1: Kitten is cheaper by that factor).
bench_compare() {
    local name="$1"; shift
    local pair kitten="" linux="" figures=()
    for pair in "$@"; do
        case "$pair" in
            kitten=*) kitten="${pair#kitten=}"; figures+=("$pair") ;;
            linux=*) linux="${pair#linux=}"; figures+=("$pair") ;;
        esac
    done
    if [ -n "$kitten" ] && [ -n "$linux" ]; then
        figures+=("ratio=$(awk -v k="$kitten" -v l="$linux" 'BEGIN { printf "%.3f", l / k }')")
    fi
    # The JSON holds integers only; the ratio is derived from them.
    write_bench_json "$name" "$@"
    echo "bench $name: ${figures[*]}"
}

# bench_figure_kitten NAME KEY [--smp N] PROGRAM [ARGS...]: boots Kitten under -icount with every
# benchmark program at /bench/NAME and runs PROGRAM as the first process; prints the number KEY=N of its
# "bench-result NAME ..." line.
bench_figure_kitten() {
    local name="$1" key="$2"; shift 2
    local smp=1
    if [ "${1:-}" = "--smp" ]; then
        smp="$2"
        shift 2
    fi
    with_build_lock build_userland
    local adds=() program output value
    for program in $(userland_bench_names); do
        adds+=(--add "$USERLAND_OUT/bench/$program:/bench/$program")
    done
    output="$(./kitten boot --icount --smp "$smp" --timeout 1800 "${adds[@]}" --exec "$@" 2>&1)" \
        || { printf '%s\n' "$output" >&2; die "bench $name: the Kitten run failed"; }
    value="$(printf '%s\n' "$output" | tr -d '\r' | grep "^bench-result $name " | grep -o " $key=[0-9]*" | head -n 1 | cut -d= -f2)" || true
    [ -n "$value" ] || die "bench $name: the program printed no $key on Kitten"
    echo "$value"
}

# Null system call round trip (Userland/Bench/syscall.c), ticks per call on both kernels.
bench_syscall() {
    local smp=1 linux_too=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --smp) smp="${2:?--smp needs a number}"; shift ;;
            --kitten-only) linux_too=0 ;;
            *) die "bench syscall: unexpected argument '$1' (--smp N, --kitten-only)" ;;
        esac
        shift
    done
    local kitten linux=""
    kitten="$(bench_figure_kitten syscall ticks_per_call --smp "$smp" /bench/syscall)"
    [ $linux_too -eq 1 ] && linux="$(bench_figure_linux syscall ticks_per_call --smp "$smp" /bench/syscall)"
    bench_compare syscall "kitten=$kitten" ${linux:+"linux=$linux"} "cpus=$smp"
}

# fork + execve + wait4 of a static program that exits at once (Userland/Bench/spawn.c), 1000 times.
bench_spawn() {
    local kitten
    kitten="$(bench_figure_kitten spawn ticks_per_spawn /bench/spawn 1000 /bench/exit)"
    write_bench_json spawn "ticks_per_spawn=$kitten"
    echo "bench spawn: ticks_per_spawn=$kitten"
}

bench_main() {
    local name="${1:-}"
    [ $# -gt 0 ] && shift
    setup_all
    cd "$KITTEN_ROOT"
    case "$name" in
        boot) with_build_lock build_kernel; with_build_lock build_iso; bench_boot ;;
        detour) bench_detour ;;
        memory) bench_memory ;;
        syscall) with_build_lock linux_prepare; bench_syscall "$@" ;;
        spawn) bench_spawn ;;
        "") die "bench: name a benchmark (boot, detour, memory, syscall, spawn)" ;;
        *) die "bench: unknown benchmark '$name' (known: boot, detour, memory, syscall, spawn)" ;;
    esac
}
