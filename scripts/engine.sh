#!/usr/bin/env bash
# A private container engine for the tests and the image builds: podman serving the Docker Engine
# API on a Unix socket of its own, with its own containers.conf and storage config. It never
# touches a machine-wide docker or podman socket.
#
#   scripts/engine.sh install      installs podman, runc, debootstrap, podman-compose (Debian)
#   scripts/engine.sh start DIR    writes DIR/containers.conf, DIR/storage.conf, DIR/env and starts
#                                  `podman system service` on unix://DIR/podman.sock; prints the
#                                  DOCKER_HOST value (last line)
#   scripts/engine.sh stop DIR     stops it, removes the containers it still runs, and undoes the
#                                  bridge and firewall chains it added
#   scripts/engine.sh env DIR      prints the exports for the podman CLI on the same storage
#
# Images live in a storage shared by every engine started here (INFERNET_ENGINE_STORAGE, default
# ~/.cache/infernet-swift/engine-storage) so scripts/images.sh builds them once for all tests.
# Facts behind the settings (podman 4.3 on this kind of machine): crun fails with cgroups in
# hybrid mode, so runc; the default ulimits cannot be set, so explicit ones; cgroupfs, no systemd.
set -euo pipefail

storage_root=${INFERNET_ENGINE_STORAGE:-$HOME/.cache/infernet-swift/engine-storage}
# Podman records its run and temporary directories in its database and refuses another, and the
# engine's cleanup process (which restarts containers by their restart policy) is started by
# conmon without our containers.conf: so they are fixed per storage, on a tmpfs when there is one
# (they must not outlive a reboot).
state_base=/run
[ -w /run ] || state_base=${XDG_RUNTIME_DIR:-/tmp}
state_root="$state_base/infernet-engine-$(echo -n "$storage_root" | sha256sum | cut -c1-12)"

die() { echo "engine.sh: $*" >&2; exit 1; }

install_packages() {
  local missing=()
  for tool in podman runc debootstrap podman-compose iptables; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  # Name resolution between compose services (deploy/compose.yaml) on a CNI network.
  [ -x /usr/lib/cni/dnsname ] || missing+=(dnsname)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "engine.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends podman runc debootstrap podman-compose iptables uidmap \
    containernetworking-plugins golang-github-containernetworking-plugin-dnsname dnsmasq-base \
    slirp4netns fuse-overlayfs >/dev/null
}

write_config() {
  local dir=$1
  mkdir -p "$state_root/run" "$state_root/tmp" "$dir/cni" "$storage_root"
  cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$state_root/tmp"

[network]
network_backend = "cni"
network_config_dir = "$dir/cni"
EOF
  cat >"$dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$storage_root/storage"
runroot = "$state_root/run"
EOF
  cat >"$dir/env" <<EOF
export CONTAINERS_CONF=$dir/containers.conf
export CONTAINERS_STORAGE_CONF=$dir/storage.conf
export DOCKER_HOST=unix://$dir/podman.sock
EOF
}

# The host state the engine may change: the CNI bridge and the CNI firewall chains.
host_state() {
  { ip -o link show 2>/dev/null | awk -F': ' '{print "link " $2}' | grep -E 'cni-podman|podman' || true
    for table in filter nat; do
      iptables -t "$table" -S 2>/dev/null | awk -v t="$table" '$1 == "-N" {print "chain " t " " $2}' | grep -E ' CNI-' || true
    done; } | sort
}

start() {
  local dir=$1
  install_packages
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ${#dir} -lt 90 ] || die "DIR '$dir' is too long for a Unix socket path; use a shorter one"
  if [ -f "$dir/service.pid" ] && kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
    echo "unix://$dir/podman.sock"; return 0
  fi
  write_config "$dir"
  [ -f "$dir/host-state.before" ] || host_state >"$dir/host-state.before"
  rm -f "$dir/podman.sock"
  # shellcheck disable=SC1091
  source "$dir/env"
  setsid podman system service --time=0 "unix://$dir/podman.sock" >"$dir/service.log" 2>&1 &
  echo $! >"$dir/service.pid"
  for _ in $(seq 1 200); do
    if [ -S "$dir/podman.sock" ] && curl -fsS --max-time 2 --unix-socket "$dir/podman.sock" \
        http://localhost/_ping >/dev/null 2>&1; then
      echo "unix://$dir/podman.sock"; return 0
    fi
    kill -0 "$(cat "$dir/service.pid")" 2>/dev/null || { tail -20 "$dir/service.log" >&2; die "podman system service exited"; }
    sleep 0.1
  done
  tail -20 "$dir/service.log" >&2
  die "podman system service did not answer on $dir/podman.sock within 20 s"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/env" ] || return 0
  # shellcheck disable=SC1091
  source "$dir/env"
  # Containers still running here: stopped and removed so no conmon or port forward outlives us.
  timeout 60 podman rm --all --force --time 2 >/dev/null 2>&1 || true
  # Networks made here (compose projects): removing one stops its dnsmasq and its bridge.
  for conf in "$dir"/cni/*.conflist; do
    [ -f "$conf" ] || continue
    timeout 30 podman network rm -f "$(basename "$conf" .conflist)" >/dev/null 2>&1 || true
  done
  if [ -f "$dir/service.pid" ]; then
    local pid
    pid=$(cat "$dir/service.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/service.pid"
  fi
  rm -f "$dir/podman.sock"
  # Undo what the engine added to the host: only what was not there before it started.
  local before="$dir/host-state.before"
  [ -f "$before" ] || return 0
  host_state | comm -13 "$before" - | while read -r kind a b; do
    case $kind in
      link) ip link delete "${a%%@*}" 2>/dev/null || true ;;
      chain)
        # Remove the rules jumping to the chain, then the chain itself.
        { iptables -t "$a" -S 2>/dev/null | grep -E -- "-j $b( |\$)" || true; } | sed 's/^-A /-D /' | while read -r rule; do
          # shellcheck disable=SC2086
          eval "iptables -t $a $rule" 2>/dev/null || true
        done
        iptables -t "$a" -F "$b" 2>/dev/null || true
        ;;
    esac
  done
  # Second pass for the chains: a chain can only go once nothing jumps to it.
  host_state | comm -13 "$before" - | while read -r kind a b; do
    if [ "$kind" = chain ]; then iptables -t "$a" -X "$b" 2>/dev/null || true; fi
  done
  rm -f "$before"
}

case ${1:-} in
  install) install_packages ;;
  start) [ $# -eq 2 ] || die "usage: engine.sh start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: engine.sh stop DIR"; stop "$2" ;;
  env) [ $# -eq 2 ] || die "usage: engine.sh env DIR"; write_config "$(mkdir -p "$2" && cd "$2" && pwd)"; cat "$(cd "$2" && pwd)/env" ;;
  *) die "usage: engine.sh install | start DIR | stop DIR | env DIR" ;;
esac
