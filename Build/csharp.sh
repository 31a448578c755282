# Builds the C# programs in Userland/CSharp: every folder NAME there with a NAME.csproj is an ordinary
# console program, published by `dotnet publish` as a NativeAOT static, non-PIE glibc executable (the
# settings are in Userland/CSharp/Directory.Build.props) into Userland/out/csharp/NAME/: the program NAME
# and its symbols NAME.dbg. The same binary runs on a Linux host (Tests/Boot.Tests, CSharpProgramsOnHost)
# and on the kernel (put it in the image with `--add`, see csharp_image_adds).
#
# Publishing one program takes 20 to 40 s of ILC and linking, so a program is only published again when a
# file of its folder, of Userland/CSharp/Common, one of the Directory.Build.props or this script is newer
# than its binary. The NuGet packages (the NativeAOT compiler, runtime.linux-x64.Microsoft.DotNet.ILCompiler,
# and its runtime pack) come from the ordinary restore that publish does; once they are in the NuGet cache
# no network is needed.

CSHARP_SRC="$KITTEN_ROOT/Userland/CSharp"
CSHARP_OUT="$KITTEN_ROOT/Userland/out/csharp"

# The programs, by name: the folders NAME of Userland/CSharp that hold NAME.csproj.
csharp_program_names() {
    local project name
    for project in "$CSHARP_SRC"/*/*.csproj; do
        name="$(basename "$project" .csproj)"
        if [ "$name" = "$(basename "$(dirname "$project")")" ]; then
            echo "$name"
        fi
    done
}

# csharp_program_path NAME: where the published binary is.
csharp_program_path() {
    echo "$CSHARP_OUT/$1/$1"
}

# csharp_program_inputs NAME: every file a program's binary depends on (outside the NuGet cache).
csharp_program_inputs() {
    local name="$1"
    find "$CSHARP_SRC/$name" "$CSHARP_SRC/Common" \( -name bin -o -name obj \) -prune -o -type f -print
    echo "$CSHARP_SRC/Directory.Build.props" "$KITTEN_ROOT/Directory.Build.props" "$KITTEN_ROOT/Build/csharp.sh"
}

# publish_csharp_program NAME: dotnet publish into a fresh folder, which then replaces the old one, so an
# interrupted build leaves no new-looking binary behind.
publish_csharp_program() {
    local name="$1"
    local staging="$CSHARP_OUT/.$name.publishing"
    rm -rf "$staging"
    mkdir -p "$CSHARP_OUT"
    local started=$SECONDS
    run_step "dotnet publish $name" dotnet publish "$CSHARP_SRC/$name/$name.csproj" -c Release --nologo -o "$staging"
    [ -x "$staging/$name" ] || die "step failed: dotnet publish $name left no $staging/$name"
    rm -rf "${CSHARP_OUT:?}/$name"
    mv "$staging" "$CSHARP_OUT/$name"
    note "$name: $(stat -c %s "$CSHARP_OUT/$name/$name") bytes, published in $((SECONDS - started)) s"
}

build_csharp_programs() {
    command -v dotnet >/dev/null || die "the .NET SDK is not installed (dotnet is not on PATH)"
    local name inputs
    for name in $(csharp_program_names); do
        mapfile -t inputs < <(csharp_program_inputs "$name")
        if needs_rebuild "$(csharp_program_path "$name")" "${inputs[@]}"; then
            say "publishing Userland/CSharp/$name (NativeAOT, static)"
            publish_csharp_program "$name"
        fi
    done
    # A program whose project is gone goes too.
    local out
    for out in "$CSHARP_OUT"/*; do
        [ -e "$out" ] || continue
        [ -f "$CSHARP_SRC/$(basename "$out")/$(basename "$out").csproj" ] || rm -rf "$out"
    done
}

# csharp_image_adds: `--add HOST:PATH` options that put every program at /csharp/NAME in the kernel's
# initial file system (for ./kitten iso, boot and the benchmarks).
csharp_image_adds() {
    local name
    for name in $(csharp_program_names); do
        echo "--add"
        echo "$(csharp_program_path "$name"):/csharp/$name"
    done
}

csharp_main() {
    [ $# -eq 0 ] || die "build-csharp: unexpected argument '$1'"
    with_build_lock build_csharp_programs
    local name
    for name in $(csharp_program_names); do
        csharp_program_path "$name"
    done
}
