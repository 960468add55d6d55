#!/usr/bin/env bash
# Starts the local Sigstore stack on 127.0.0.1, in dependency order, and
# waits until every service is healthy:
#
#   oidc-issuer (email identities)  :8088   + Rekor v2 tiles file server :3080
#   oidc-issuer (CI identities)     :8089
#   timestamp-server v1.2.9         :3004   (file signer; metrics *:2112)
#   rekor-tiles v2.3.0 (POSIX)      :3003   (gRPC :3013, metrics :2114)
#   mariadbd (private instance)     :3306
#   trillian_log_server v1.8.0      :8090   (HTTP :8091)
#   trillian_log_signer v1.8.0      :8190   (HTTP :8191)
#   rekor-server v1.5.4             :3000   (Rekor v1; tree created here)
#   ct_server v1.4.0                :6962   (prefix /test, metrics :6963; tree created here)
#   fulcio v1.8.8                   :5555   (gRPC :5554, metrics *:2113; file CA, CT log above)
#
# Run it inside a private network namespace (run-in-netns.sh): three of the
# servers listen on all interfaces. Every run generates new throwaway keys and
# CAs under $STATE/pki and new logs; PIDs go to $STATE/pids/NAME.pid (stop.sh
# stops by those PIDs only), server output to $STATE/logs/NAME.log. At the end
# mkconfig -check compares the material with what the services publish and
# writes $STATE/config/{trusted_root,signing_config.v0.2,trust_config}.json;
# $STATE/stack.env lists the URLs and paths (read by internal/testservices).
#
#   SIGIL_SERVICES_BIN    binaries from install.sh (default ~/.cache/sigil/services/bin)
#   SIGIL_SERVICES_STATE  scratch directory (default /tmp/sigil-services)
set -euo pipefail
BIN=${SIGIL_SERVICES_BIN:-$HOME/.cache/sigil/services/bin}
STATE=${SIGIL_SERVICES_STATE:-/tmp/sigil-services}
T0=$EPOCHREALTIME
secs() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN{printf "%.2f", a-b}'; }
log() { echo "[$(secs "$T0")s] $*"; }
die() { echo "start.sh: $*" >&2; exit 1; }

# The network namespace must have no interface but lo (/proc/net/dev lists
# the interfaces of the reader's namespace).
ifaces=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 != "lo") printf "%s ", $1 }' /proc/net/dev)
if [ -n "$ifaces" ] && [ "${SIGIL_SERVICES_HOST_NETWORK:-}" != 1 ]; then
  die "this network namespace has interfaces other than lo ($ifaces); run it through
scripts/services/run-in-netns.sh: timestamp-server, rekor-server and fulcio listen on all
interfaces. SIGIL_SERVICES_HOST_NETWORK=1 overrides."
fi
for b in oidc-issuer mkconfig timestamp-server rekor-tiles-posix trillian_log_server trillian_log_signer \
  createtree rekor-server ct_server fulcio trillian-storage.sql; do
  [ -e "$BIN/$b" ] || die "$BIN/$b missing: run scripts/services/install.sh"
done
for c in mariadbd mariadb-install-db mariadb curl openssl; do
  command -v $c >/dev/null || die "$c missing: run scripts/services/install.sh"
done
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
shopt -s nullglob
for f in "$STATE"/pids/*.pid; do
  if kill -0 "$(cat "$f")" 2>/dev/null; then
    die "$f: a stack is already running in $STATE; stop it first (scripts/services/stop.sh)"
  fi
done
shopt -u nullglob
# Fresh state: only the directories this script creates are removed.
rm -rf "$STATE"/{pids,logs,pki,mysql,rekor2,config,smoke,oidc} "$STATE/stack.env"
mkdir -p "$STATE"/{pids,logs,pki,mysql,rekor2,config,oidc}
cd "$STATE"

# start NAME CMD...: start a server in its own session (a later kill by PID
# hits only it) and record its PID. In a non-interactive shell "setsid cmd &"
# does not fork again, so $! is the server's own PID.
start() {
  local name=$1; shift
  setsid "$@" >"logs/$name.log" 2>&1 </dev/null &
  echo $! >"pids/$name.pid"
  # Its start time (in clock ticks since boot) lets stop.sh tell it from a
  # later process that reuses the PID.
  awk '{print $22}' "/proc/$!/stat" >"pids/$name.started" 2>/dev/null || true
}
# wait_http URL [NAME]: poll every 50 ms for up to 30 s; on timeout show the log.
wait_http() {
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null --max-time 2 "$1" && return 0
    if [ -n "${2:-}" ] && ! kill -0 "$(cat "pids/$2.pid")" 2>/dev/null; then
      echo "start.sh: $2 exited; last lines of logs/$2.log:" >&2; tail -20 "logs/$2.log" >&2; exit 1
    fi
    sleep 0.05
  done
  echo "start.sh: timeout waiting for $1" >&2
  [ -n "${2:-}" ] && tail -20 "logs/$2.log" >&2
  exit 1
}
trap 'echo "start.sh failed; servers started so far keep running: run scripts/services/stop.sh" >&2' ERR

# ---- MariaDB data directory (1-2 s; runs while the keys are generated) ----
cat >mysql/my.cnf <<EOF
[mysqld]
datadir=$STATE/mysql/data
socket=$STATE/mysql/mysqld.sock
pid-file=$STATE/mysql/mysqld.pid
bind-address=127.0.0.1
port=3306
user=root
skip-name-resolve
innodb_buffer_pool_size=64M
performance_schema=OFF
log-error=$STATE/logs/mariadb-error.log
[client]
socket=$STATE/mysql/mysqld.sock
EOF
mariadb-install-db --defaults-file=mysql/my.cnf --auth-root-authentication-method=normal \
  >logs/mariadb-install.log 2>&1 &
install_db=$!

# ---- throwaway keys and CAs ----
cat >pki/ext.cnf <<'EOF'
[req]
distinguished_name=dn
[dn]
[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[fulcio_inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa_inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
extendedKeyUsage=timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa_leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
PASS=sigil-test # password of the encrypted keys (Fulcio and Rekor v1 want one)
eckey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# issue NAME ISSUER SUBJECT EXT: certificate pki/NAME.pem for pki/NAME.key, signed by ISSUER.
issue() {
  eckey "pki/$1.key"
  if [ "$2" = self ]; then
    openssl req -new -x509 -key "pki/$1.key" -subj "$3" -days 30 -config pki/ext.cnf -extensions "$4" -out "pki/$1.pem"
  else
    openssl req -new -key "pki/$1.key" -subj "$3" -config pki/ext.cnf -out "pki/$1.csr"
    openssl x509 -req -in "pki/$1.csr" -CA "pki/$2.pem" -CAkey "pki/$2.key" -set_serial "0x$(openssl rand -hex 8)" \
      -days 30 -extfile pki/ext.cnf -extensions "$4" -out "pki/$1.pem" 2>/dev/null
  fi
}
issue fulcio-root self "/O=sigil-test/CN=Test Fulcio Root" root
issue fulcio-inter fulcio-root "/O=sigil-test/CN=Test Fulcio Intermediate" fulcio_inter
openssl pkcs8 -topk8 -v2 aes-256-cbc -in pki/fulcio-inter.key -passout "pass:$PASS" -out pki/fulcio-inter.enc.key
cat pki/fulcio-inter.pem pki/fulcio-root.pem >pki/fulcio-chain.pem # issuing CA first, root last
issue tsa-root self "/O=sigil-test/CN=Test TSA Root" root
issue tsa-inter tsa-root "/O=sigil-test/CN=Test TSA Intermediate" tsa_inter
issue tsa-leaf tsa-inter "/O=sigil-test/CN=Test TSA Signer" tsa_leaf
cat pki/tsa-leaf.pem pki/tsa-inter.pem pki/tsa-root.pem >pki/tsa-chain.pem # leaf first
eckey pki/rekor1.raw.key
openssl pkcs8 -topk8 -v2 aes-256-cbc -in pki/rekor1.raw.key -passout "pass:$PASS" -out pki/rekor1.key
openssl pkey -in pki/rekor1.raw.key -pubout -out pki/rekor1.pub
openssl genpkey -algorithm ed25519 -out pki/rekor2.key
openssl pkey -in pki/rekor2.key -pubout -out pki/rekor2.pub
eckey pki/ct.key
openssl pkey -in pki/ct.key -pubout -out pki/ct.pub
openssl pkcs8 -topk8 -nocrypt -in pki/ct.key -outform DER -out pki/ct.key.der
rm -f pki/*.csr
log "keys and CAs generated"

# ---- OIDC issuers (+ read-only file server for the Rekor v2 tiles) ----
start oidc "$BIN/oidc-issuer" -addr 127.0.0.1:8088 -issuer http://127.0.0.1:8088 -key-dir oidc/email \
  -files-dir rekor2 -files-addr 127.0.0.1:3080
start oidc-ci "$BIN/oidc-issuer" -addr 127.0.0.1:8089 -issuer http://127.0.0.1:8089 -key-dir oidc/ci

# ---- Timestamp authority: first, it exits if *:2112 (metrics) is taken ----
start tsa "$BIN/timestamp-server" serve --host 127.0.0.1 --port 3004 \
  --timestamp-signer file --file-signer-key-path pki/tsa-leaf.key \
  --certificate-chain-path pki/tsa-chain.pem --disable-ntp-monitoring

# ---- Rekor v2 (rekor-tiles, POSIX storage; origin = --hostname) ----
start rekor2 "$BIN/rekor-tiles-posix" serve --http-address 127.0.0.1 --http-port 3003 \
  --grpc-address 127.0.0.1 --grpc-port 3013 --http-metrics-port 2114 \
  --hostname 127.0.0.1:3003 --storage-dir rekor2 --signer-filepath pki/rekor2.key \
  --checkpoint-interval 1s

# ---- MariaDB + Trillian ----
wait $install_db || { tail -20 logs/mariadb-install.log >&2; die "mariadb-install-db failed"; }
start mariadb mariadbd --defaults-file="$STATE/mysql/my.cnf"
for _ in $(seq 1 300); do
  mariadb-admin --defaults-file=mysql/my.cnf -uroot ping >/dev/null 2>&1 && break
  kill -0 "$(cat pids/mariadb.pid)" 2>/dev/null || { tail -20 logs/mariadb-error.log >&2; die "mariadbd exited"; }
  sleep 0.05
done
mariadb --defaults-file=mysql/my.cnf -uroot -e "CREATE DATABASE trillian;
  CREATE USER 'trillian'@'127.0.0.1' IDENTIFIED BY 'trillian';
  GRANT ALL ON trillian.* TO 'trillian'@'127.0.0.1';"
mariadb --defaults-file=mysql/my.cnf -uroot trillian <"$BIN/trillian-storage.sql"
log "mariadb up, trillian schema loaded"
DSN='trillian:trillian@tcp(127.0.0.1:3306)/trillian'
start trillian-server "$BIN/trillian_log_server" --storage_system=mysql --mysql_uri="$DSN" \
  --rpc_endpoint=127.0.0.1:8090 --http_endpoint=127.0.0.1:8091
start trillian-signer "$BIN/trillian_log_signer" --storage_system=mysql --mysql_uri="$DSN" \
  --rpc_endpoint=127.0.0.1:8190 --http_endpoint=127.0.0.1:8191 --force_master
wait_http http://127.0.0.1:8091/healthz trillian-server
wait_http http://127.0.0.1:8191/healthz trillian-signer
REKOR1_TREE=$("$BIN/createtree" --admin_server=127.0.0.1:8090 --tree_type=LOG --display_name=rekor 2>>logs/createtree.log)
CT_TREE=$("$BIN/createtree" --admin_server=127.0.0.1:8090 --tree_type=LOG --display_name=ctlog 2>>logs/createtree.log)
log "trillian up (trees: rekor $REKOR1_TREE, ct $CT_TREE)"

# ---- Rekor v1 ----
start rekor1 "$BIN/rekor-server" serve --rekor_server.address 127.0.0.1 --port 3000 \
  --trillian_log_server.address 127.0.0.1 --trillian_log_server.port 8090 \
  --trillian_log_server.tlog_id "$REKOR1_TREE" \
  --rekor_server.signer pki/rekor1.key --rekor_server.signer-passwd "$PASS" \
  --rekor_server.hostname 127.0.0.1:3000 \
  --search_index.storage_provider mysql --search_index.mysql.dsn "$DSN"

# ---- CT log: certificate-transparency-go ct_server on the same Trillian ----
# LogConfigSet text proto; the private key is a keyspb.PrivateKey (PKCS#8 DER,
# written as a text-proto bytes literal with \x escapes).
esc() { od -An -tx1 -v "$1" | tr -d ' \n' | sed 's/../\\x&/g'; }
cat >ct_server.cfg <<EOF
config {
  log_id: $CT_TREE
  prefix: "test"
  roots_pem_file: "$STATE/pki/fulcio-root.pem"
  private_key {
    [type.googleapis.com/keyspb.PrivateKey] {
      der: "$(esc pki/ct.key.der)"
    }
  }
  ext_key_usages: "CodeSigning"
}
EOF
start ct "$BIN/ct_server" --log_config ct_server.cfg --log_rpc_server 127.0.0.1:8090 \
  --http_endpoint 127.0.0.1:6962 --metrics_endpoint 127.0.0.1:6963
wait_http http://127.0.0.1:6962/healthz ct

# ---- Fulcio: file CA, the CT log above, both OIDC issuers ----
cat >fulcio-config.yaml <<'EOF'
oidc-issuers:
  http://127.0.0.1:8088:
    issuer-url: http://127.0.0.1:8088
    client-id: sigstore
    type: email
  http://127.0.0.1:8089:
    issuer-url: http://127.0.0.1:8089
    client-id: sigstore
    type: ci-provider
    ci-provider: sigil-ci
ci-issuer-metadata:
  sigil-ci:
    default-template-values:
      url: "https://git.example.test"
    extension-templates:
      github-workflow-repository: "repository"
      github-workflow-ref: "ref"
      github-workflow-sha: "sha"
      build-signer-uri: "{{ .url }}/{{ .workflow_ref }}"
      source-repository-uri: "{{ .url }}/{{ .repository }}"
      source-repository-digest: "sha"
      source-repository-ref: "ref"
      run-invocation-uri: "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}"
    subject-alternative-name-template: "{{ .url }}/{{ .workflow_ref }}"
EOF
wait_http http://127.0.0.1:8088/healthz oidc
wait_http http://127.0.0.1:8089/healthz oidc-ci
start fulcio "$BIN/fulcio" serve --host 127.0.0.1 --port 5555 --grpc-host 127.0.0.1 --grpc-port 5554 \
  --metrics-port 2113 --ca fileca --fileca-cert pki/fulcio-chain.pem \
  --fileca-key pki/fulcio-inter.enc.key --fileca-key-passwd "$PASS" --fileca-watch=false \
  --config-path fulcio-config.yaml \
  --ct-log-url http://127.0.0.1:6962/test --ct-log-public-key-path pki/ct.pub

wait_http http://127.0.0.1:3004/ping tsa
wait_http http://127.0.0.1:3003/healthz rekor2
wait_http http://127.0.0.1:3080/checkpoint oidc
wait_http http://127.0.0.1:3000/api/v1/log rekor1
wait_http http://127.0.0.1:6962/test/ct/v1/get-sth ct
wait_http http://127.0.0.1:5555/healthz fulcio
log "all services healthy"

# ---- trust configuration, checked against the running services ----
"$BIN/mkconfig" -state "$STATE" -check \
  -fulcio-url http://127.0.0.1:5555 -oidc-url http://127.0.0.1:8088 \
  -tsa-url http://127.0.0.1:3004/api/v1/timestamp \
  -rekor-v1-url http://127.0.0.1:3000 -rekor-v2-url http://127.0.0.1:3003 \
  -rekor-v2-read-url http://127.0.0.1:3080 -rekor-v2-origin 127.0.0.1:3003 \
  -ct-url http://127.0.0.1:6962/test >logs/mkconfig.log 2>&1 ||
  { cat logs/mkconfig.log >&2; die "mkconfig failed"; }

cat >stack.env <<EOF
# Written by scripts/services/start.sh; read by internal/testservices.FromEnv.
SIGIL_SERVICES_STATE=$STATE
SIGIL_OIDC_URL=http://127.0.0.1:8088
SIGIL_OIDC_CI_URL=http://127.0.0.1:8089
SIGIL_FULCIO_URL=http://127.0.0.1:5555
SIGIL_TSA_URL=http://127.0.0.1:3004/api/v1/timestamp
SIGIL_REKOR_V1_URL=http://127.0.0.1:3000
SIGIL_REKOR_V1_TREE_ID=$REKOR1_TREE
SIGIL_REKOR_V2_URL=http://127.0.0.1:3003
SIGIL_REKOR_V2_READ_URL=http://127.0.0.1:3080
SIGIL_REKOR_V2_ORIGIN=127.0.0.1:3003
SIGIL_CT_URL=http://127.0.0.1:6962/test
SIGIL_CT_TREE_ID=$CT_TREE
SIGIL_TRUSTED_ROOT=$STATE/config/trusted_root.json
SIGIL_SIGNING_CONFIG=$STATE/config/signing_config.v0.2.json
SIGIL_TRUST_CONFIG=$STATE/config/trust_config.json
SIGIL_NETNS_ID=$(readlink /proc/self/ns/net)
EOF
log "stack up: $STATE/stack.env"
