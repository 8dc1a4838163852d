#!/usr/bin/env bash
# Checks that the build is reproducible: two clean builds of this checkout, each in its own copy
# under a different path, must give byte-identical published artifacts (every jar: classes,
# -tests, -sources, -javadoc; and the CycloneDX SBOMs). The timestamps come from
# project.build.outputTimestamp in pom.xml.
#
#   scripts/check-reproducible.sh [maven options...]
#   scripts/check-reproducible.sh -o -Dmaven.repo.local=/path/to/repo     # offline: no SBOMs (the
#                                                                         # plugin runs online only)
#
# Tests are skipped in both builds (.ci/run runs this after `mvn -B verify`, which ran them).
# The first build also runs maven-artifact-plugin's check-buildplan (plugins with known
# reproducibility problems, a missing outputTimestamp). Exit 0 when every artifact is identical;
# exit 1 with the differing files (and, for jars, the differing entries) otherwise.
# Copies the files git knows (tracked, and untracked but not ignored) so uncommitted edits count.
# Environment: ICM4J_REPRO_KEEP=1 keeps the two build directories (printed) for inspection.
set -euo pipefail

ARTIFACT_PLUGIN=org.apache.maven.plugins:maven-artifact-plugin:3.7.0
root="$(cd "$(dirname "$0")/.." && pwd)"
log() { printf '[check-reproducible] %s\n' "$*" >&2; }

for tool in git mvn tar cmp python3; do
  command -v "$tool" >/dev/null || { log "needs '$tool' on PATH"; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/icm4j-repro.XXXXXX")"
if [[ "${ICM4J_REPRO_KEEP:-0}" == 1 ]]; then
  log "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi

copy_tree() {
  mkdir -p "$1"
  (cd "$root" && git ls-files -z -co --exclude-standard \
     | while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done \
     | tar --null -T - -cf -) | tar -xf - -C "$1"
}

build() { # dir, extra goals...
  local dir="$1"; shift
  local start=$SECONDS
  if ! (cd "$dir" && mvn -B -q -DskipTests "${maven_args[@]}" package "$@" >"$dir.log" 2>&1); then
    tail -n 60 "$dir.log" >&2
    log "build in $dir failed (log above)"
    exit 1
  fi
  log "built $(basename "$dir") in $((SECONDS - start)) s"
}

maven_args=("$@")
total=$SECONDS
copy_tree "$work/a"
copy_tree "$work/b-other-path"
build "$work/a" "$ARTIFACT_PLUGIN:check-buildplan"
build "$work/b-other-path"

# The published artifacts: every jar and SBOM under a module's target/ (not the nested build dirs).
list() { (cd "$1" && find . -path '*/target/*' -maxdepth 3 -type f \
            \( -name '*.jar' -o -name 'bom.json' -o -name 'bom.xml' \) | sort); }
list "$work/a" >"$work/a.files"
list "$work/b-other-path" >"$work/b.files"
if ! cmp -s "$work/a.files" "$work/b.files"; then
  log "the two builds made different sets of artifacts:"
  diff "$work/a.files" "$work/b.files" >&2 || true
  exit 1
fi
different=0
count=0
while IFS= read -r f; do
  count=$((count + 1))
  if ! cmp -s "$work/a/$f" "$work/b-other-path/$f"; then
    different=$((different + 1))
    log "DIFFERENT: ${f#./}"
    if [[ "$f" == *.jar ]]; then
      python3 - "$work/a/$f" "$work/b-other-path/$f" <<'EOF' >&2
import sys, zipfile
def entries(p):
    with zipfile.ZipFile(p) as z:
        return {i.filename: (i.CRC, i.date_time, i.external_attr) for i in z.infolist()}
a, b = entries(sys.argv[1]), entries(sys.argv[2])
diff = [n for n in sorted(set(a) | set(b)) if a.get(n) != b.get(n)]
for name in diff[:10]:
    print(f"    {name}: {a.get(name)} vs {b.get(name)}  (crc, time, attributes)")
if len(diff) > 10:
    print(f"    ... and {len(diff) - 10} more of {len(set(a) | set(b))} entries")
EOF
    else
      diff "$work/a/$f" "$work/b-other-path/$f" | head -n 20 >&2 || true
    fi
  fi
done <"$work/a.files"

if ((different > 0)); then
  log "$different of $count artifacts differ between two builds of the same sources (not reproducible)"
  exit 1
fi
# Guard against comparing nothing: each published module must have its jars and its SBOM. The
# CycloneDX plugin declares that it needs online mode, so an offline build (-o) makes no SBOM.
expected=('[0-9T]\.jar' '-sources\.jar' '-javadoc\.jar')
offline=0
for a in "$@"; do [[ "$a" == -o || "$a" == --offline ]] && offline=1; done
for m in icm-core icm-djl icm-http; do
  patterns=("${expected[@]/#/$m-[^/]*}")
  ((offline == 1)) || patterns+=('bom\.json')
  for f in "${patterns[@]}"; do
    grep -q "^\./$m/target/$f\$" "$work/a.files" \
      || { log "no artifact matching $m/target/$f: the build no longer makes it"; exit 1; }
  done
done
if ((offline)); then log "offline (-o): no SBOMs to compare (cyclonedx-maven-plugin runs only online)"; fi

log "$count artifacts byte-identical across two clean builds ($((SECONDS - total)) s)"
