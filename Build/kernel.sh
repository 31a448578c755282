# Builds the kernel: C# -> IL (dotnet build, against Kernel/Runtime as the core library) -> native object
# (ILC, with this assembly as the system module) -> linked with the assembly sources into kitten.elf.

KERNEL_ELF="$KERNEL_OUT/kitten.elf"
KERNEL_DLL="$KITTEN_ROOT/Kernel/bin/Release/net10.0/Kitten.Kernel.dll"

ilc_path() {
    local cache="$KITTEN_ROOT/obj/.ilc-path"
    if [ ! -x "$(cat "$cache" 2>/dev/null)" ]; then
        local package
        package="$(dotnet msbuild "$KITTEN_ROOT/Build/Toolchain/Toolchain.csproj" -getProperty:PkgMicrosoft_DotNet_ILCompiler)"
        [ -n "$package" ] || die "could not locate the ILCompiler package (did the restore of Build/Toolchain work?)"
        local version root
        version="$(basename "$package")"
        root="$(dirname "$(dirname "$package")")"
        echo "$root/runtime.linux-x64.microsoft.dotnet.ilcompiler/$version/tools/ilc" >"$cache"
    fi
    cat "$cache"
}

build_kernel() {
    mkdir -p "$KERNEL_OUT/obj"
    say "building the kernel (C# -> IL)"
    run_step "dotnet build Kernel" dotnet build "$KITTEN_ROOT/Kernel/Kernel.csproj" -c Release -nologo -v q

    local object="$KERNEL_OUT/obj/kernel.o"
    if needs_rebuild "$object" "$KERNEL_DLL"; then
        say "compiling the kernel to native code (ILC -O)"
        local ilc
        ilc="$(ilc_path)"
        # --nativelib: no managed Main and no runtime start-up; multiboot2.asm calls KernelMain instead.
        # No --dehydrate: the kernel reads runtime data structures as ILC lays them out.
        run_step "ilc" "$ilc" "$KERNEL_DLL" -o "$object" \
            --systemmodule:Kitten.Kernel --targetos:linux --targetarch:x64 \
            -O --noinlinetls --nativelib
    fi

    local objects=("$object") source out includes=()
    mapfile -t includes < <(find "$KITTEN_ROOT/Kernel" -name '*.inc' -not -path '*/out/*')
    while IFS= read -r source; do
        out="$KERNEL_OUT/obj/$(echo "${source#"$KITTEN_ROOT"/Kernel/}" | tr '/' '_' | sed 's/\.asm$/.o/')"
        if needs_rebuild "$out" "$source" "${includes[@]}"; then
            run_step "nasm ${source#"$KITTEN_ROOT"/}" nasm -f elf64 -w+all -I "$KITTEN_ROOT/Kernel/Arch/X64/" -o "$out" "$source"
        fi
        objects+=("$out")
    done < <(find "$KITTEN_ROOT/Kernel" -name '*.asm' -not -path '*/out/*' | sort)

    if needs_rebuild "$KERNEL_ELF" "${objects[@]}" "$KITTEN_ROOT/Kernel/Boot/linker.ld"; then
        say "linking kitten.elf"
        run_step "ld.lld" ld.lld -T "$KITTEN_ROOT/Kernel/Boot/linker.ld" -nostdlib -static \
            -z max-page-size=4096 -o "$KERNEL_ELF" "${objects[@]}"
    fi
}
