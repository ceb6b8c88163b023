#!/usr/bin/env bash
# Sets up everything wgtune needs on a fresh Debian/Ubuntu machine with Node.js and npm:
#   - Deno (from npm's `deno` package) into ./.tools, linked as ./.tools/bin/deno
#   - Mesa's software Vulkan driver (lavapipe) when no Vulkan driver is installed (CPU-only
#     machines); a machine with a GPU and its Vulkan driver needs nothing extra.
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

if ! have_vulkan_driver; then
  packages="mesa-vulkan-drivers libvulkan1 libegl1 libgles2"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Mesa's software Vulkan/GLES drivers: $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $packages >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    log "installing Mesa's software Vulkan/GLES drivers with sudo: $packages"
    sudo apt-get update -q >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages >/dev/null
  else
    log "no Vulkan driver found. Install one, for example (Debian/Ubuntu, as root):"
    log "  apt-get install -y mesa-vulkan-drivers libvulkan1 libegl1 libgles2"
    exit 1
  fi
fi

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
log "ready: run '.tools/bin/deno task tune' or '.tools/bin/deno task test'"
