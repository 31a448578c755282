# Shared helpers for the kitten script: progress lines, failing steps, paths.

KERNEL_OUT="$KITTEN_ROOT/Kernel/out"
ISO_OUT="$KITTEN_ROOT/Iso/out"
KITTEN_ISO="$ISO_OUT/kitten.iso"

# Progress goes to stderr so that a command's stdout stays clean (boot prints the serial console there).
say()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die()  { printf 'kitten: %s\n' "$*" >&2; exit 1; }

# run_step NAME COMMAND...: runs a build step quietly; on failure shows its output and names the step.
run_step() {
    local name="$1"; shift
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "step failed: $name"
    fi
    rm -f "$log"
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $* (no sudo available)"
    fi
}

# newer_than TARGET FILE...: true if TARGET is missing or older than any FILE.
needs_rebuild() {
    local target="$1"; shift
    [ -e "$target" ] || return 0
    local f
    for f in "$@"; do
        [ "$f" -nt "$target" ] && return 0
    done
    return 1
}

# Serialises builds of the kernel and the ISO between concurrent kitten commands (parallel tests).
with_build_lock() {
    mkdir -p "$KITTEN_ROOT/obj"
    (
        flock 9
        "$@"
    ) 9>"$KITTEN_ROOT/obj/.build.lock"
}
