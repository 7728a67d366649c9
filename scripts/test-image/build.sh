#!/usr/bin/env bash
# Builds the rhx test images from the host's static busybox with `docker import` (no registry,
# no network, no Dockerfile). Called by scripts/setup-machine.sh; safe to run on its own.
#
#   rhx-test/busybox:1                    busybox rootfs, every applet linked, CMD ["/bin/sh"]
#   rhx-test/runhouse:0.0.36              + fake Runhouse CLI at /usr/local/bin/runhouse
#   rhx-test/runhouse:0.0.36-entrypoint   + ENTRYPOINT ["/bin/false"] (exits at once)
#   rhx-test/runhouse:0.0.36-nonroot      + USER 1000 (HOME /home/rhx)
#
# An image is rebuilt only when it is missing or its label rhx.test.inputs differs from the hash
# of this directory plus the busybox binary. Prints one summary line; exit 1 on failure.
# Option: --force rebuilds every image.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNHOUSE_VERSION=0.0.36
BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "build.sh: unknown option $arg" >&2 && exit 2 ;;
  esac
done

command -v docker >/dev/null || { echo "build.sh: docker CLI not found" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "build.sh: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
"$BUSYBOX" --list-full >/dev/null 2>&1 || { echo "build.sh: $BUSYBOX has no --list-full" >&2; exit 1; }

inputs=$(
  cd "$here"
  { sha256sum build.sh runhouse pkill; sha256sum <"$BUSYBOX"; echo "$RUNHOUSE_VERSION"; } | sha256sum | cut -c1-16
)

# name|changes (one --change per line after the name, separated by ';;')
images=(
  "rhx-test/busybox:1|busybox"
  "rhx-test/runhouse:$RUNHOUSE_VERSION|runhouse"
  "rhx-test/runhouse:$RUNHOUSE_VERSION-entrypoint|runhouse|ENTRYPOINT [\"/bin/false\"]"
  "rhx-test/runhouse:$RUNHOUSE_VERSION-nonroot|runhouse|USER 1000|WORKDIR /home/rhx"
)

current() {
  docker image inspect -f '{{index .Config.Labels "rhx.test.inputs"}}' "$1" 2>/dev/null || true
}

todo=()
for spec in "${images[@]}"; do
  name=${spec%%|*}
  if [ "$force" = 1 ] || [ "$(current "$name")" != "$inputs" ]; then
    todo+=("$spec")
  fi
done
if [ ${#todo[@]} -eq 0 ]; then
  echo "${#images[@]} images up to date ($inputs)"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rhx-test-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

make_rootfs() { # $1 = dir, $2 = flavour (busybox|runhouse)
  local root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/share,etc,root,home/rhx,tmp,var/log,var/run,proc,sys,dev}
  chmod 0700 "$root/root"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  # Link every applet at its canonical path and as /bin/<applet> (for scripts that hard-code /bin).
  # One perl process (perl-base is Essential on Debian): a shell loop forks ~800 times.
  { "$BUSYBOX" --list-full; "$BUSYBOX" --list | sed 's|^|bin/|'; } |
    perl -e 'my $r = shift; while (<STDIN>) { chomp; my $l = "$r/$_";
      next if $_ eq "bin/busybox" || -l $l || -e $l; symlink("/bin/busybox", $l) or die "symlink $l: $!\n" }' "$root"
  install -m 0755 "$here/pkill" "$root/usr/local/bin/pkill"
  ln -sf pkill "$root/usr/local/bin/pgrep"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
rhx:x:1000:1000:rhx test user:/home/rhx:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
rhx:x:1000:
nogroup:x:65534:
EOF
  chown 1000:1000 "$root/home/rhx"
  echo "rhx-test-$2" >"$root/etc/rhx-test-image"
  if [ "$2" = runhouse ]; then
    mkdir -p "$root/usr/local/share/runhouse"
    echo "$RUNHOUSE_VERSION" >"$root/usr/local/share/runhouse/VERSION"
    install -m 0755 "$here/runhouse" "$root/usr/local/bin/runhouse"
  fi
  tar --numeric-owner -C "$root" -cf "$work/$2.tar" .
}

built=()
for spec in "${todo[@]}"; do
  IFS='|' read -r -a parts <<<"$spec"
  name=${parts[0]}
  flavour=${parts[1]}
  [ -f "$work/$flavour.tar" ] || make_rootfs "$work/$flavour" "$flavour"
  changes=(
    --change "ENV PATH=$IMAGE_PATH"
    --change 'CMD ["/bin/sh"]'
    --change "LABEL rhx.test.inputs=$inputs"
    --change "LABEL rhx.test.image=$name"
  )
  for c in "${parts[@]:2}"; do
    changes+=(--change "$c")
  done
  old=$(docker image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
  docker import "${changes[@]}" "$work/$flavour.tar" "$name" >/dev/null
  # Drop the previous build once nothing tags it (fails harmlessly while a container still uses it).
  if [ -n "$old" ] && [ "$(docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null)" = 0 ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
  built+=("$name")
done

echo "built ${built[*]} ($inputs)"
