#!/usr/bin/env bash
# Builds the container images of the node and of every pre-built service from this repository,
# with no registry: the Swift ones FROM scratch (the executable plus the shared libraries `ldd`
# finds, and the dynamic loader), the Python ones on a Debian base image this script makes with
# debootstrap from the apt mirror the machine is configured with.
#
#   scripts/images.sh [--bin DIR] [--release] [IMAGE...]
#
# IMAGE: hello-world echo css tgi hf node python-base onnx torch ezkl (default: all of them).
# Swift executables: from --bin DIR (e.g. the debug build scripts/test.sh makes), else built here
# (`swift build`, or `swift build -c release --static-swift-stdlib` with --release).
# Images go into the storage of scripts/engine.sh (INFERNET_ENGINE_STORAGE), tagged
# infernet-swift/NAME:latest (podman stores them as localhost/infernet-swift/NAME). Prints each
# image's size and build time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bin=""
release=0
images=()
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$(cd "$2" && pwd); shift 2 ;;
    --release) release=1; shift ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) images+=("$1"); shift ;;
  esac
done
[ ${#images[@]} -gt 0 ] || images=(hello-world echo css tgi hf node python-base onnx torch ezkl)

bash scripts/engine.sh install
work=$(mktemp -d /tmp/infernet-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The podman CLI on the engine's storage, without a service (builds need none).
eval "$(bash scripts/engine.sh env "$work/engine")"
unset DOCKER_HOST
build() { podman build --network=none --quiet "$@" >/dev/null; }

swift_bin() {
  if [ -z "$bin" ]; then
    if [ $release = 1 ]; then
      swift build -c release --static-swift-stdlib >&2
      bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
    else
      swift build >&2
      bin=$(swift build --show-bin-path)
    fi
  fi
  echo "$bin"
}

# Copies executables and every shared library they load (and the loader) into the root DIR.
stage_swift() {
  local rootfs=$1; shift
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/tmp" "$rootfs/etc"
  chmod 1777 "$rootfs/tmp"
  local b
  b=$(swift_bin)
  for exe in "$@"; do
    [ -x "$b/$exe" ] || { echo "images.sh: $b/$exe is missing (build it first)" >&2; exit 1; }
    cp "$b/$exe" "$rootfs/usr/local/bin/"
    # Debug info is most of a debug build's size and of no use in an image.
    strip --strip-debug "$rootfs/usr/local/bin/$exe"
    ldd "$b/$exe" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
      mkdir -p "$rootfs$(dirname "$lib")"
      cp -L -n "$lib" "$rootfs$lib"
    done
  done
  # Name resolution and CA roots for the API-client services; nobody as the user.
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  printf 'root:x:0:0::/:/bin/false\nnobody:x:65534:65534::/:/bin/false\n' >"$rootfs/etc/passwd"
  if [ -d /etc/ssl/certs ]; then mkdir -p "$rootfs/etc/ssl"; cp -rL /etc/ssl/certs "$rootfs/etc/ssl/"; fi
}

swift_service() {
  local name=$1 exe=$2; shift 2
  local dir="$work/$name"
  stage_swift "$dir/rootfs" "$exe"
  cat >"$dir/Containerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV HOST=0.0.0.0 PORT=3000
USER 65534
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/$exe"]
CMD [$( [ $# -eq 0 ] || printf '"%s",' "$@" | sed 's/,$//')]
EOF
  build -t "infernet-swift/$name" "$dir"
}

node_image() {
  local dir="$work/node"
  stage_swift "$dir/rootfs" infernet-node infernet-gateway infernet-compute infernet-chain infernet-payment infernet-hello-world
  mkdir -p "$dir/rootfs/etc/infernet" "$dir/rootfs/var/infernet"
  cp deploy/config.default.json "$dir/rootfs/etc/infernet/config.json"
  cat >"$dir/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
WORKDIR /var/infernet
EXPOSE 4000
ENTRYPOINT ["/usr/local/bin/infernet-node"]
CMD ["--config", "/etc/infernet/config.json"]
EOF
  build -t infernet-swift/node "$dir"
}

# Debian bookworm (minbase + python3) from the configured apt mirror, imported as an image.
base_done=0
python_base() {
  [ $base_done = 0 ] || return 0
  base_done=1
  podman image exists infernet-swift/python-base && [ "${INFERNET_IMAGES_REBUILD_BASE:-0}" != 1 ] && return 0
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || { echo "images.sh: no apt mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  local rootfs="$work/python-base"
  debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # What a service never reads: package caches, documentation, manuals, translations.
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"* "$rootfs/usr/share/doc" \
    "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale"
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["/usr/bin/python3"]' - infernet-swift/python-base >/dev/null
}

# A Python service on python-base: its pinned packages installed for the image's Python (the
# same Debian release, so the same Python ABI as here) and the services package.
python_service() {
  local name=$1; shift
  python_base
  local dir="$work/$name"
  mkdir -p "$dir/site" "$dir/app"
  # A pip of its own (a bare venv), so nothing installed on this machine is taken as present.
  [ -x "$work/pip/bin/pip" ] || python3 -m venv "$work/pip" >&2
  "$work/pip/bin/pip" install --quiet --disable-pip-version-check --no-compile --target "$dir/site" "$@" >&2
  cp -r services "$dir/app/"
  find "$dir/app" -name __pycache__ -prune -exec rm -rf {} +
  cat >"$dir/Containerfile" <<EOF
FROM infernet-swift/python-base
COPY site/ /opt/infernet/site/
COPY app/ /opt/infernet/app/
# HOME: the services run as nobody, who has none; ezkl (for one) fails to prove without a writable one.
ENV PYTHONPATH=/opt/infernet/site:/opt/infernet/app HOST=0.0.0.0 PORT=3000 PYTHONDONTWRITEBYTECODE=1 HOME=/tmp
WORKDIR /opt/infernet/app
USER 65534
EXPOSE 3000
ENTRYPOINT ["/usr/bin/python3", "-m", "services.$name"]
EOF
  build -t "infernet-swift/$name" "$dir"
}

pins() {  # the pinned versions of the named packages from the services' requirements files
  local pattern
  pattern=$(printf '^%s==|' "$@" | sed 's/|$//')
  grep -hE "$pattern" services/requirements.txt services/requirements-torch.txt services/requirements-ezkl.txt 2>/dev/null | sed 's/[[:space:]]*#.*//'
}

for image in "${images[@]}"; do
  started=$(date +%s.%N)
  case $image in
    hello-world) swift_service hello-world infernet-hello-world ;;
    echo) swift_service echo infernet-hello-world --mode echo ;;
    css) swift_service css infernet-css ;;
    tgi) swift_service tgi infernet-tgi ;;
    hf) swift_service hf infernet-hf ;;
    node) node_image ;;
    python-base) python_base ;;
    onnx) mapfile -t req < <(pins numpy onnxruntime aiohttp eth-abi python-dotenv); python_service onnx "${req[@]}" ;;
    torch)
      mapfile -t req < <(pins numpy torch scikit-learn onnx onnxruntime aiohttp eth-abi python-dotenv)
      python_service torch "${req[@]}" ;;
    ezkl) mapfile -t req < <(pins numpy onnxruntime aiohttp eth-abi python-dotenv ezkl); python_service ezkl "${req[@]}" ;;
    *) echo "images.sh: unknown image '$image'" >&2; exit 2 ;;
  esac
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  size=$(podman image inspect --format '{{.Size}}' "infernet-swift/$image")
  printf 'image infernet-swift/%-12s %7.1f MB  built in %5.1f s\n' "$image" "$(echo "$size / 1000000" | bc -l)" "$elapsed"
done
