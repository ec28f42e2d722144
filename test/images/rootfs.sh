# Sourced by the image builders: a minimal rootfs in $root with busybox, one
# link per applet, and the passwd/group files programs expect.
make_busybox_rootfs() {
  local root=$1 bb
  bb=$(command -v busybox)
  # mktemp -d made $root 0700: as the image's /, it would lock out every non-root user.
  chmod 755 "$root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/usr/bin"
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
}
