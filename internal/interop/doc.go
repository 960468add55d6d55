// Package interop proves that sigil's bundles interoperate with the Sigstore
// clients people run, both ways, on the real local Sigstore stack
// (scripts/services): cosign v3.1.3 and sigstore-js 4.1.1 (Node 20) and
// 5.0.1 (Node 22), installed at those versions by scripts/install-interop.
//
// TestInterop signs with every key type (ECDSA P-256, P-384, P-521, Ed25519,
// RSA 2048, 3072, 4096), both payloads (a message signature over an artifact,
// an in-toto statement in a DSSE envelope) and every mode (a bare key with no
// log, a key with a Rekor v1 entry, a key with a Rekor v2 entry and an RFC
// 3161 timestamp, keyless with a Fulcio certificate, Rekor v2 and a
// timestamp), once with sigil and once with cosign, and verifies every
// bundle with sigil, cosign and both sigstore-js versions. A verifier that
// accepts a bundle must reject it with a tampered artifact, a tampered DSSE
// payload and the wrong identity (another key, another SAN), each for the
// expected reason.
//
// A combination that fails because of a bug in another client is listed in
// expectedFailures with its upstream reference and the exact error it gives
// today: when it starts passing (fixed upstream) or fails differently (a
// regression of ours), the test fails and says so. Combinations a log cannot
// record (Rekor v1 and P-384/P-521 DSSE envelopes, Rekor v2 and pure-Ed25519
// DSSE envelopes) are checked to be refused by sigil before anything is sent.
//
// Without the stack or the clients the test skips, saying why; with
// SIGIL_REQUIRE_SERVICES=1 (as scripts/test sets) it fails instead.
// SIGIL_INTEROP_DIR (default ~/.cache/sigil/interop) is where
// scripts/install-interop put the clients.
package interop
