module github.com/sigil-dev/sigil

go 1.26.8

require (
	github.com/cloudflare/circl v1.6.5
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/sigstore/protobuf-specs v0.5.2
	github.com/theupdateframework/go-tuf/v2 v2.4.2
	github.com/transparency-dev/merkle v0.0.2
	golang.org/x/crypto v0.54.0
	golang.org/x/mod v0.42.0
	golang.org/x/oauth2 v0.38.0
	google.golang.org/protobuf v1.36.12
)

// Test dependencies: reference implementations sigil's own code is checked
// against (SCTs: certificate-transparency-go; RFC 3161: digitorus/timestamp,
// the last version that needs no Go 1.27; the OMS JSON Schemas of
// examples/modelsign: santhosh-tekuri/jsonschema). Signed notes are parsed
// and verified by x/mod/sumdb/note itself (internal/checkpoint).
// sigstore/sigstore signs the TUF repositories tests build (go-tuf's
// metadata.Sign takes its signature.Signer); the library reaches it only
// through go-tuf. transparency-dev/formats (on filippo.io/mldsa, what
// omniwitness cosigns with) makes the ML-DSA-44 cosignatures package
// witness, on cloudflare/circl, is checked against.
require (
	github.com/digitorus/timestamp v0.0.0-20250524132541-c45532741eea
	github.com/google/certificate-transparency-go v1.4.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/sigstore/sigstore v1.10.6
	github.com/transparency-dev/formats v0.1.1
)

require (
	filippo.io/mldsa v0.0.0-20260215214346-43d0283efc3e // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/digitorus/pkcs7 v0.0.0-20230713084857-e76b763bdc49 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/google/go-containerregistry v0.20.7 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/secure-systems-lab/go-securesystemslib v0.11.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/term v0.45.0 // indirect
	golang.org/x/text v0.40.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20251202230838-ff82c1b0f217 // indirect
	k8s.io/klog/v2 v2.130.1 // indirect
)
