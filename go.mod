module github.com/sigil-dev/sigil

go 1.26.8

require (
	github.com/sigstore/protobuf-specs v0.5.2
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/google/certificate-transparency-go v1.4.0 // indirect
	github.com/transparency-dev/merkle v0.0.2 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20251202230838-ff82c1b0f217 // indirect
)
