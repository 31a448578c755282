# Builds the Linux ABI test programs: every Userland/LinuxTests/*.c (one program per system call family,
# and syscall_fuzz) becomes a static glibc executable in Userland/LinuxTests/out/, compiled with
# gcc -static -O2 -Wall -Wextra -Werror. The same binaries run on a Linux host (Tests/Boot.Tests,
# LinuxTestsOnHost) and on the kernel. A program is rebuilt only when its source, the shared header or
# this script changed.

LINUX_TESTS_SRC="$KITTEN_ROOT/Userland/LinuxTests"
LINUX_TESTS_OUT="$LINUX_TESTS_SRC/out"
LINUX_TESTS_PACKAGES=(gcc libc6-dev) # libc6-dev holds libc.a, which -static links

linux_tests_setup() {
    local missing=() p
    for p in "${LINUX_TESTS_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    run_step "apt-get update" as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run_step "apt-get install ${missing[*]}" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_linux_tests() {
    linux_tests_setup
    mkdir -p "$LINUX_TESTS_OUT"
    local headers=("$LINUX_TESTS_SRC"/*.h) source name out announced=0
    for source in "$LINUX_TESTS_SRC"/*.c; do
        name="$(basename "$source" .c)"
        out="$LINUX_TESTS_OUT/$name"
        if needs_rebuild "$out" "$source" "${headers[@]}" "$KITTEN_ROOT/Build/linuxtests.sh"; then
            if [ $announced -eq 0 ]; then
                say "building the Linux test programs (gcc -static)"
                announced=1
            fi
            # Into a temporary name first, so that an interrupted build leaves no new-looking binary.
            run_step "gcc $name.c" gcc -static -O2 -Wall -Wextra -Werror -o "$out.tmp" "$source"
            mv -f "$out.tmp" "$out"
        fi
    done
    # A program whose source is gone goes too.
    for out in "$LINUX_TESTS_OUT"/*; do
        [ -e "$LINUX_TESTS_SRC/$(basename "$out").c" ] || rm -f "$out"
    done
}

linux_tests_main() {
    [ $# -eq 0 ] || die "build-linux-tests: unexpected argument '$1'"
    with_build_lock build_linux_tests
    local source
    for source in "$LINUX_TESTS_SRC"/*.c; do
        echo "$LINUX_TESTS_OUT/$(basename "$source" .c)"
    done
}
