#!/usr/bin/env bash
# Prepares a Debian machine for rhx's tests and quickstart. Idempotent: every step checks first and
# does nothing when already done. Prints one line per step; details go to .rhx-test/logs/setup-machine.log.
#
#   1. packages  docker.io docker-registry apache2-utils busybox-static (apt, root, only when missing)
#   2. engine    dockerd --bridge=none --iptables=false --ip-masq=false (only when `docker info` fails),
#                log in .rhx-test/logs/dockerd.log
#   3. images    rhx-test/busybox:1, rhx-test/runhouse:{0.0.30,0.0.36,0.0.42}, :0.0.36-{entrypoint,nonroot}
#                (scripts/test-image: a fake Runhouse CLI per era)
#   4. registry  quickstart registry on 127.0.0.1:5055, user rhx, password in .rhx-test/registry/password
#   5. push      rhx-test/runhouse:0.0.36 -> 127.0.0.1:5055/rhx/runhouse:0.0.36
#   6. env       examples/local/.env with SKYPILOT_DOCKER_USERNAME/PASSWORD/SERVER
#
# Usage: scripts/setup-machine.sh [--no-registry] [--rebuild-images]
set -euo pipefail

REGISTRY_HOST=127.0.0.1
REGISTRY_PORT=5055
REGISTRY_USER=rhx
QUICKSTART_IMAGE=rhx-test/runhouse:0.0.36
QUICKSTART_REF=$REGISTRY_HOST:$REGISTRY_PORT/rhx/runhouse:0.0.36
DOCKERD_WAIT_SECS=60
REGISTRY_WAIT_SECS=20

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$root/.rhx-test
logs=$state/logs
regdir=$state/registry
setup_log=$logs/setup-machine.log

with_registry=1
build_args=()
for arg in "$@"; do
  case "$arg" in
    --no-registry) with_registry=0 ;;
    --rebuild-images) build_args+=(--force) ;;
    -h | --help)
      sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-machine: unknown option '$arg' (see --help)" >&2
      exit 2
      ;;
  esac
done

mkdir -p "$logs"
: >"$setup_log"
started=$(date +%s)

step() { printf 'setup-machine: %-9s %s\n' "$1:" "$2"; }

die() {
  echo "setup-machine: error: $*" >&2
  if [ -s "$setup_log" ]; then
    echo "--- last lines of ${setup_log#"$root"/} ---" >&2
    tail -n 20 "$setup_log" >&2
  fi
  exit 1
}

run() { # run CMD... with its output in the setup log
  echo "+ $*" >>"$setup_log"
  "$@" >>"$setup_log" 2>&1
}

is_root() { [ "$(id -u)" = 0 ]; }

engine_up() { timeout 15 docker info >/dev/null 2>&1; }

# http_status METHOD PATH [AUTH_B64] [ACCEPT] -> HTTP status of the quickstart registry, 000 if it
# does not answer. Pure bash (/dev/tcp, builtins): no curl needed, no credential on any argv.
http_status() {
  local method=$1 path=$2 auth=${3:-} accept=${4:-} line code=000
  if ! { exec 3<>"/dev/tcp/$REGISTRY_HOST/$REGISTRY_PORT"; } 2>/dev/null; then
    echo 000
    return 0
  fi
  {
    printf '%s %s HTTP/1.0\r\nHost: %s:%s\r\n' "$method" "$path" "$REGISTRY_HOST" "$REGISTRY_PORT"
    if [ -n "$auth" ]; then printf 'Authorization: Basic %s\r\n' "$auth"; fi
    if [ -n "$accept" ]; then printf 'Accept: %s\r\n' "$accept"; fi
    printf 'Connection: close\r\n\r\n'
  } >&3 2>/dev/null || true
  if IFS=' ' read -r -t 5 _ code _ <&3; then :; else code=000; fi
  exec 3<&- 3>&-
  echo "${code:-000}"
}

pid_alive_as() { # pid_alive_as PIDFILE WORD: the pid in PIDFILE runs and its argv mentions WORD
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# --- 1. packages ---------------------------------------------------------------------------------
missing=()
if ! command -v dockerd >/dev/null && ! engine_up; then missing+=(docker.io); fi
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  missing+=(busybox-static)
fi
if [ ${#missing[@]} -eq 0 ]; then
  step packages "already installed"
else
  is_root || die "packages missing (${missing[*]}); run this script as root"
  export DEBIAN_FRONTEND=noninteractive
  needs_update=0
  for p in "${missing[@]}"; do
    if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then needs_update=1; fi
  done
  if [ "$needs_update" = 1 ]; then
    run apt-get update || die "apt-get update failed"
  fi
  # Keep the packages' init scripts from starting a default dockerd (with a docker0 bridge on a
  # private range): the engine is started below with --bridge=none.
  policy_rc=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
    policy_rc=/usr/sbin/policy-rc.d
    trap 'rm -f "$policy_rc"' EXIT
  fi
  if ! run apt-get install -y "${missing[@]}"; then
    run apt-get update || die "apt-get update failed"
    run apt-get install -y "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  fi
  if [ -n "$policy_rc" ]; then rm -f "$policy_rc"; fi
  step packages "installed ${missing[*]}"
fi

# --- 2. engine -----------------------------------------------------------------------------------
if engine_up; then
  step engine "already running"
else
  is_root || die "the Docker engine is not answering; run this script as root to start dockerd"
  if pid_alive_as /var/run/docker.pid dockerd; then
    how="dockerd (pid $(cat /var/run/docker.pid)) was starting"
  else
    echo "+ dockerd --bridge=none --iptables=false --ip-masq=false (log: .rhx-test/logs/dockerd.log)" >>"$setup_log"
    setsid dockerd --bridge=none --iptables=false --ip-masq=false \
      >>"$logs/dockerd.log" 2>&1 </dev/null &
    how="started dockerd (pid $!)"
  fi
  deadline=$(($(date +%s) + DOCKERD_WAIT_SECS))
  until engine_up; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 20 "$logs/dockerd.log" >>"$setup_log" 2>/dev/null || true
      die "the Docker engine did not answer within ${DOCKERD_WAIT_SECS}s (see .rhx-test/logs/dockerd.log)"
    fi
    sleep 0.5
  done
  step engine "$how, log in .rhx-test/logs/dockerd.log"
fi
if docker network inspect bridge >/dev/null 2>&1; then
  echo "setup-machine: warning: the running engine has a 'bridge' network; rhx tests expect" \
    "dockerd --bridge=none --iptables=false --ip-masq=false and use --net=host" >&2
fi

# --- 3. images -----------------------------------------------------------------------------------
echo "+ scripts/test-image/build.sh ${build_args[*]:-}" >>"$setup_log"
if ! images=$("$root/scripts/test-image/build.sh" "${build_args[@]}" 2>>"$setup_log"); then
  die "building the test images failed"
fi
step images "$images"

if [ "$with_registry" = 0 ]; then
  step registry "skipped (--no-registry)"
  step done "in $(($(date +%s) - started))s"
  exit 0
fi

# --- 4. registry ---------------------------------------------------------------------------------
command -v docker-registry >/dev/null || die "docker-registry not found (apt-get install docker-registry)"
mkdir -p "$regdir/data"
chmod 0700 "$regdir"
changed=0
if [ ! -s "$regdir/password" ]; then
  pw=$(head -c 48 /dev/urandom | base64 -w0)
  pw=${pw//[^A-Za-z0-9]/}
  (umask 077 && printf '%s\n' "${pw:0:24}" >"$regdir/password")
  changed=1
fi
password=$(head -n 1 "$regdir/password")
[ -n "$password" ] || die "$regdir/password is empty; delete it and re-run"
if ! htpasswd -vi "$regdir/htpasswd" "$REGISTRY_USER" <<<"$password" >/dev/null 2>&1; then
  (umask 077 && htpasswd -niB "$REGISTRY_USER" <<<"$password" 2>>"$setup_log" | sed '/^$/d' >"$regdir/htpasswd")
  [ -s "$regdir/htpasswd" ] || die "htpasswd could not write $regdir/htpasswd"
  changed=1
fi
config="version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $regdir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_HOST:$REGISTRY_PORT
auth:
  htpasswd:
    realm: rhx-quickstart
    path: $regdir/htpasswd"
if [ ! -f "$regdir/config.yml" ] || [ "$(cat "$regdir/config.yml")" != "$config" ]; then
  printf '%s\n' "$config" >"$regdir/config.yml"
  changed=1
fi
auth=$(printf '%s:%s' "$REGISTRY_USER" "$password" | base64 -w0)

if pid_alive_as "$regdir/registry.pid" docker-registry; then
  if [ "$changed" = 0 ] && [ "$(http_status GET /v2/ "$auth")" = 200 ]; then
    reg_state="already running"
  else
    pid=$(cat "$regdir/registry.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$regdir/registry.pid"
    reg_state=restart
  fi
else
  reg_state=start
fi
if [ "$reg_state" != "already running" ]; then
  status=$(http_status GET /v2/)
  if [ "$status" != 000 ]; then
    [ "$(http_status GET /v2/ "$auth")" = 200 ] ||
      die "$REGISTRY_HOST:$REGISTRY_PORT already answers (HTTP $status) but not with this checkout's" \
        "credentials; stop that server (another checkout's registry?) and re-run"
    reg_state="already running (pid file missing)"
  else
    echo "+ docker-registry serve .rhx-test/registry/config.yml" >>"$setup_log"
    setsid docker-registry serve "$regdir/config.yml" >>"$regdir/registry.log" 2>&1 </dev/null &
    echo $! >"$regdir/registry.pid"
    deadline=$(($(date +%s) + REGISTRY_WAIT_SECS))
    until [ "$(http_status GET /v2/ "$auth")" = 200 ]; do
      if ! kill -0 "$(cat "$regdir/registry.pid")" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
        tail -n 20 "$regdir/registry.log" >>"$setup_log" 2>/dev/null || true
        die "the quickstart registry did not come up on $REGISTRY_HOST:$REGISTRY_PORT" \
          "(see .rhx-test/registry/registry.log)"
      fi
      sleep 0.2
    done
    [ "$reg_state" = restart ] && reg_state="restarted (configuration changed)" || reg_state="started"
  fi
fi
step registry "$reg_state on $REGISTRY_HOST:$REGISTRY_PORT (pid $(cat "$regdir/registry.pid" 2>/dev/null || echo '?'))"

# --- 5. push -------------------------------------------------------------------------------------
image_id=$(docker image inspect -f '{{.Id}}' "$QUICKSTART_IMAGE" 2>/dev/null) || die "$QUICKSTART_IMAGE is missing"
manifest_accept="application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
if [ "$(cat "$regdir/pushed" 2>/dev/null || true)" = "$image_id $QUICKSTART_REF" ] &&
  [ "$(http_status HEAD "/v2/rhx/runhouse/manifests/0.0.36" "$auth" "$manifest_accept")" = 200 ]; then
  step push "$QUICKSTART_REF already pushed"
else
  dcfg=$(mktemp -d "${TMPDIR:-/tmp}/rhx-docker-config.XXXXXX")
  trap 'rm -rf "$dcfg"' EXIT
  echo "+ docker login -u $REGISTRY_USER --password-stdin $REGISTRY_HOST:$REGISTRY_PORT" >>"$setup_log"
  docker --config "$dcfg" login -u "$REGISTRY_USER" --password-stdin "$REGISTRY_HOST:$REGISTRY_PORT" \
    <<<"$password" >>"$setup_log" 2>&1 || die "docker login to $REGISTRY_HOST:$REGISTRY_PORT failed"
  run docker tag "$QUICKSTART_IMAGE" "$QUICKSTART_REF" || die "docker tag failed"
  push_ok=1
  run docker --config "$dcfg" push "$QUICKSTART_REF" || push_ok=0
  run docker rmi "$QUICKSTART_REF" || true # keep the engine free of the registry tag
  rm -rf "$dcfg"
  [ "$push_ok" = 1 ] || die "docker push $QUICKSTART_REF failed"
  echo "$image_id $QUICKSTART_REF" >"$regdir/pushed"
  step push "pushed $QUICKSTART_REF"
fi

# --- 6. examples/local/.env ----------------------------------------------------------------------
envfile=$root/examples/local/.env
mkdir -p "$(dirname "$envfile")"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1 && ! git -C "$root" check-ignore -q "$envfile"; then
  die "examples/local/.env is not ignored by git; add a .gitignore rule before writing a password there"
fi
marker="# Written by scripts/setup-machine.sh: credentials of the quickstart registry (not committed)."
wanted=$(
  if [ -f "$envfile" ]; then
    grep -v -e '^SKYPILOT_DOCKER_USERNAME=' -e '^SKYPILOT_DOCKER_PASSWORD=' -e '^SKYPILOT_DOCKER_SERVER=' \
      -e "^$marker\$" "$envfile" || true
  fi
  echo "$marker"
  echo "SKYPILOT_DOCKER_USERNAME=$REGISTRY_USER"
  echo "SKYPILOT_DOCKER_PASSWORD=$password"
  echo "SKYPILOT_DOCKER_SERVER=$REGISTRY_HOST:$REGISTRY_PORT"
)
if [ -f "$envfile" ] && [ "$(cat "$envfile")" = "$wanted" ]; then
  step env "examples/local/.env up to date"
else
  (umask 077 && printf '%s\n' "$wanted" >"$envfile")
  step env "wrote examples/local/.env"
fi

step done "in $(($(date +%s) - started))s"
