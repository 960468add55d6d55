#!/usr/bin/env bash
# Exercises every service of the running stack once, for real, with curl,
# openssl and jq, and fails on the first thing that does not work:
#
#   OIDC    discovery + JWKS; ES256 and RS256 tokens
#   Fulcio  certificate for a CSR (email issuer, ES256 token) and for a
#           public key + proof of possession (CI issuer, RS256 token); chain
#           verifies with openssl; the leaf embeds an SCT whose log ID is
#           the ct_server key's; ct_server's tree grew
#   TSA     RFC 3161 request over the artifact signature -> response that
#           "openssl ts -verify" accepts against the TSA chain
#   Rekor1  hashedrekord 0.0.1 entry -> 201 with inclusion proof, checkpoint
#           and a SET that verifies with the Rekor v1 key (openssl)
#   Rekor2  hashedrekord 0.0.2 entry -> 201 with inclusion proof and
#           checkpoint; the published checkpoint (tiles server) verifies
#
# Run it in the stack's network namespace. Work files go to $STATE/smoke.
# With SIGIL_SERVICES_SAMPLES=DIR the requests and responses are also written
# to DIR (pretty-printed; there are no private keys in them: the only
# secrets involved stay in $STATE).
set -euo pipefail
STATE=${SIGIL_SERVICES_STATE:-/tmp/sigil-services}
SAMPLES=${SIGIL_SERVICES_SAMPLES:-}
[ -e "$STATE/stack.env" ] || { echo "smoke.sh: $STATE/stack.env missing: run start.sh first" >&2; exit 1; }
set -a # export, for mkconfig
# shellcheck disable=SC1091
. "$STATE/stack.env"
set +a
BIN=${SIGIL_SERVICES_BIN:-$HOME/.cache/sigil/services/bin}
PKI=$STATE/pki
if [ -n "$SAMPLES" ]; then mkdir -p "$SAMPLES"; SAMPLES=$(cd "$SAMPLES" && pwd); fi
W=$STATE/smoke
rm -rf "$W"
mkdir -p "$W"
cd "$W"

T0=$EPOCHREALTIME
secs() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN{printf "%.3f", a-b}'; }
ok() { echo "  ok  $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# sample NAME FILE: keep FILE as a sample (JSON pretty-printed).
sample() {
  [ -n "$SAMPLES" ] || return 0
  case $1 in
  *.json) jq . "$2" >"$SAMPLES/$1" ;;
  *) cp "$2" "$SAMPLES/$1" ;;
  esac
}
# post URL CONTENT-TYPE BODY-FILE OUT-FILE: POST, print status and time.
post() {
  local s=$EPOCHREALTIME code
  code=$(curl -s -o "$4" -w '%{http_code}' -H "Content-Type: $2" --data-binary "@$3" "$1")
  LAST_STATUS=$code
  LAST_TIME=$(secs "$s")
}
b64() { base64 -w0 "$@"; }
# jwt_claims TOKEN: the decoded payload.
jwt_claims() {
  local p
  p=$(cut -d. -f2 <<<"$1" | tr '_-' '/+')
  while [ $((${#p} % 4)) -ne 0 ]; do p+="="; done
  base64 -d <<<"$p"
}

echo "artifact: $W/artifact.txt"
echo "sigil smoke test $(date -u +%FT%TZ) $RANDOM$RANDOM" >artifact.txt
DIGEST_HEX=$(openssl dgst -sha256 -r artifact.txt | cut -d' ' -f1)
DIGEST_B64=$(openssl dgst -sha256 -binary artifact.txt | b64)

# ---------------------------------------------------------------- OIDC
echo "OIDC issuer $SIGIL_OIDC_URL"
curl -sf "$SIGIL_OIDC_URL/.well-known/openid-configuration" >oidc-discovery.json
curl -sf "$SIGIL_OIDC_URL/jwks" >oidc-jwks.json
[ "$(jq -r .issuer oidc-discovery.json)" = "$SIGIL_OIDC_URL" ] || fail "discovery issuer"
[ "$(jq '.keys | length' oidc-jwks.json)" = 2 ] || fail "JWKS should hold 2 keys"
TOKEN=$(curl -sf "$SIGIL_OIDC_URL/token?sub=alice&email=alice@example.com")
jwt_claims "$TOKEN" >oidc-token-claims.json
[ "$(jq -r .aud oidc-token-claims.json)" = sigstore ] || fail "token audience"
TOKEN_CI=$(curl -sf "$SIGIL_OIDC_CI_URL/token?alg=RS256&sub=repo:org/app&email=-&repository=org/app&ref=refs/heads/main&sha=0123456789abcdef0123456789abcdef01234567&workflow_ref=org/app/.ci/release.yml@refs/heads/main&run_id=42")
jwt_claims "$TOKEN_CI" >oidc-ci-token-claims.json
sample oidc-discovery.json oidc-discovery.json
sample oidc-jwks.json oidc-jwks.json
sample oidc-token-claims.json oidc-token-claims.json
sample oidc-ci-token-claims.json oidc-ci-token-claims.json
ok "discovery, JWKS (ES256+RS256), tokens with aud=sigstore"

# ---------------------------------------------------------------- Fulcio
echo "Fulcio $SIGIL_FULCIO_URL (CT log $SIGIL_CT_URL)"
curl -sf "$SIGIL_CT_URL/ct/v1/get-sth" >ct-sth-before.json
CT_SIZE0=$(jq .tree_size ct-sth-before.json)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out signer.key 2>/dev/null
openssl pkey -in signer.key -pubout -out signer.pub
openssl req -new -key signer.key -subj /CN=ignored -out signer.csr
jq -n --arg t "$TOKEN" --arg csr "$(b64 signer.csr)" \
  '{credentials:{oidcIdentityToken:$t}, certificateSigningRequest:$csr}' >fulcio-csr-request.json
post "$SIGIL_FULCIO_URL/api/v2/signingCert" application/json fulcio-csr-request.json fulcio-csr-response.json
[ "$LAST_STATUS" = 200 ] || fail "Fulcio (CSR): HTTP $LAST_STATUS: $(cat fulcio-csr-response.json)"
jq -e .signedCertificateEmbeddedSct fulcio-csr-response.json >/dev/null || fail "Fulcio: no embedded SCT: $(jq -c 'keys' fulcio-csr-response.json)"
jq -r '.signedCertificateEmbeddedSct.chain.certificates[0]' fulcio-csr-response.json >leaf.pem
jq -r '.signedCertificateEmbeddedSct.chain.certificates[1:][]' fulcio-csr-response.json >leaf-chain.pem
openssl verify -CAfile "$PKI/fulcio-root.pem" -untrusted "$PKI/fulcio-inter.pem" leaf.pem >/dev/null || fail "Fulcio leaf does not chain to the Fulcio root"
cmp -s <(openssl x509 -in leaf.pem -pubkey -noout) signer.pub || fail "Fulcio leaf certifies another key"
openssl x509 -in leaf.pem -noout -text >leaf.txt
grep -q "email:alice@example.com" leaf.txt || fail "leaf SAN is not alice@example.com"
CT_ID=$(openssl pkey -pubin -in "$PKI/ct.pub" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1 | tr a-f A-F)
SCT_ID=$(awk '/Log ID/{getline a; print $4 a}' leaf.txt | tr -d ' :\n')
[ "$SCT_ID" = "$CT_ID" ] || fail "SCT log ID $SCT_ID is not the CT key's $CT_ID"
ok "CSR + ES256 token -> HTTP 200 in ${LAST_TIME}s, chain verifies, SAN email:alice@example.com, embedded SCT from the CT log"
# public key + proof of possession (signature over the token's sub for non-email identities)
CI_SUB=$(jq -r .sub oidc-ci-token-claims.json)
jq -n --arg t "$TOKEN_CI" --arg pub "$(cat signer.pub)" \
  --arg pop "$(printf %s "$CI_SUB" | openssl dgst -sha256 -sign signer.key | b64)" \
  '{credentials:{oidcIdentityToken:$t}, publicKeyRequest:{publicKey:{algorithm:"ECDSA", content:$pub}, proofOfPossession:$pop}}' \
  >fulcio-pubkey-request.json
post "$SIGIL_FULCIO_URL/api/v2/signingCert" application/json fulcio-pubkey-request.json fulcio-pubkey-response.json
[ "$LAST_STATUS" = 200 ] || fail "Fulcio (public key, CI identity): HTTP $LAST_STATUS: $(cat fulcio-pubkey-response.json)"
jq -r '.signedCertificateEmbeddedSct.chain.certificates[0]' fulcio-pubkey-response.json >leaf-ci.pem
openssl x509 -in leaf-ci.pem -noout -text >leaf-ci.txt
grep -q "URI:https://git.example.test/org/app/.ci/release.yml@refs/heads/main" leaf-ci.txt || fail "CI leaf SAN"
ok "public key + proof of possession + RS256 CI token -> HTTP 200 in ${LAST_TIME}s, SAN $(grep -o 'URI:[^ ,]*' leaf-ci.txt | head -1)"
curl -sf "$SIGIL_FULCIO_URL/api/v2/trustBundle" >fulcio-trustBundle.json
curl -sf "$SIGIL_FULCIO_URL/api/v2/configuration" >fulcio-configuration.json
for _ in $(seq 1 40); do # the signer integrates within ~100 ms; ct_server caches its STH
  curl -sf "$SIGIL_CT_URL/ct/v1/get-sth" >ct-sth.json
  [ "$(jq .tree_size ct-sth.json)" -gt "$CT_SIZE0" ] && break
  sleep 0.25
done
curl -sf "$SIGIL_CT_URL/ct/v1/get-roots" >ct-get-roots.json
if [ "$(jq .tree_size ct-sth.json)" -gt "$CT_SIZE0" ]; then
  ok "CT log tree size $CT_SIZE0 -> $(jq .tree_size ct-sth.json)"
else
  echo "  note CT log STH still at size $CT_SIZE0 (ct_server refreshes its STH every --get_sth_interval)"
fi
for f in fulcio-csr-request.json fulcio-csr-response.json fulcio-pubkey-request.json fulcio-pubkey-response.json \
  fulcio-trustBundle.json fulcio-configuration.json ct-sth.json ct-get-roots.json; do sample "$f" "$f"; done
sample fulcio-leaf.txt leaf.txt
sample fulcio-leaf-ci.txt leaf-ci.txt

openssl dgst -sha256 -sign signer.key -out artifact.sig artifact.txt

# ---------------------------------------------------------------- TSA
echo "TSA $SIGIL_TSA_URL (timestamp over the signature, as in a bundle)"
openssl ts -query -data artifact.sig -sha256 -cert -out tsa-request.tsq 2>/dev/null
post "$SIGIL_TSA_URL" application/timestamp-query tsa-request.tsq tsa-response.tsr
[ "$LAST_STATUS" = 201 ] || fail "TSA: HTTP $LAST_STATUS: $(head -c 300 tsa-response.tsr)"
openssl ts -verify -in tsa-response.tsr -queryfile tsa-request.tsq \
  -CAfile "$PKI/tsa-root.pem" -untrusted "$PKI/tsa-chain.pem" >tsa-verify.txt 2>&1 ||
  fail "openssl ts -verify: $(cat tsa-verify.txt)"
ok "RFC 3161 request -> HTTP 201 in ${LAST_TIME}s; openssl ts -verify: $(tail -1 tsa-verify.txt)"
openssl ts -reply -in tsa-response.tsr -text >tsa-response.txt 2>/dev/null
jq -n --arg h "$(openssl dgst -sha256 -binary artifact.sig | b64)" '{artifactHash:$h, hashAlgorithm:"sha256", certificates:true, nonce:1234}' >tsa-request.json
post "$SIGIL_TSA_URL" application/json tsa-request.json tsa-response-json.tsr
[ "$LAST_STATUS" = 201 ] || fail "TSA (JSON request): HTTP $LAST_STATUS"
ok "JSON request -> HTTP 201 ($(openssl ts -reply -in tsa-response-json.tsr -text 2>/dev/null | grep -m1 '^Status:'))"
curl -sf "${SIGIL_TSA_URL}/certchain" >tsa-certchain.pem
cmp -s tsa-certchain.pem "$PKI/tsa-chain.pem" || fail "TSA certchain differs from pki/tsa-chain.pem"
sample tsa-request.tsq tsa-request.tsq
sample tsa-response.tsr tsa-response.tsr
sample tsa-response.txt tsa-response.txt
sample tsa-request.json tsa-request.json
sample tsa-certchain.pem tsa-certchain.pem


# ---------------------------------------------------------------- Rekor v1
echo "Rekor v1 $SIGIL_REKOR_V1_URL"
jq -n --arg hex "$DIGEST_HEX" --arg sig "$(b64 artifact.sig)" --arg cert "$(b64 leaf.pem)" \
  '{apiVersion:"0.0.1", kind:"hashedrekord", spec:{data:{hash:{algorithm:"sha256", value:$hex}}, signature:{content:$sig, publicKey:{content:$cert}}}}' \
  >rekor1-request.json
post "$SIGIL_REKOR_V1_URL/api/v1/log/entries" application/json rekor1-request.json rekor1-response.json
[ "$LAST_STATUS" = 201 ] || fail "Rekor v1: HTTP $LAST_STATUS: $(cat rekor1-response.json)"
E='to_entries[0].value'
jq -e "$E.verification.inclusionProof.hashes and $E.verification.inclusionProof.checkpoint and $E.verification.signedEntryTimestamp" \
  rekor1-response.json >/dev/null || fail "Rekor v1: no inclusion proof / checkpoint / SET"
# SET = signature over the canonical JSON of {body, integratedTime, logID, logIndex}
jq -cS "$E | {body, integratedTime, logID, logIndex}" rekor1-response.json | tr -d '\n' >rekor1-set-payload.json
jq -r "$E.verification.signedEntryTimestamp" rekor1-response.json | base64 -d >rekor1-set.der
openssl dgst -sha256 -verify "$PKI/rekor1.pub" -signature rekor1-set.der rekor1-set-payload.json >/dev/null ||
  fail "Rekor v1 SET does not verify"
REKOR1_ID=$(openssl pkey -pubin -in "$PKI/rekor1.pub" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$(jq -r "$E.logID" rekor1-response.json)" = "$REKOR1_ID" ] || fail "Rekor v1 logID is not SHA-256 of its key"
ok "hashedrekord 0.0.1 -> HTTP 201 in ${LAST_TIME}s, logIndex $(jq "$E.logIndex" rekor1-response.json), inclusion proof (treeSize $(jq "$E.verification.inclusionProof.treeSize" rekor1-response.json)) + checkpoint, SET verifies"
curl -sf "$SIGIL_REKOR_V1_URL/api/v1/log" >rekor1-log.json
curl -sf "$SIGIL_REKOR_V1_URL/api/v1/log/publicKey" >rekor1-publicKey.pem
jq -n --arg h "sha256:$DIGEST_HEX" '{hash:$h}' >rekor1-index-request.json
post "$SIGIL_REKOR_V1_URL/api/v1/index/retrieve" application/json rekor1-index-request.json rekor1-index-response.json
if [ "$LAST_STATUS" != 200 ] || [ "$(jq -r '.[0]' rekor1-index-response.json)" != "$(jq -r 'keys[0]' rekor1-response.json)" ]; then
  fail "Rekor v1 search index: HTTP $LAST_STATUS $(cat rekor1-index-response.json)"
fi
ok "search index finds the entry by digest"
for f in rekor1-request.json rekor1-response.json rekor1-log.json rekor1-index-request.json rekor1-index-response.json; do
  sample "$f" "$f"
done
sample rekor1-publicKey.pem rekor1-publicKey.pem

# ---------------------------------------------------------------- Rekor v2
echo "Rekor v2 $SIGIL_REKOR_V2_URL (tiles $SIGIL_REKOR_V2_READ_URL)"
jq -n --arg d "$DIGEST_B64" --arg sig "$(b64 artifact.sig)" \
  --arg cert "$(openssl x509 -in leaf.pem -outform DER | b64)" \
  '{hashedRekordRequestV002:{digest:$d, signature:{content:$sig, verifier:{x509Certificate:{rawBytes:$cert}, keyDetails:"PKIX_ECDSA_P256_SHA_256"}}}}' \
  >rekor2-request.json
post "$SIGIL_REKOR_V2_URL/api/v2/log/entries" application/json rekor2-request.json rekor2-response.json
[ "$LAST_STATUS" = 201 ] || fail "Rekor v2: HTTP $LAST_STATUS: $(cat rekor2-response.json)"
jq -e '.inclusionProof.checkpoint.envelope and .inclusionProof.rootHash and .kindVersion.version == "0.0.2"' \
  rekor2-response.json >/dev/null || fail "Rekor v2: no checkpointed inclusion proof"
ok "hashedrekord 0.0.2 -> HTTP 201 in ${LAST_TIME}s, logIndex $(jq -r .logIndex rekor2-response.json), inclusion proof (treeSize $(jq -r .inclusionProof.treeSize rekor2-response.json)) + checkpoint"
jq -n --arg pub "$(openssl pkey -pubin -in signer.pub -outform DER | b64)" --arg d "$DIGEST_B64" \
  --arg sig "$(b64 artifact.sig)" \
  '{hashedRekordRequestV002:{digest:$d, signature:{content:$sig, verifier:{publicKey:{rawBytes:$pub}, keyDetails:"PKIX_ECDSA_P256_SHA_256"}}}}' \
  >rekor2-pubkey-request.json
post "$SIGIL_REKOR_V2_URL/api/v2/log/entries" application/json rekor2-pubkey-request.json rekor2-pubkey-response.json
[ "$LAST_STATUS" = 201 ] || fail "Rekor v2 (public key): HTTP $LAST_STATUS: $(cat rekor2-pubkey-response.json)"
ok "hashedrekord 0.0.2 with a bare public key -> HTTP 201 in ${LAST_TIME}s, logIndex $(jq -r .logIndex rekor2-pubkey-response.json)"
curl -sf "$SIGIL_REKOR_V2_READ_URL/checkpoint" >rekor2-checkpoint.txt
[ "$(sed -n 2p rekor2-checkpoint.txt)" -ge 2 ] || fail "published Rekor v2 checkpoint is at size $(sed -n 2p rekor2-checkpoint.txt)"
# Verify the published checkpoints and signed tree heads again, now that the logs are not empty.
"$BIN/mkconfig" -state "$STATE" -check -write=false >mkconfig-check.txt 2>&1 || fail "mkconfig -check: $(cat mkconfig-check.txt)"
ok "published checkpoint (size $(sed -n 2p rekor2-checkpoint.txt)) verifies with the Rekor v2 key and log ID; Rekor v1 checkpoint and CT STH verify too"
for f in rekor2-request.json rekor2-response.json rekor2-pubkey-request.json rekor2-pubkey-response.json; do sample "$f" "$f"; done
sample rekor2-checkpoint.txt rekor2-checkpoint.txt

# The material a client needs to replay the samples offline (public only).
sample artifact.txt artifact.txt
sample artifact.sig artifact.sig
sample signer.pub signer.pub
for f in trusted_root.json signing_config.v0.2.json trust_config.json; do sample "$f" "$STATE/config/$f"; done
for f in fulcio-chain.pem tsa-chain.pem rekor1.pub rekor2.pub ct.pub; do sample "pki-$f" "$PKI/$f"; done

echo "SMOKE OK in $(secs "$T0")s"
