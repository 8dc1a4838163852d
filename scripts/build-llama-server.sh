#!/usr/bin/env bash
# Builds llama.cpp's llama-server offline from the source that the npm package node-llama-cpp ships
# (llama/gitRelease.bundle, a git bundle of llama.cpp at the commit of its release v0.4.0), and
# caches the binary OUTSIDE the repository. Nothing of llama.cpp is ever written into the repo.
#
#   scripts/build-llama-server.sh            # builds once (~16 min on 2 cores), then prints the path
#   scripts/build-llama-server.sh --print    # prints the cached binary's path, builds nothing (exit 1 if absent)
#
# The last line on stdout is the absolute path of the binary; progress goes to stderr.
# Environment:
#   ICM4J_CACHE_DIR    cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/icm4j)
#   ICM4J_BUILD_JOBS   parallel compile jobs (default: nproc)
#   ICM4J_BUILD_NICE   niceness of the compile (default 10; the machine is shared)
# Idempotent: a second run finds the cached binary and returns at once. Concurrent runs wait on a lock.
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.21.1
# sha256 of the bundle inside node-llama-cpp-3.21.1.tgz: the source is exactly the one that was tested.
BUNDLE_SHA256=9336d8aab8f8e6a8919380f3641fe92e57b02fb55df1b6bd083b82491a6293b8
LLAMA_COMMIT=80fb11ac73e66d89eae2c6a91d8a77428fa733ed
CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF
)

cache_root="${ICM4J_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/icm4j}"
flags_hash="$(printf '%s\n' "$LLAMA_COMMIT" "${CMAKE_FLAGS[@]}" | sha256sum | cut -c1-12)"
dest_dir="$cache_root/llama-server/node-llama-cpp-$NODE_LLAMA_CPP_VERSION-$flags_hash"
binary="$dest_dir/llama-server"

log() { printf '[build-llama-server] %s\n' "$*" >&2; }

works() { [[ -x "$1" ]] && "$1" --version >/dev/null 2>&1; }

if [[ "${1:-}" == "--print" ]]; then
  if works "$binary"; then echo "$binary"; exit 0; fi
  log "no cached llama-server at $binary; run scripts/build-llama-server.sh to build it"
  exit 1
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [--print]" >&2
  exit 2
fi

for tool in npm tar git cmake c++ sha256sum flock; do
  command -v "$tool" >/dev/null || { log "needs '$tool' on PATH (Debian: apt-get install nodejs npm git cmake g++ util-linux)"; exit 1; }
done

mkdir -p "$dest_dir"
exec 9>"$dest_dir/.lock"
flock 9
if works "$binary"; then
  log "cached: $binary"
  echo "$binary"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/icm4j-llama-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "building llama-server (node-llama-cpp@$NODE_LLAMA_CPP_VERSION, llama.cpp $LLAMA_COMMIT) in $work"

( cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null )
tar -xzf "$work/node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz" -C "$work" package/llama/gitRelease.bundle
bundle="$work/package/llama/gitRelease.bundle"
actual="$(sha256sum "$bundle" | cut -d' ' -f1)"
if [[ "$actual" != "$BUNDLE_SHA256" ]]; then
  log "gitRelease.bundle has sha256 $actual, expected $BUNDLE_SHA256; refusing to build unknown source"
  exit 1
fi
git -c advice.detachedHead=false clone --quiet "$bundle" "$work/llama.cpp"
git -C "$work/llama.cpp" -c advice.detachedHead=false checkout --quiet "$LLAMA_COMMIT"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
jobs="${ICM4J_BUILD_JOBS:-$(nproc)}"
niceness="${ICM4J_BUILD_NICE:-10}"
start=$SECONDS
nice -n "$niceness" cmake -S "$work/llama.cpp" -B "$work/build" "${generator[@]}" "${CMAKE_FLAGS[@]}" >"$work/cmake.log" 2>&1 \
  || { tail -n 40 "$work/cmake.log" >&2; log "cmake configure failed"; exit 1; }
nice -n "$niceness" cmake --build "$work/build" --target llama-server -j "$jobs" >"$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log" >&2; log "build failed"; exit 1; }

built="$work/build/bin/llama-server"
works "$built" || { log "built binary does not run: $built"; exit 1; }
cp "$built" "$binary.tmp.$$"
mv -f "$binary.tmp.$$" "$binary"
"$binary" --version >"$dest_dir/VERSION" 2>&1 || true
printf 'node-llama-cpp %s\nllama.cpp %s\ncmake %s\n' "$NODE_LLAMA_CPP_VERSION" "$LLAMA_COMMIT" "${CMAKE_FLAGS[*]}" >>"$dest_dir/VERSION"
log "built in $((SECONDS - start)) s: $binary"
echo "$binary"
