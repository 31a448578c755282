# Benchmarks. Each boots under `-icount shift=0,sleep=off`, where the guest TSC advances one tick per
# instruction, so figures are exact and repeatable; each ends with one `bench NAME: key=value ...` line
# and writes its figures to Bench/out/NAME.json. A benchmark program (Userland/Bench) runs on both
# Kitten and the Linux baseline (Build/linux.sh) in the same machine, and the line gives both figures
# and their ratio.

BENCH_OUT="$KITTEN_ROOT/Bench/out"

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

# bench_run_linux NAME [--smp N] [--timeout S] PROGRAM [ARGS...]: the program's output on the Linux
# baseline (Build/linux.sh) under -icount; the benchmark fails if the run does.
bench_run_linux() {
    local name="$1"; shift
    local output
    output="$(linux_run --icount "$@")" || die "bench $name: the Linux run failed"
    printf '%s\n' "$output"
}

# bench_run_kitten NAME [--smp N] [--csharp] PROGRAM [ARGS...]: boots Kitten under -icount with every
# benchmark program at /bench/NAME (and with --csharp every C# program at /csharp/NAME) and PROGRAM as
# the first process; prints the console.
bench_run_kitten() {
    local name="$1"; shift
    local smp=1 csharp=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --smp) smp="$2"; shift 2 ;;
            --csharp) csharp=1; shift ;;
            *) break ;;
        esac
    done
    with_build_lock build_userland
    local adds=() program output
    for program in $(userland_bench_names); do
        adds+=(--add "$USERLAND_OUT/bench/$program:/bench/$program")
    done
    if [ $csharp -eq 1 ]; then
        with_build_lock build_csharp_programs
        mapfile -t -O ${#adds[@]} adds < <(csharp_image_adds)
    fi
    output="$(./kitten boot --icount --smp "$smp" --timeout 1800 "${adds[@]}" --exec "$@" 2>&1)" \
        || { printf '%s\n' "$output" >&2; die "bench $name: the Kitten run failed"; }
    printf '%s\n' "$output" | tr -d '\r'
}

# bench_value NAME OUTPUT PREFIX KEY: the number KEY=N on the first line of OUTPUT that starts with
# PREFIX (e.g. "bench-result syscall "); the benchmark fails if there is none.
bench_value() {
    local name="$1" output="$2" prefix="$3" key="$4" value
    value="$(printf '%s\n' "$output" | grep -a "^$prefix" | grep -o " $key=-\?[0-9]*" | head -n 1 | cut -d= -f2)" || true
    [ -n "$value" ] || { printf '%s\n' "$output" >&2; die "bench $name: no $key on a line starting '$prefix'"; }
    echo "$value"
}

# write_bench_json NAME key=value...: a flat JSON object; integers stay numbers, anything else becomes a
# string (the definitions of the figures).
write_bench_json() {
    local name="$1"; shift
    mkdir -p "$BENCH_OUT"
    local json="{\"benchmark\": \"$name\"" pair value
    for pair in "$@"; do
        value="${pair#*=}"
        if [[ "$value" =~ ^-?[0-9]+$ ]]; then
            json+=", \"${pair%%=*}\": $value"
        else
            value="${value//\\/\\\\}"
            json+=", \"${pair%%=*}\": \"${value//\"/\\\"}\""
        fi
    done
    echo "$json}" >"$BENCH_OUT/$name.json"
}

# bench_ratio LINUX KITTEN: linux/kitten with 3 decimals ("inf" when Kitten's figure is 0 and Linux's
# is not; above 1: Kitten is cheaper by that factor).
bench_ratio() {
    awk -v l="$1" -v k="$2" 'BEGIN { if (k == 0) print (l == 0 ? "1.000" : "inf"); else printf "%.3f\n", l / k }'
}

# bench_compare NAME kitten=N [linux=N] [key=N...]: the closing line and Bench/out/NAME.json. With both
# kernels' figures it adds their ratio, linux/kitten.
bench_compare() {
    local name="$1"; shift
    local pair kitten="" linux="" figures=()
    for pair in "$@"; do
        case "$pair" in
            kitten=*) kitten="${pair#kitten=}"; figures+=("$pair") ;;
            linux=*) linux="${pair#linux=}"; figures+=("$pair") ;;
        esac
    done
    [ -n "$kitten" ] && [ -n "$linux" ] && figures+=("ratio=$(bench_ratio "$linux" "$kitten")")
    # The JSON holds the integers; the ratio is derived from them.
    write_bench_json "$name" "$@"
    echo "bench $name: ${figures[*]}"
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
    local output kitten linux=""
    output="$(bench_run_kitten syscall --smp "$smp" /bench/syscall)" || exit 1
    kitten="$(bench_value syscall "$output" "bench-result syscall " ticks_per_call)" || exit 1
    if [ $linux_too -eq 1 ]; then
        output="$(bench_run_linux syscall --smp "$smp" /bench/syscall)" || exit 1
        linux="$(bench_value syscall "$output" "bench-result syscall " ticks_per_call)" || exit 1
    fi
    bench_compare syscall "kitten=$kitten" ${linux:+"linux=$linux"} "cpus=$smp"
}

# fork + execve + wait4 of a static program that exits at once (Userland/Bench/spawn.c), 1000 times,
# ticks per launch on both kernels.
SPAWN_COUNT=1000
bench_spawn() {
    local output kitten linux
    output="$(bench_run_kitten spawn /bench/spawn "$SPAWN_COUNT" /bench/exit)" || exit 1
    kitten="$(bench_value spawn "$output" "bench-result spawn " ticks_per_spawn)" || exit 1
    output="$(bench_run_linux spawn spawn "$SPAWN_COUNT" /bench/exit)" || exit 1
    linux="$(bench_value spawn "$output" "bench-result spawn " ticks_per_spawn)" || exit 1
    bench_compare spawn "kitten=$kitten" "linux=$linux" "count=$SPAWN_COUNT"
}

# One-way message cost between two processes on one CPU (Userland/Bench/ipc.c): on Kitten, its IPC's
# call/reply with 0 and 4 words in registers (and, for reference, the pipe exchange); on Linux, the same
# 4-word exchange through a pair of pipes and through a futex pair in shared memory. The closing line's
# kitten_oneway is the 4-word call, the payload the Linux exchanges carry.
IPC_ITERATIONS=10000
IPC_DEFINITION="TSC ticks (instructions under QEMU -icount) per one-way message between two processes on one CPU: half of a request/answer round trip carrying 4 words (32 bytes) each way, averaged over $IPC_ITERATIONS round trips after 100 unmeasured ones; kitten_oneway_0 carries no words"
bench_ipc() {
    local output k0 k4 kpipe pipe futex
    output="$(bench_run_kitten ipc /bench/ipc kitten "$IPC_ITERATIONS")" || exit 1
    k0="$(bench_value ipc "$output" "bench-result ipc " kitten_oneway_0)" || exit 1
    k4="$(bench_value ipc "$output" "bench-result ipc " kitten_oneway_4)" || exit 1
    kpipe="$(bench_value ipc "$output" "bench-result ipc " kitten_pipe_oneway)" || exit 1
    output="$(bench_run_linux ipc ipc linux "$IPC_ITERATIONS")" || exit 1
    pipe="$(bench_value ipc "$output" "bench-result ipc " pipe_oneway)" || exit 1
    futex="$(bench_value ipc "$output" "bench-result ipc " futex_oneway)" || exit 1
    write_bench_json ipc "kitten_oneway=$k4" "linux_pipe_oneway=$pipe" "linux_futex_oneway=$futex" \
        "kitten_oneway_0=$k0" "kitten_oneway_4=$k4" "kitten_pipe_oneway=$kpipe" \
        "ratio_linux_pipe=$(bench_ratio "$pipe" "$k4")" "ratio_linux_futex=$(bench_ratio "$futex" "$k4")" \
        "iterations=$IPC_ITERATIONS" "cpus=1" "definition=$IPC_DEFINITION"
    note "Kitten IPC one-way: $k0 ticks with 0 words, $k4 with 4; the pipe exchange on Kitten: $kpipe; Linux/Kitten: pipe $(bench_ratio "$pipe" "$k4"), futex $(bench_ratio "$futex" "$k4")"
    echo "bench ipc: kitten_oneway=$k4 linux_pipe_oneway=$pipe linux_futex_oneway=$futex"
}

# OS noise by Fixed Work Quanta (Userland/Bench/fwq.c, where the figures and their correction for
# QEMU's shared clock are defined): one worker per CPU on 4 CPUs, 10,000 counted quanta each, on both
# kernels. The raw per-quantum output goes to Bench/out/noise-KERNEL.txt and the picture of both to
# Bench/out/noise.png (Bench/Plot).
NOISE_CPUS=4
NOISE_QUANTA=10000
NOISE_DEFINITION="ticks are TSC ticks (instructions under QEMU -icount) per quantum of 2^14 passes of the FWQ loop, without the instructions the other CPUs' workers executed meanwhile (QEMU runs the CPUs in turn on one clock); min is the fastest quantum during which no other worker ran"
NOISE_PPM_DEFINITION="sum over all quanta of (ticks - min), divided by the sum of the quanta's raw ticks, in parts per million: the kernel's share of all CPUs' time"
NOISE_DETOUR_DEFINITION="max_detour: the largest quantum minus min, in ticks, over all CPUs (on several CPUs it includes kernel work any CPU did during that quantum)"
bench_noise() {
    local kitten linux
    kitten="$(bench_run_kitten noise --smp "$NOISE_CPUS" /bench/fwq -n "$NOISE_QUANTA" -r)" || exit 1
    linux="$(bench_run_linux noise --smp "$NOISE_CPUS" --timeout 1200 fwq -n "$NOISE_QUANTA" -r)" || exit 1
    mkdir -p "$BENCH_OUT"
    printf '%s\n' "$kitten" >"$BENCH_OUT/noise-kitten.txt"
    printf '%s\n' "$linux" >"$BENCH_OUT/noise-linux.txt"
    local figures=() kernel output key value
    for kernel in kitten linux; do
        output="$(cat "$BENCH_OUT/noise-$kernel.txt")"
        for key in noise_ppm max_detour min noise_ppb; do
            value="$(bench_value noise "$output" "bench-result fwq " "$key")" || exit 1
            figures+=("${kernel}_$key=$value")
        done
    done
    bench_plot fwq "$BENCH_OUT/noise.png" "Kitten.Cosmos=$BENCH_OUT/noise-kitten.txt" "Linux=$BENCH_OUT/noise-linux.txt"
    write_bench_json noise "${figures[@]}" "cpus=$NOISE_CPUS" "quanta_per_cpu=$NOISE_QUANTA" \
        "definition_ticks=$NOISE_DEFINITION" "definition_noise_ppm=$NOISE_PPM_DEFINITION" \
        "definition_max_detour=$NOISE_DETOUR_DEFINITION" "plot=Bench/out/noise.png"
    note "max detour = largest quantum minus the fastest undisturbed quantum, in ticks; plot: Bench/out/noise.png"
    echo "bench noise: ${figures[0]} ${figures[4]} ${figures[1]} ${figures[5]}"
}

# bench_plot KIND OUTPUT.png TITLE=FILE...: draws with Bench/Plot (ScottPlot, headless).
bench_plot() {
    with_build_lock run_step "dotnet build Bench/Plot" dotnet build "$KITTEN_ROOT/Bench/Plot/Plot.csproj" -c Release --nologo
    run_step "plot $2" dotnet "$KITTEN_ROOT/Bench/Plot/bin/Release/net10.0/Plot.dll" "$@"
}

# C# start-up and compute (Userland/CSharp): the same NativeAOT binaries on both kernels, 1 CPU.
# Start-up: /bench/startup reads the TSC and execs Hello, which reads it again once its first line is
# written (Userland/Bench/startup.c); the figure is the difference. Compute: Userland/CSharp/Compute's
# own count of the ticks of its matrix multiplies (N=256, 4 times).
CSHARP_STARTUP_DEFINITION="ticks from the TSC read just before execve of Hello (/bench/startup) to the TSC read just after Hello's first output line was written"
bench_csharp() {
    local kernel output first exec startup compute figures=()
    for kernel in kitten linux; do
        if [ "$kernel" = kitten ]; then
            output="$(bench_run_kitten csharp --csharp /bench/startup /csharp/Hello)" || exit 1
        else
            output="$(bench_run_linux csharp startup /csharp/Hello)" || exit 1
        fi
        first="$(bench_value csharp "$output" "bench-result csharp-startup " first_line_tsc)" || exit 1
        exec="$(printf '%s\n' "$output" | grep -a '^args: ' | grep -o '\[exec_tsc=[0-9]*\]' | grep -o '[0-9]*')" || true
        [ -n "$exec" ] || { printf '%s\n' "$output" >&2; die "bench csharp: Hello did not echo exec_tsc on $kernel"; }
        startup=$((first - exec))
        if [ "$kernel" = kitten ]; then
            output="$(bench_run_kitten csharp --csharp /csharp/Compute)" || exit 1
        else
            output="$(bench_run_linux csharp /csharp/Compute)" || exit 1
        fi
        compute="$(bench_value csharp "$output" "bench-result csharp-compute " ticks)" || exit 1
        figures+=("${kernel}_startup=$startup" "${kernel}_compute=$compute")
    done
    write_bench_json csharp "${figures[@]}" "definition_startup=$CSHARP_STARTUP_DEFINITION" \
        "definition_compute=ticks of 4 multiplies of 256x256 doubles (Userland/CSharp/Compute), 1 CPU"
    echo "bench csharp: ${figures[0]} ${figures[2]} ${figures[1]} ${figures[3]}"
}

# bench_json_value NAME KEY: an integer of Bench/out/NAME.json, or nothing.
bench_json_value() {
    grep -o "\"$2\": -\?[0-9]*" "$BENCH_OUT/$1.json" 2>/dev/null | grep -o -- '-\?[0-9]*$' || true
}

# bench_goal_row LABEL KITTEN LINUX GOAL TEST: one line of the table. TEST is an awk condition on k
# (Kitten's figure), l (Linux's) and r (l / k); BENCH_MET counts the goals met.
bench_goal_row() {
    local label="$1" kitten="$2" linux="$3" goal="$4" test="$5" ratio="-" met="no"
    if [ -z "$kitten" ] || [ -z "$linux" ]; then
        kitten="${kitten:-failed}" linux="${linux:-failed}" met="unknown"
    else
        ratio="$(bench_ratio "$linux" "$kitten")"
        if awk -v k="$kitten" -v l="$linux" "BEGIN { r = (k == 0 ? (l == 0 ? 1 : 1e300) : l / k); exit !($test) }"; then
            met="yes"
            BENCH_MET=$((BENCH_MET + 1))
        fi
    fi
    printf '%-26s %14s %14s %9s  %-34s %s\n' "$label" "$kitten" "$linux" "$ratio" "$goal" "$met"
}

# A service's restart (issue 6): the memory manager is killed (SIGKILL) RESTART_KILLS times by
# `servicectl restart` (Services/Tools/ServiceCtl), each time 1 s after it last answered, and the ticks
# from the kill until its replacement answers a ping by name are taken. The same supervisor,
# memory-contiguous and servicectl binaries run on both kernels: on Kitten over its IPC, started by the
# kernel (memory=contiguous); on Linux over the IPC library's host back end (Unix sockets), started by
# /init the same way (--services, Userland/LinuxInit/init.c). The figure is the supervisor's, the
# kernel's process teardown and the .NET start-up of the new process.
RESTART_KILLS=5
RESTART_SERVICE=memory-contiguous
RESTART_DEFINITION="TSC ticks (instructions under QEMU -icount, 1 CPU) from the SIGKILL of $RESTART_SERVICE to a ping of 'memory' answered by its replacement (a fresh look-up, the ping, and one supervisor status call), median and maximum of $RESTART_KILLS kills; includes the supervisor's first back-off, 10 ms of virtual time (10,000,000 ticks at the 1 GHz icount clock)"

# restart_figure NAME OUTPUT KEY: median or max from servicectl's closing line
# ("restart: N kills, N answered; median N ticks, max N ticks"); the benchmark fails if there is none.
restart_figure() {
    local name="$1" output="$2" key="$3" value
    value="$(printf '%s\n' "$output" | grep -a "^restart: " | grep -o "$key [0-9]*" | head -n 1 | cut -d' ' -f2)" || true
    [ -n "$value" ] || { printf '%s\n' "$output" >&2; die "bench restart: no '$key' on servicectl's 'restart:' line on $name"; }
    echo "$value"
}

bench_restart() {
    local output kitten_median kitten_max linux_median linux_max
    output="$(./kitten boot --icount --timeout 1800 memory=contiguous --exec /sbin/servicectl restart "$RESTART_SERVICE" memory "$RESTART_KILLS" 2>&1)" \
        || { printf '%s\n' "$output" >&2; die "bench restart: the Kitten run failed"; }
    output="$(printf '%s\n' "$output" | tr -d '\r')"
    printf '%s\n' "$output" | grep -a "^restart " | sed 's/^/kitten: /' >&2 || true
    kitten_median="$(restart_figure Kitten "$output" median)" || exit 1
    kitten_max="$(restart_figure Kitten "$output" max)" || exit 1
    output="$(bench_run_linux restart --timeout 1800 --services "$RESTART_SERVICE" /sbin/servicectl restart "$RESTART_SERVICE" memory "$RESTART_KILLS")" || exit 1
    printf '%s\n' "$output" | grep -a "^restart " | sed 's/^/linux: /' >&2 || true
    linux_median="$(restart_figure Linux "$output" median)" || exit 1
    linux_max="$(restart_figure Linux "$output" max)" || exit 1
    local ratio
    ratio="$(bench_ratio "$linux_median" "$kitten_median")"
    write_bench_json restart "kitten_median=$kitten_median" "linux_median=$linux_median" "ratio=$ratio" \
        "kitten_max=$kitten_max" "linux_max=$linux_max" "kills=$RESTART_KILLS" "definition=$RESTART_DEFINITION"
    echo "bench restart: kitten_median=$kitten_median linux_median=$linux_median ratio=$ratio kitten_max=$kitten_max linux_max=$linux_max kills=$RESTART_KILLS"
}

# Every comparison with Linux, then one table: each figure of both kernels, their ratio (Linux/Kitten)
# and the goal (issue 5's, and issue 6's for IPC). A benchmark that fails shows as "failed" and the others still run.
bench_all() {
    local name failed=()
    for name in syscall spawn noise csharp ipc; do
        rm -f "$BENCH_OUT/$name.json"
        ( "bench_$name" ) || failed+=("$name")
    done
    BENCH_MET=0
    echo
    printf '%-26s %14s %14s %9s  %-34s %s\n' benchmark Kitten Linux ratio goal met?
    bench_goal_row "syscall (ticks/call)" "$(bench_json_value syscall kitten)" "$(bench_json_value syscall linux)" \
        "Linux/Kitten >= 2" "r >= 2"
    bench_goal_row "spawn (ticks/spawn)" "$(bench_json_value spawn kitten)" "$(bench_json_value spawn linux)" \
        "Linux/Kitten >= 5" "r >= 5"
    bench_goal_row "noise (ppb)" "$(bench_json_value noise kitten_noise_ppb)" "$(bench_json_value noise linux_noise_ppb)" \
        "Kitten 100x lower" "r >= 100"
    bench_goal_row "max detour (ticks)" "$(bench_json_value noise kitten_max_detour)" "$(bench_json_value noise linux_max_detour)" \
        "Kitten 10x shorter" "r >= 10"
    bench_goal_row "C# start-up (ticks)" "$(bench_json_value csharp kitten_startup)" "$(bench_json_value csharp linux_startup)" \
        "Kitten faster" "k < l"
    bench_goal_row "C# compute (ticks)" "$(bench_json_value csharp kitten_compute)" "$(bench_json_value csharp linux_compute)" \
        "within 1% of Linux" "(k - l) <= l / 100 && (l - k) <= l / 100"
    bench_goal_row "IPC one-way (ticks)" "$(bench_json_value ipc kitten_oneway)" "$(bench_json_value ipc linux_pipe_oneway)" \
        "<= 600, Linux pipe/Kitten >= 10" "k <= 600 && r >= 10"
    write_bench_json all "goals_met=$BENCH_MET" "goals=7" "failed=${failed[*]-}"
    echo "bench all: goals_met=$BENCH_MET goals=7${failed[0]+ failed=$(IFS=,; echo "${failed[*]}")}"
    [ ${#failed[@]} -eq 0 ]
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
        spawn|noise|csharp|ipc|restart|all)
            [ $# -eq 0 ] || die "bench $name: unexpected argument '$1'"
            with_build_lock linux_prepare; "bench_$name" ;;
        "") die "bench: name a benchmark (boot, detour, memory, syscall, spawn, noise, csharp, ipc, restart, all)" ;;
        *) die "bench: unknown benchmark '$name' (known: boot, detour, memory, syscall, spawn, noise, csharp, ipc, restart, all)" ;;
    esac
}
