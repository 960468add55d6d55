module github.com/sigil-dev/sigil

go 1.26.8

require (
	github.com/sigstore/protobuf-specs v0.5.2
	github.com/transparency-dev/merkle v0.0.2
	golang.org/x/crypto v0.48.0
	google.golang.org/protobuf v1.36.12
)

// Test dependencies: reference implementations sigil's own code is checked
// against (SCTs: certificate-transparency-go; signed notes: x/mod/sumdb/note).
require (
	github.com/google/certificate-transparency-go v1.4.0
	golang.org/x/mod v0.42.0
)

require (
	github.com/go-logr/logr v1.4.3 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20251202230838-ff82c1b0f217 // indirect
	k8s.io/klog/v2 v2.130.1 // indirect
)
