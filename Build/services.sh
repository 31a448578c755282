# Builds the services (Services/): every folder with a csproj and a NAME.manifest is one service program,
# published by `dotnet publish` as a NativeAOT static, non-PIE glibc executable (Services/Executable.props)
# into Services/out/NAME/: the program NAME, its symbols NAME.dbg and its manifest NAME.manifest, which
# names the binary relative to itself (so the supervisor can start the service from the manifest alone).
# The same binaries run on a Linux host (Tests/Services.Tests) and on the kernel. The tools of
# Services/Tools (clients such as servicectl) are published the same way into Services/out/NAME/.
#
# Publishing one program takes 20 to 40 s of ILC and linking, so a service is published again only when a
# file of its folder, of a library folder of Services/ (a csproj without a manifest), one of the
# Directory.Build.props, Executable.props or this script is newer than its binary.

SERVICES_SRC="$KITTEN_ROOT/Services"
SERVICES_OUT="$KITTEN_ROOT/Services/out"

# Lines "NAME FOLDER": each service's manifest name and folder.
service_list() {
    local manifest folder
    while IFS= read -r manifest; do
        folder="$(dirname "$manifest")"
        compgen -G "$folder/*.csproj" >/dev/null || continue
        echo "$(basename "$manifest" .manifest) $folder"
    done < <(find "$SERVICES_SRC" \( -name bin -o -name obj -o -name out \) -prune -o -name '*.manifest' -print | sort)
}

# Lines "NAME FOLDER": each tool's program name (its AssemblyName) and folder, Services/Tools/FOLDER: client
# programs of the services (servicectl), published like them but without a manifest.
tool_list() {
    local project name
    for project in "$SERVICES_SRC"/Tools/*/*.csproj; do
        [ -e "$project" ] || continue
        name="$(sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$project")"
        [ -n "$name" ] || die "$project: no AssemblyName (the tool's program name)"
        echo "$name $(dirname "$project")"
    done
}

# The published services as a root file system holds them, the same on Kitten (the services module) and on
# the Linux baseline: each service's program and manifest under ROOT/services/NAME/, the tools in ROOT/sbin.
lay_out_services() {
    local root=$1 name folder
    mkdir -p "$root/services" "$root/sbin"
    while read -r name folder; do
        mkdir -p "$root/services/$name"
        cp -a "$SERVICES_OUT/$name/$name" "$SERVICES_OUT/$name/$name.manifest" "$root/services/$name/"
    done < <(service_list)
    while read -r name folder; do
        cp -a "$SERVICES_OUT/$name/$name" "$root/sbin/"
    done < <(tool_list)
}

service_path() {
    echo "$SERVICES_OUT/$1/$1"
}

# service_inputs FOLDER: the files a service's binary depends on (outside the NuGet cache).
service_inputs() {
    local folder="$1" project library
    find "$folder" \( -name bin -o -name obj \) -prune -o -type f -print
    for project in "$SERVICES_SRC"/*/*.csproj "$SERVICES_SRC"/*/*/*.csproj; do
        [ -e "$project" ] || continue
        library="$(dirname "$project")"
        [[ "$library" == "$SERVICES_SRC/Tools/"* ]] && continue
        compgen -G "$library/*.manifest" >/dev/null && continue
        find "$library" \( -name bin -o -name obj \) -prune -o -type f -print
    done
    echo "$SERVICES_SRC/Directory.Build.props" "$SERVICES_SRC/Executable.props" "$KITTEN_ROOT/Directory.Build.props" "$KITTEN_ROOT/Build/services.sh" \
        "$KITTEN_ROOT/Userland/CSharp/Common/Tsc.cs"
}

publish_service() {
    local name="$1" folder="$2"
    local staging="$SERVICES_OUT/.$name.publishing"
    local project
    project="$(compgen -G "$folder/*.csproj" | head -n 1)"
    rm -rf "$staging"
    mkdir -p "$SERVICES_OUT"
    local started=$SECONDS
    run_step "dotnet publish $name" dotnet publish "$project" -c Release --nologo -o "$staging"
    [ -x "$staging/$name" ] || die "step failed: dotnet publish of $project left no $staging/$name (AssemblyName must be the manifest's name)"
    [ "$folder" != "${folder#"$SERVICES_SRC/Tools/"}" ] || [ -f "$staging/$name.manifest" ] || die "step failed: $project does not publish $name.manifest"
    rm -f "$staging"/*.pdb
    rm -rf "${SERVICES_OUT:?}/$name"
    mv "$staging" "$SERVICES_OUT/$name"
    note "$name: $(stat -c %s "$SERVICES_OUT/$name/$name") bytes, published in $((SECONDS - started)) s"
}

build_services() {
    command -v dotnet >/dev/null || die "the .NET SDK is not installed (dotnet is not on PATH)"
    local name folder inputs
    while read -r name folder; do
        mapfile -t inputs < <(service_inputs "$folder")
        if needs_rebuild "$(service_path "$name")" "${inputs[@]}"; then
            say "publishing $name (NativeAOT, static)"
            publish_service "$name" "$folder"
        fi
    done < <(service_list; tool_list)
    # A service whose manifest is gone goes too, and a tool whose project is gone.
    local out names
    names=" $( (service_list; tool_list) | cut -d' ' -f1 | tr '\n' ' ')"
    for out in "$SERVICES_OUT"/*; do
        [ -e "$out" ] || continue
        [[ "$names" == *" $(basename "$out") "* ]] || rm -rf "$out"
    done
}

services_main() {
    [ $# -eq 0 ] || die "build-services: unexpected argument '$1'"
    with_build_lock build_services
    local name folder
    while read -r name folder; do
        service_path "$name"
    done < <(service_list; tool_list)
}
