#!/usr/bin/env bash
# Release rehearsal: runs the `release` profile (GPG signing, the Central Publisher Portal upload)
# with a THROWAWAY key against a stand-in Portal on 127.0.0.1, and checks the uploaded bundle.
#
#   scripts/check-release.sh [maven options...]       # e.g. -Dmaven.repo.local=/path/to/repo
#
# 1. Generates a GPG key that lives only in a temporary GNUPGHOME (no passphrase, expires in one
#    day, deleted on exit). No key is read from or written to the repository or ~/.gnupg.
# 2. Starts a stand-in for the Central Publisher Portal on 127.0.0.1 (a few lines of Python that
#    keep the uploaded bundle and report it "validated"), then
#    mvn -Prelease -DskipTests -Dcentral.baseUrl=http://127.0.0.1:PORT deploy: builds, signs every
#    artifact, bundles them and uploads the bundle, exactly as a release does, but to the stand-in.
#    Nothing leaves the machine but Maven Central downloads.
# 3. Checks the bundle: every published module (the parent pom, icm-bom, icm-core, icm-djl,
#    icm-http, icm-onnx, icm-spark) has its pom, jar, -sources.jar, -javadoc.jar and CycloneDX SBOM (pom-only modules:
#    the pom); every file has checksums and a .asc signature that verifies against the key;
#    icm-examples is absent.
# Runs in a temporary copy of this checkout whose version has -SNAPSHOT removed (a snapshot goes to
# the snapshot repository, without a bundle), with -Dmaven.install.skip (nothing lands in ~/.m2).
# Online only: -o is refused (the publishing and SBOM plugins skip themselves offline).
# Exit 0 when the bundle is complete; exit 1 naming what is missing or wrong; 2 for bad usage.
# A real release: docs/releasing.md.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
log() { printf '[check-release] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

for tool in git gpg mvn python3 tar unzip; do
  command -v "$tool" >/dev/null || { log "needs '$tool' on PATH (Debian: apt-get install gnupg unzip)"; exit 2; }
done

for a in "$@"; do
  if [[ "$a" == -o || "$a" == --offline ]]; then
    log "runs online only: central-publishing-maven-plugin (and the SBOM plugin) skip themselves offline; drop -o"
    exit 2
  fi
done

start=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/icm4j-release.XXXXXX")"
cleanup() {
  gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1 || true
  [[ -z "${portal_pid:-}" ]] || kill "$portal_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-generate-key \
  'icm4j release rehearsal (throwaway, not a release key) <rehearsal@icm4j.invalid>' ed25519 sign 1d 2>/dev/null
gpg --batch --quiet --check-trustdb 2>/dev/null || true
keyid="$(gpg --batch --list-secret-keys --with-colons | awk -F: '/^fpr:/ {print $10; exit}')"
[[ -n "$keyid" ]] || fail "could not generate the throwaway GPG key"
log "throwaway key $keyid in $GNUPGHOME"

# A copy of the checkout (tracked files, and untracked ones that are not ignored) with the release
# version: the plugin publishes a -SNAPSHOT straight to the snapshot repository, with no bundle.
snapshot="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "$root/pom.xml" | head -n 1)"
version="${snapshot%-SNAPSHOT}"
mkdir "$work/src"
(cd "$root" && git ls-files -z -co --exclude-standard \
   | while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done \
   | tar --null -T - -cf -) | tar -xf - -C "$work/src"
find "$work/src" -name pom.xml -exec sed -i "s|<version>$snapshot</version>|<version>$version</version>|" {} +
log "rehearsing the release of $version (from $snapshot) in $work/src"

# The plugin wants the <server> it would upload with even when it uploads nothing: a dummy one, in
# a global settings file (the user's ~/.m2/settings.xml still applies and wins on the same id).
cat >"$work/settings.xml" <<'XML'
<settings>
  <servers>
    <server><id>central</id><username>rehearsal</username><password>not-a-token</password></server>
  </servers>
</settings>
XML

# The stand-in Portal: POST /api/v1/publisher/upload keeps the multipart body (the bundle) and
# answers a deployment id; POST /api/v1/publisher/status answers VALIDATED. It prints its port.
cat >"$work/portal.py" <<'PY'
import http.server, json, sys
out = sys.argv[1]
class Portal(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/api/v1/publisher/upload"):
            with open(out, "wb") as f:
                f.write(body)
            reply, kind, code = b"rehearsal-0001", "text/plain", 201
        elif self.path.startswith("/api/v1/publisher/status"):
            reply = json.dumps({"deploymentId": "rehearsal-0001", "deploymentName": "rehearsal",
                                "deploymentState": "VALIDATED", "purls": [], "errors": {}}).encode()
            kind, code = "application/json", 200
        else:
            reply, kind, code = b"not found", "text/plain", 404
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Portal)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$work/portal.py" "$work/uploaded.multipart" >"$work/portal.port" 2>"$work/portal.log" &
portal_pid=$!
for _ in $(seq 50); do [[ -s "$work/portal.port" ]] && break; sleep 0.1; done
port="$(cat "$work/portal.port")"
[[ -n "$port" ]] || fail "the stand-in Portal did not start: $(cat "$work/portal.log")"

cd "$work/src"
if ! mvn -B -q -gs "$work/settings.xml" -Prelease -DskipTests -Dmaven.install.skip=true \
    -Dcentral.baseUrl="http://127.0.0.1:$port" -Dcentral.waitUntil=validated \
    -Dgpg.keyname="$keyid" "$@" deploy >"$work/mvn.log" 2>&1; then
  tail -n 60 "$work/mvn.log" >&2
  fail "the release build failed (log above)"
fi
[[ -s "$work/uploaded.multipart" ]] || fail "nothing was uploaded to the stand-in Portal"

bundle="$(find . -path '*/target/central-publishing/central-bundle.zip' | head -n 1)"
[[ -n "$bundle" ]] || fail "the central-publishing-maven-plugin left no central-bundle.zip"
# What was uploaded is that bundle: its bytes are inside the multipart body.
python3 -c 'import sys; sys.exit(0 if open(sys.argv[1],"rb").read() in open(sys.argv[2],"rb").read() else 1)' \
  "$bundle" "$work/uploaded.multipart" || fail "the upload is not $bundle"
mkdir "$work/bundle"
unzip -q "$bundle" -d "$work/bundle"
cd "$work/bundle"
dir() { printf 'org/icm4j/%s/%s' "$1" "$version"; }
expect() { [[ -f "$1" ]] || fail "the bundle lacks $1"; }

for m in icm4j-parent icm-bom; do
  expect "$(dir "$m")/$m-$version.pom"
done
for m in icm-core icm-djl icm-http icm-onnx icm-spark; do
  for suffix in .pom .jar -sources.jar -javadoc.jar; do
    expect "$(dir "$m")/$m-$version$suffix"
  done
  expect "$(dir "$m")/$m-$version-cyclonedx.json"
done
expect "$(dir icm-core)/icm-core-$version-tests.jar"
[[ ! -e org/icm4j/icm-examples ]] || fail "the bundle contains icm-examples, which is not published"

files=0
while IFS= read -r f; do
  files=$((files + 1))
  expect "$f.asc"
  expect "$f.sha1"
  expect "$f.md5"
  gpg --batch --quiet --verify "$f.asc" "$f" 2>/dev/null || fail "the signature $f.asc does not verify"
done < <(find . -type f ! -name '*.asc' ! -name '*.md5' ! -name '*.sha1' ! -name '*.sha256' \
           ! -name '*.sha512' ! -name 'maven-metadata*' | sort)
find . -type f ! -name '*.asc' ! -name '*.md5' ! -name '*.sha1' ! -name '*.sha256' ! -name '*.sha512' \
  | sort | sed 's|^\./|  |' >&2
log "bundle ${bundle#./}: $files artifacts, each signed and checksummed; icm-examples left out ($((SECONDS - start)) s)"
