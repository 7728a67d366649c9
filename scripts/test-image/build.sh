#!/usr/bin/env bash
# Builds the rhx test images from the host's static busybox with `docker import` (no registry,
# no network, no Dockerfile). Called by scripts/setup-machine.sh; safe to run on its own.
#
#   rhx-test/busybox:1                    busybox rootfs, every applet linked, CMD ["/bin/sh"]
#   rhx-test/runhouse:0.0.30              + fake Runhouse CLI at /usr/local/bin/runhouse, playing
#   rhx-test/runhouse:0.0.36                that release (its command line from runhouse-cli/V.txt):
#   rhx-test/runhouse:0.0.42                one per era of the server commands and the pip extra
#   rhx-test/runhouse:0.0.36-entrypoint   + ENTRYPOINT ["/bin/false"] (exits at once)
#   rhx-test/runhouse:0.0.36-nonroot      + USER 1000 (HOME /home/rhx)
#
# An image is rebuilt only when it is missing or its label rhx.test.inputs differs from the hash
# of this directory plus the busybox binary. Prints one summary line; exit 1 on failure.
# Option: --force rebuilds every image.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# 0.0.30: `runhouse restart` (up to 0.0.35); 0.0.36: `runhouse server restart`, plain `runhouse==V`;
# 0.0.42: `runhouse server restart` and the `runhouse[server]` extra (from 0.0.39).
RUNHOUSE_VERSIONS=(0.0.30 0.0.36 0.0.42)
DEFAULT_VERSION=0.0.36
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
  {
    sha256sum build.sh runhouse pkill
    for v in "${RUNHOUSE_VERSIONS[@]}"; do sha256sum "runhouse-cli/$v.txt"; done
    sha256sum <"$BUSYBOX"
  } | sha256sum | cut -c1-16
)

# name|changes (one --change per line after the name, separated by ';;')
# (flavour: busybox, or runhouse-V for the fake Runhouse V)
images=("rhx-test/busybox:1|busybox")
for v in "${RUNHOUSE_VERSIONS[@]}"; do
  [ -f "$here/runhouse-cli/$v.txt" ] || { echo "build.sh: runhouse-cli/$v.txt missing" >&2; exit 1; }
  images+=("rhx-test/runhouse:$v|runhouse-$v")
done
images+=(
  "rhx-test/runhouse:$DEFAULT_VERSION-entrypoint|runhouse-$DEFAULT_VERSION|ENTRYPOINT [\"/bin/false\"]"
  "rhx-test/runhouse:$DEFAULT_VERSION-nonroot|runhouse-$DEFAULT_VERSION|USER 1000|WORKDIR /home/rhx"
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

make_rootfs() { # $1 = dir, $2 = flavour (busybox|runhouse-VERSION)
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
  echo "rhx-test-${2%%-*}" >"$root/etc/rhx-test-image" # busybox or runhouse, whatever the version
  case "$2" in
    runhouse-*)
      mkdir -p "$root/usr/local/share/runhouse"
      echo "${2#runhouse-}" >"$root/usr/local/share/runhouse/VERSION"
      install -m 0644 "$here/runhouse-cli/${2#runhouse-}.txt" "$root/usr/local/share/runhouse/cli.txt"
      install -m 0755 "$here/runhouse" "$root/usr/local/bin/runhouse"
      ;;
  esac
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
