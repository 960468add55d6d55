#!/usr/bin/env bash
# Installs the local Sigstore service stack used by the integration tests:
# pinned server binaries built with "go install module@version", the
# repository's own helpers (oidc-issuer, mkconfig), Trillian's MySQL schema,
# and Debian packages (mariadb-server for Trillian, plus the tools the
# scripts use: curl, openssl, jq, iproute2).
#
#   BIN=${SIGIL_SERVICES_BIN:-$HOME/.cache/sigil/services/bin}
#
# Idempotent: a binary whose stamp file ($BIN/.stamps/NAME) records the same
# module@version and Go version is not rebuilt; apt-get runs only when a
# command is missing. Works on a fresh machine that reaches only the Go
# module proxy and Debian's package mirrors. Prints the time of every step.
#
# Versions are capped by Go 1.26 (GOTOOLCHAIN=local): rekor v1.5.5 and
# rekor-tiles v2.4.x need Go 1.27. See scripts/services/README.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SIGIL_SERVICES_BIN:-$HOME/.cache/sigil/services/bin}
mkdir -p "$BIN/.stamps"
BIN=$(cd "$BIN" && pwd)
GOVERSION=$(go env GOVERSION)

TSA_V=v1.2.9      # github.com/sigstore/timestamp-authority
FULCIO_V=v1.8.8   # github.com/sigstore/fulcio
TILES_V=v2.3.0    # github.com/sigstore/rekor-tiles/v2 (Rekor v2, POSIX backend)
REKOR_V=v1.5.4    # github.com/sigstore/rekor (Rekor v1)
TRILLIAN_V=v1.8.0 # github.com/google/trillian
CTGO_V=v1.4.0     # github.com/google/certificate-transparency-go (ct_server)
# github.com/transparency-dev/witness has no tags: a pinned pseudo-version
# (its go.mod says go 1.25.0).
WITNESS_V=v0.0.0-20260720115447-2e1c6971d19e

secs() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }
T0=$EPOCHREALTIME
STEP='' STEPNAME=''
begin() { STEP=$EPOCHREALTIME STEPNAME=$1; }
end() { printf '== %-56s %s (%ss)\n' "$STEPNAME" "${1:-done}" "$(secs "$STEP")"; }
# quiet CMD...: run CMD with its output in a log that is shown only on failure.
quiet() {
  local out rc=0
  out=$(mktemp)
  "$@" >"$out" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    echo "== $STEPNAME FAILED: $*" >&2
    cat "$out" >&2
  fi
  rm -f "$out"
  return $rc
}

# stamp_ok NAME WANT: the binary exists and was built from WANT.
stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.stamps/$1" 2>/dev/null)" = "$2" ]; }

# goinst MODULE VERSION NAME[=BUILT] PKG...: go install PKG@VERSION... (one
# module, one version, so one go install call) into $BIN; NAME=BUILT renames
# the binary go install produced (BUILT) to NAME. Skipped when every NAME's
# stamp matches. Built in a scratch GOBIN and outside any module, so the
# repository's go.mod/go.sum are never touched.
goinst() {
  local module=$1 version=$2 names=$3; shift 3
  local want="$module@$version $GOVERSION" n all=1
  local shown=()
  for n in ${names//,/ }; do shown+=("${n%%=*}"); done
  begin "${shown[*]} ($module@$version)"
  for n in ${names//,/ }; do stamp_ok "${n%%=*}" "$want" || all=0; done
  if [ $all = 1 ]; then end "up to date"; return 0; fi
  local tmp p specs=()
  tmp=$(mktemp -d "$BIN/.build.XXXXXX")
  for p in "$@"; do specs+=("$p@$version"); done
  (cd "$tmp" && GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -buildvcs=false" quiet go install "${specs[@]}")
  for n in ${names//,/ }; do
    mv -f "$tmp/${n#*=}" "$BIN/${n%%=*}"
    echo "$want" >"$BIN/.stamps/${n%%=*}"
  done
  rm -rf "$tmp"
  end "built"
}

echo "installing into $BIN with $GOVERSION"

# ---- Debian packages (first: fails fast without root/apt) ----
need=()
command -v mariadbd >/dev/null || need+=(mariadb-server)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v jq >/dev/null || need+=(jq)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
begin "apt ${need[*]:-(nothing)}"
if [ ${#need[@]} -gt 0 ]; then
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root or sudo for apt-get install ${need[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  quiet $SUDO apt-get update -qq
  # mariadb-server is only used through our own private mariadbd (start.sh);
  # if the package starts a system instance, that one is left alone.
  quiet $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  end "installed"
else
  end "already installed"
fi

# ---- pinned service binaries ----
goinst github.com/sigstore/timestamp-authority "$TSA_V" timestamp-server \
  github.com/sigstore/timestamp-authority/cmd/timestamp-server
goinst github.com/sigstore/fulcio "$FULCIO_V" fulcio \
  github.com/sigstore/fulcio
goinst github.com/sigstore/rekor-tiles/v2 "$TILES_V" rekor-tiles-posix=posix \
  github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix
goinst github.com/google/trillian "$TRILLIAN_V" trillian_log_server,trillian_log_signer,createtree \
  github.com/google/trillian/cmd/trillian_log_server \
  github.com/google/trillian/cmd/trillian_log_signer \
  github.com/google/trillian/cmd/createtree
goinst github.com/sigstore/rekor "$REKOR_V" rekor-server \
  github.com/sigstore/rekor/cmd/rekor-server
goinst github.com/google/certificate-transparency-go "$CTGO_V" ct_server \
  github.com/google/certificate-transparency-go/trillian/ctfe/ct_server
goinst github.com/transparency-dev/witness "$WITNESS_V" omniwitness,witness-generate-keys=generate_keys \
  github.com/transparency-dev/witness/cmd/omniwitness \
  github.com/transparency-dev/witness/cmd/generate_keys

# ---- Trillian's MySQL schema (start.sh loads it into MariaDB) ----
begin "trillian schema"
want="github.com/google/trillian@$TRILLIAN_V"
if [ -s "$BIN/trillian-storage.sql" ] && [ "$(cat "$BIN/.stamps/trillian-storage.sql" 2>/dev/null)" = "$want" ]; then
  end "up to date"
else
  dir=$(cd / && GOFLAGS='' go mod download -json "$want" | jq -r .Dir)
  cp "$dir/storage/mysql/schema/storage.sql" "$BIN/trillian-storage.sql"
  chmod 644 "$BIN/trillian-storage.sql"
  echo "$want" >"$BIN/.stamps/trillian-storage.sql"
  end "copied"
fi

# ---- OpenID provider for interactive logins: zitadel/oidc v3 (pinned in the
# nested module internal/testservices/oidcprovider, its go.sum checked by the
# go command); rebuilt when that module's files or the Go version change ----
begin "oidc-provider (github.com/zitadel/oidc/v3, internal/testservices/oidcprovider)"
OP_DIR="$ROOT/internal/testservices/oidcprovider"
want="$(cat "$OP_DIR/go.mod" "$OP_DIR/go.sum" "$OP_DIR"/*.go | sha256sum | cut -c1-16) $GOVERSION"
if stamp_ok oidc-provider "$want"; then
  end "up to date"
else
  (cd "$OP_DIR" && GOFLAGS="${GOFLAGS:-} -buildvcs=false" quiet go build -o "$BIN/oidc-provider" .)
  echo "$want" >"$BIN/.stamps/oidc-provider"
  end "built"
fi

# ---- the repository's helpers (stdlib only; the Go build cache makes this cheap) ----
begin "oidc-issuer mkconfig"
(cd "$ROOT" && quiet go build -o "$BIN/oidc-issuer" ./internal/testservices/cmd/oidc-issuer &&
  quiet go build -o "$BIN/mkconfig" ./internal/testservices/cmd/mkconfig)
end "built"

echo "== total $(secs "$T0")s; $(du -sh "$BIN" | cut -f1) in $BIN"
