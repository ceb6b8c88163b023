#!/usr/bin/env bash
# Sets up everything wgtune needs on a fresh Debian/Ubuntu machine with Node.js and npm:
#   - Deno (from npm's `deno` package) into ./.tools, linked as ./.tools/bin/deno
#   - Mesa's software Vulkan driver (lavapipe) when no Vulkan driver is installed (CPU-only
#     machines); with WGTUNE_MESA_BACKPORTS=1 on Debian bookworm, Mesa 25 from bookworm-backports
#     instead (also replacing an older lavapipe); a machine with a GPU and its Vulkan driver needs
#     nothing extra.
#   - the npm packages the code imports (fetched into the Deno cache).
# Idempotent: a second run does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")"
DENO_VERSION=2.9.6

log() { printf 'setup: %s\n' "$*" >&2; }

have_vulkan_driver() {
  { compgen -G '/usr/share/vulkan/icd.d/*.json' || compgen -G '/etc/vulkan/icd.d/*.json'; } >/dev/null &&
    [ "$(ldconfig -p 2>/dev/null | grep -c 'libvulkan.so.1')" != 0 ]
}

# True when every installed Vulkan driver is Mesa's software one (lavapipe, lvp_icd.*.json): a
# machine without a GPU. A machine with a GPU driver is left alone.
only_software_vulkan() {
  local icd found=1
  for icd in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
    [ -e "$icd" ] || continue
    case "$(basename "$icd")" in lvp_icd*) found=0 ;; *) return 1 ;; esac
  done
  return $found
}

mesa_major() { # the installed mesa-vulkan-drivers' major version, 0 when unknown
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -oE '^[0-9]+' || echo 0
}

# Mesa 25's lavapipe is needed by Dawn's Vulkan backend and onnxruntime's WebGPU provider (Mesa 22
# lacks features they require), so the benchmarks that compare with onnxruntime want it. But it
# compiles wgtune's large unrolled kernels several times more slowly than Mesa 22 (every storage
# load becomes eight branches), so the default stays with the distribution's Mesa (22 on bookworm).
# WGTUNE_MESA_BACKPORTS=1 installs Mesa 25 from bookworm-backports.
codename=$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true)
packages="mesa-vulkan-drivers libvulkan1 libegl1 libgles2"
apt_target=()
if [ "$codename" = bookworm ] && [ "${WGTUNE_MESA_BACKPORTS:-0}" = 1 ]; then
  apt_target=(-t bookworm-backports)
fi
need_mesa=""
if ! have_vulkan_driver; then
  need_mesa="no Vulkan driver found"
elif [ ${#apt_target[@]} != 0 ] && only_software_vulkan && [ "$(mesa_major)" -lt 25 ]; then
  need_mesa="Mesa $(mesa_major)'s lavapipe is too old for Dawn and onnxruntime (want Mesa 25)"
fi

if [ -n "$need_mesa" ]; then
  as_root=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then as_root=(sudo); fi
  if { [ "$(id -u)" = 0 ] || [ ${#as_root[@]} != 0 ]; } && command -v apt-get >/dev/null; then
    log "$need_mesa: installing Mesa's software Vulkan/GLES drivers${apt_target[*]:+ (${apt_target[*]})}: $packages"
    if [ ${#apt_target[@]} != 0 ] && ! compgen -G '/etc/apt/sources.list.d/*backports*' >/dev/null &&
      ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding Debian's bookworm-backports to /etc/apt/sources.list.d/bookworm-backports.list"
      echo 'deb http://deb.debian.org/debian bookworm-backports main' |
        "${as_root[@]}" tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    fi
    "${as_root[@]}" apt-get update -q >/dev/null
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${apt_target[@]}" $packages >/dev/null
  else
    log "$need_mesa. Install one, for example (Debian bookworm, as root):"
    log "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list"
    log "  apt-get update && apt-get install -y -t bookworm-backports $packages"
    have_vulkan_driver || exit 1
  fi
fi

# WGTUNE_MESA25_BESIDE=1 (Debian bookworm): Mesa 25's lavapipe unpacked into .tools/mesa25 beside
# the system's driver, without replacing it. `.tools/bin/mesa25 CMD...` runs one process on it
# (VK_ICD_FILENAMES names its ICD file, LD_LIBRARY_PATH its newer libdrm); every other process keeps
# the system's Mesa. Dawn and onnxruntime's WebGPU provider need it.
mesa25_beside() {
  local dir=.tools/mesa25 lib
  if [ -x .tools/bin/mesa25 ] && [ -e "$dir/lvp_icd.json" ]; then return 0; fi
  if [ "$codename" != bookworm ]; then
    log "WGTUNE_MESA25_BESIDE=1 needs Debian bookworm (bookworm-backports); skipped"
    return 0
  fi
  as_root=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then as_root=(sudo); fi
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding Debian's bookworm-backports to /etc/apt/sources.list.d/bookworm-backports.list"
    echo 'deb http://deb.debian.org/debian bookworm-backports main' |
      "${as_root[@]}" tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
  "${as_root[@]}" apt-get update -q >/dev/null
  log "unpacking Mesa 25's lavapipe (bookworm-backports) into $dir"
  local debs
  debs=$(mktemp -d)
  chmod a+rwx "$debs"
  (cd "$debs" && apt-get download -q -t bookworm-backports mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 >/dev/null)
  mkdir -p "$dir"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$dir"; done
  rm -rf "$debs"
  lib=$(cd "$dir" && pwd)/usr/lib/x86_64-linux-gnu
  [ -e "$lib/libvulkan_lvp.so" ] || { log "Mesa 25's libvulkan_lvp.so is missing after unpacking"; exit 1; }
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s/libvulkan_lvp.so","api_version":"1.4.305"}}\n' \
    "$lib" >"$dir/lvp_icd.json"
  mkdir -p .tools/bin
  cat >.tools/bin/mesa25 <<WRAPPER
#!/usr/bin/env bash
# Runs one command on Mesa 25's lavapipe from .tools/mesa25 (made by WGTUNE_MESA25_BESIDE=1 setup.sh).
export VK_ICD_FILENAMES="$(cd "$dir" && pwd)/lvp_icd.json"
export LD_LIBRARY_PATH="$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "\$@"
WRAPPER
  chmod +x .tools/bin/mesa25
  log "Mesa 25 beside the system's driver: run '.tools/bin/mesa25 .tools/bin/deno ...'"
}

if [ ! -x .tools/bin/deno ] || ! .tools/bin/deno --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
  log "installing deno $DENO_VERSION from npm into .tools/"
  mkdir -p .tools/bin
  npm install --silent --no-save --no-audit --no-fund --prefix .tools "deno@$DENO_VERSION" 2>&1 |
    grep -v 'nodedir' || true
  bin=$(ls .tools/node_modules/@deno/*/deno 2>/dev/null | head -n 1)
  [ -n "$bin" ] || bin=.tools/node_modules/deno/deno
  ln -sf "$(pwd)/$bin" .tools/bin/deno
fi
.tools/bin/deno --version | head -n 1 >&2

# Fetch the npm packages (commander, webgpu) into Deno's cache.
ONNXRUNTIME_NODE_INSTALL=skip .tools/bin/deno install --quiet >/dev/null 2>&1 ||
  ONNXRUNTIME_NODE_INSTALL=skip .tools/bin/deno install
if [ "${WGTUNE_MESA25_BESIDE:-0}" = 1 ]; then mesa25_beside; fi
log "ready: run '.tools/bin/deno task tune' or '.tools/bin/deno task test'"
