// Package oms implements the OpenSSF Model Signing (OMS) v1.0 format on
// sigil: it serializes a model (a file or a directory tree) into the
// resource manifest of an OMS in-toto statement, signs that statement with
// any sigil credential, and verifies a model against a signed manifest,
// naming every file that changed, is missing or is extra.
//
// # Serialization
//
// Serialize enumerates the regular files under the model root and hashes
// them (OMS §6): resource names are POSIX paths relative to the root (a
// single-file model's resource is its file name), sorted by code point; the
// top-level .git, .gitignore, .gitattributes and .github and the caller's
// ignore paths (exact relative paths, with their subtrees) are excluded and
// recorded in serialization.ignore_paths. Symbolic links are refused unless
// Options.AllowSymlinks is set; then each link is hashed as its target, and
// a target outside the model root or a link back to one of its own ancestor
// directories is an error (the OMS text asks for a warning; signing a model
// whose content lies elsewhere, or never ends, is refused here). File names
// that are not valid UTF-8, non-regular files (devices, pipes, sockets) and
// an empty model (no file after exclusions) are errors. The "files" method
// hashes each file whole; the "shards" method hashes consecutive byte ranges
// of Options.ShardSize bytes, named "path:start:end", and omits zero-byte
// files. Hashes are SHA-256 (the default) or BLAKE2b-512.
//
// Files and shards are hashed in parallel on Options.Workers goroutines
// (default: GOMAXPROCS), largest first, each byte read once, with one 1 MiB
// buffer per worker (on Linux, a file or shard of 256 KiB or more is hashed
// from read-only mappings of at most 16 MiB at a time instead, which spares
// the copy): memory does not grow with the model's size. A file that
// changes size while it is hashed is an error.
//
// # Statements
//
// Manifest.Statement builds the in-toto statement of predicate type
// PredicateType, whose single subject is the model's basename with the root
// digest: SHA-256 over the concatenated raw resource digests, in order.
// ParseStatement reads a statement back; besides the v1.0 predicate it
// accepts the v0.1 predicate (PredicateTypeV01) model_signing v0.2.0 wrote,
// whose file digests are the statement's subjects, and ignores the order of
// JSON keys. A bundle's certificate chain and the public-key form that
// model_signing wrote before v1.1.0 are handled by ParseBundle and
// FromCertificateChain, without loosening bundle.Parse.
//
// # Verification
//
// Verify checks a bundle with a sigil verify.Verifier and a policy, then the
// model against the verified manifest (OMS §8.4): it re-enumerates the model
// with the signed serialization parameters (the signed ignore paths, the
// defaults and the caller's), hashes the files the manifest lists, and
// returns a *MismatchError naming each changed, missing and extra file.
// Extra files are tolerated with VerifyOptions.IgnoreUnsignedFiles.
//
// The three OMS signing methods map onto sigil as follows. key: a
// signer.Credential with the hint model_signing writes (KeyHint), verified
// with verify.WithPublicKey. certificate: a credential with the signing
// certificate and its chain (signer.FromCertificateChain), whose bundle
// carries the chain (sign.WithFullChain), verified by VerifyCertificate
// against the caller's trust anchors: CertificateVerifier's trusted root
// holds only the anchors (trustroot.WithCertificateAuthority), and sigil's
// path validation uses the bundle's certificates as untrusted
// intermediates, so no bundle certificate is ever trusted because it is
// there. VerifyCertificate also accepts the non-DSSE signatures
// of model_signing v0.2.0. sigstore: a Fulcio certificate provider
// (signer.NewFulcio) and a signing configuration, verified on a trusted root
// with policy.Identity. CheckMethod checks that a bundle carries the
// verification material of the method it is verified for.
package oms
