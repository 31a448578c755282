# Builds the user programs in Userland/: the benchmarks (Userland/Bench/*.c, one static program each), the
# IPC tests (Userland/IpcTests/*.c, Kitten only), the tests of Kitten's other calls (Userland/KittenTests/*.c,
# Kitten only), the service manifest probe (Userland/ServiceTests, Kitten only), the free-memory view's test
# (Userland/MemoryTests, Kitten only) and the Linux baseline's /init (Userland/LinuxInit/init.c), into
# Userland/out/. The same binaries run
# on Linux and, later, on Kitten, so they are static (no dynamic loader needed) and use only ordinary Linux
# system calls through glibc. A program is only recompiled when its source, a shared header or this
# file (the flags) changed.

USERLAND_OUT="$KITTEN_ROOT/Userland/out"
USERLAND_CFLAGS=(-static -O2 -std=gnu11 -Wall -Wextra -Werror -pthread)

# The benchmark programs, by name (Userland/Bench/NAME.c becomes /bench/NAME).
userland_bench_names() {
    local source
    for source in "$KITTEN_ROOT"/Userland/Bench/*.c; do
        basename "$source" .c
    done
}

# The IPC test programs, by name (Userland/IpcTests/NAME.c becomes Userland/out/ipctests/NAME).
userland_ipc_test_names() {
    local source
    for source in "$KITTEN_ROOT"/Userland/IpcTests/*.c; do
        basename "$source" .c
    done
}

# build_static_program SOURCE OUTPUT [MORE_DEPENDENCIES...]
build_static_program() {
    local source="$1" output="$2"
    shift 2
    if needs_rebuild "$output" "$source" "$KITTEN_ROOT"/Userland/Include/*.h "$KITTEN_ROOT/Build/userland.sh" "$@"; then
        say "compiling ${source#"$KITTEN_ROOT"/}"
        mkdir -p "$(dirname "$output")"
        run_step "gcc ${source#"$KITTEN_ROOT"/}" gcc "${USERLAND_CFLAGS[@]}" -o "$output.new" "$source"
        mv "$output.new" "$output"
    fi
}

build_userland() {
    local name source
    for name in $(userland_bench_names); do
        build_static_program "$KITTEN_ROOT/Userland/Bench/$name.c" "$USERLAND_OUT/bench/$name"
    done
    for name in $(userland_ipc_test_names); do
        build_static_program "$KITTEN_ROOT/Userland/IpcTests/$name.c" "$USERLAND_OUT/ipctests/$name" \
            "$KITTEN_ROOT/Userland/LinuxTests/ktest.h" "$KITTEN_ROOT"/Userland/IpcTests/*.h
    done
    for source in "$KITTEN_ROOT"/Userland/KittenTests/*.c; do
        build_static_program "$source" "$USERLAND_OUT/kittentests/$(basename "$source" .c)" \
            "$KITTEN_ROOT/Userland/LinuxTests/ktest.h"
    done
    build_static_program "$KITTEN_ROOT/Userland/ServiceTests/probe.c" "$USERLAND_OUT/servicetests/probe" \
        "$KITTEN_ROOT/Userland/LinuxTests/ktest.h"
    build_static_program "$KITTEN_ROOT/Userland/MemoryTests/memory_view.c" "$USERLAND_OUT/memorytests/memory_view" \
        "$KITTEN_ROOT/Userland/LinuxTests/ktest.h" "$KITTEN_ROOT"/Userland/IpcTests/*.h
    build_static_program "$KITTEN_ROOT/Userland/LinuxInit/init.c" "$USERLAND_OUT/linux-init/init"
}

userland_main() {
    [ $# -eq 0 ] || die "build-bench: unexpected argument '$1'"
    with_build_lock build_userland
    local name
    for name in $(userland_bench_names); do
        echo "$USERLAND_OUT/bench/$name"
    done
}
