// verify.js: verifies Sigstore bundles with sigstore-js, as the `sigstore`
// package's verify() does, but with the trust material given in files instead
// of fetched through TUF (the sigstore package offers no way to pass a
// trusted root): bundleFromJSON, toTrustMaterial, new Verifier(...).verify
// (toSignedEntity(bundle, artifact), policy) from @sigstore/bundle,
// @sigstore/verify and @sigstore/protobuf-specs, the versions installed next
// to the sigstore package (scripts/install-interop; NODE_PATH points there).
//
//   node verify.js CASES.json
//
// CASES.json is a list of
//   {"id": "...", "bundle": FILE, "artifact": FILE (optional for DSSE),
//    "trustedRoot": FILE, "key": PEM FILE (for public-key bundles),
//    "san": EXACT SAN, "issuer": OIDC issuer (for certificate bundles),
//    "tlogThreshold": N, "ctlogThreshold": N, "timestampThreshold": N}
// and the output is one JSON line per case, in order:
//   {"id": "...", "ok": true} or {"id": "...", "ok": false, "error": "CODE: message"}
'use strict';

const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { crypto } = require('@sigstore/core');

// An exact match: sigstore-js treats the SAN as a regular expression.
const exact = (s) => '^' + s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';

function verifyCase(c) {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(c.trustedRoot, 'utf8')));
  // As sigstore's createKeyFinder does for a keySelector that returns the
  // caller's key: the key is trusted for any hint.
  let keys;
  if (c.key) {
    const pem = fs.readFileSync(c.key, 'utf8');
    keys = () => ({ publicKey: crypto.createPublicKey(pem), validFor: () => true });
  }
  const verifier = new Verifier(toTrustMaterial(root, keys), {
    tlogThreshold: c.tlogThreshold,
    ctlogThreshold: c.ctlogThreshold,
    timestampThreshold: c.timestampThreshold,
  });
  const policy = {};
  if (c.san) {
    policy.subjectAlternativeName = exact(c.san);
  }
  if (c.issuer) {
    policy.extensions = { issuer: c.issuer };
  }
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(c.bundle, 'utf8')));
  const artifact = c.artifact ? fs.readFileSync(c.artifact) : undefined;
  verifier.verify(toSignedEntity(bundle, artifact), policy);
}

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const c of cases) {
  let out;
  try {
    verifyCase(c);
    out = { id: c.id, ok: true };
  } catch (e) {
    out = { id: c.id, ok: false, error: (e.code ? e.code + ': ' : '') + e.message };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
