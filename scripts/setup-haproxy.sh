#!/usr/bin/env bash
# Installs HAProxy the way a user on Debian or Ubuntu would (the distribution's package, through
# apt-get), for the scale demonstration: two llama-server replicas behind HAProxy, which hashes a
# batch's routing header onto one replica (docs/scale.md). Nothing is written into the repository.
#
#   scripts/setup-haproxy.sh            # installs the package if needed, then prints the binary's path
#   scripts/setup-haproxy.sh --print    # prints the path of an installed haproxy, installs nothing (exit 1 if absent)
#
# The last line on stdout is the absolute path of the binary; progress goes to stderr.
# Idempotent: when haproxy is already installed (any version >= 2.0, which has `hash-type consistent`
# with `balance hdr(...)`), it only prints the path. apt-get keeps its downloads in its own cache
# (/var/cache/apt), outside the repository. Needs root (or sudo) for the install step.
set -euo pipefail

log() { printf '[setup-haproxy] %s\n' "$*" >&2; }

find_binary() {
  local b
  b="$(command -v haproxy 2>/dev/null || true)"
  [[ -z "$b" && -x /usr/sbin/haproxy ]] && b=/usr/sbin/haproxy
  [[ -n "$b" ]] && "$b" -v >/dev/null 2>&1 && echo "$b"
}

if [[ "${1:-}" == "--print" ]]; then
  if b="$(find_binary)"; then echo "$b"; exit 0; fi
  log "haproxy is not installed; run scripts/setup-haproxy.sh (Debian: apt-get install haproxy)"
  exit 1
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [--print]" >&2
  exit 2
fi

if b="$(find_binary)"; then
  log "installed: $("$b" -v | head -n 1)"
  echo "$b"
  exit 0
fi

command -v apt-get >/dev/null || { log "no apt-get: install HAProxy >= 2.0 with your system's package manager"; exit 1; }
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { log "installing a package needs root: run as root or install sudo"; exit 1; }
  sudo=(sudo)
fi
log "installing the Debian package haproxy (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
# --no-install-recommends: the proxy only; the demonstration starts its own haproxy process with its
# own configuration (the package's service is not used and not started here).
"${sudo[@]}" apt-get install -y -qq --no-install-recommends haproxy >&2
# The package may start its system service; the demonstration does not use it, so stop it if it runs.
if command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then
  "${sudo[@]}" systemctl stop haproxy >&2 || true
fi
b="$(find_binary)" || { log "apt-get finished but no working haproxy binary was found"; exit 1; }
log "installed: $("$b" -v | head -n 1)"
echo "$b"
