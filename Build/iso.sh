# Builds Iso/out/kitten.iso: GRUB (BIOS and UEFI) with the kernel and its initial file system, a cpio
# archive loaded as a Multiboot2 module. `--add HOST:PATH` puts a host file at PATH in that file system.
# The services (Services/, published by Build/services.sh) travel in a second module, services.cpio,
# holding /services/NAME/NAME and NAME.manifest; GRUB loads it for the entries that start services.
# The image is only rebuilt when one of its inputs changed.

# shellcheck source=Build/services.sh
source "$KITTEN_ROOT/Build/services.sh"

ISO_TREE="$ISO_OUT/tree"
INITRD_ROOT="$ISO_OUT/initrd-root"

# Parses --add options from the arguments; sets ISO_ADDS (HOST:PATH pairs) and REST (everything else).
parse_adds() {
    ISO_ADDS=()
    REST=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --add) [ $# -ge 2 ] || die "--add needs HOST_PATH:ISO_PATH"
                   ISO_ADDS+=("$2"); shift 2 ;;
            --add=*) ISO_ADDS+=("${1#--add=}"); shift ;;
            *) REST+=("$1"); shift ;;
        esac
    done
}

# The base system every image carries: Iso/rootfs (/etc and friends), Debian's static busybox with a link
# for each applet, and the mount points the kernel fills (/dev, /proc, /tmp).
build_rootfs() {
    cp -a "$KITTEN_ROOT/Iso/rootfs/." "$INITRD_ROOT/"
    rm -f "$INITRD_ROOT/root/.keep"
    mkdir -p "$INITRD_ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
    cp /bin/busybox "$INITRD_ROOT/bin/busybox"
    local applet
    while IFS= read -r applet; do
        [ "$applet" = "bin/busybox" ] && continue
        mkdir -p "$INITRD_ROOT/$(dirname "$applet")"
        ln -sf /bin/busybox "$INITRD_ROOT/$applet"
    done < <(/bin/busybox --list-full)
}

build_initrd() {
    rm -rf "$INITRD_ROOT"
    mkdir -p "$INITRD_ROOT"
    build_rootfs
    local pair host path
    for pair in "${ISO_ADDS[@]+"${ISO_ADDS[@]}"}"; do
        host="${pair%%:*}"
        path="${pair#*:}"
        [ "$host" != "$pair" ] && [ -n "$path" ] || die "--add $pair: expected HOST_PATH:ISO_PATH"
        [ -e "$host" ] || die "--add $pair: no such file: $host"
        path="/${path#/}"
        mkdir -p "$INITRD_ROOT$(dirname "$path")"
        cp -a "$host" "$INITRD_ROOT$path"
    done
    # newc format (the Linux initramfs format), sorted so that the same inputs give the same bytes.
    (cd "$INITRD_ROOT" && find . -mindepth 1 | LC_ALL=C sort | \
        cpio -o -H newc --reproducible --quiet) >"$ISO_OUT/initrd.cpio.new"
}

# The services module: each published service's program and manifest under /services/NAME/, and the
# tools (servicectl) in /sbin.
build_services_archive() {
    build_services
    local root="$ISO_OUT/services-root"
    rm -rf "$root"
    lay_out_services "$root"
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | \
        cpio -o -H newc --reproducible --quiet) >"$ISO_OUT/services.cpio.new"
    rm -rf "$root"
}

build_iso() {
    mkdir -p "$ISO_TREE/boot/grub"
    build_initrd
    build_services_archive
    local changed=0 archive
    for archive in initrd services; do
        cmp -s "$ISO_OUT/$archive.cpio.new" "$ISO_TREE/boot/$archive.cpio" || { mv "$ISO_OUT/$archive.cpio.new" "$ISO_TREE/boot/$archive.cpio"; changed=1; }
        rm -f "$ISO_OUT/$archive.cpio.new"
    done
    cmp -s "$KERNEL_ELF" "$ISO_TREE/boot/kitten.elf" || { cp "$KERNEL_ELF" "$ISO_TREE/boot/kitten.elf"; changed=1; }
    cmp -s "$KITTEN_ROOT/Iso/grub.cfg" "$ISO_TREE/boot/grub/grub.cfg" || { cp "$KITTEN_ROOT/Iso/grub.cfg" "$ISO_TREE/boot/grub/grub.cfg"; changed=1; }
    if [ $changed -eq 1 ] || [ ! -f "$KITTEN_ISO" ]; then
        say "building $KITTEN_ISO"
        run_step "grub-mkrescue" grub-mkrescue -o "$KITTEN_ISO" "$ISO_TREE"
    fi
}

iso_main() {
    parse_adds "$@"
    [ ${#REST[@]} -eq 0 ] || die "iso: unexpected argument '${REST[0]}'"
    build_iso
    echo "$KITTEN_ISO"
}
