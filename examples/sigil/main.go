// Command sigil verifies Sigstore bundles offline. It speaks the
// sigstore-conformance client protocol (docs/cli_protocol.md upstream):
//
//	sigil verify-bundle [--staging] --bundle FILE --certificate-identity IDENTITY --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
//	sigil verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
//
// FILE_OR_DIGEST is a path, or a digest "sha256:<hex>" (also "sha384:" and
// "sha512:") that is not a path on disk. Without --trusted-root, sigil uses
// its embedded snapshot of the public-good production trusted root (staging
// with --staging), so it needs no network; --tuf, or --tuf-url with
// --tuf-root, gets current trust material through TUF instead (see tuf.go).
// It exits 0 only when the bundle verified; otherwise it prints one line
// naming the failed step on stderr and exits 1 (2 for usage errors).
package main

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  sigil verify-bundle [--staging] --bundle FILE --certificate-identity IDENTITY --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
  sigil verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
` + signUsage + tufUsage

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "verify-bundle":
		return verifyBundle(args[1:], stdout, stderr)
	case "sign-bundle":
		return signBundle(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "sigil: unknown command %q\n%s", args[0], usage)
	return 2
}

// failure is an error with the exit code and the step it reports.
type failure struct {
	step string
	err  error
}

func verifyBundle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	staging := fs.Bool("staging", false, "use the public-good staging instance")
	bundlePath := fs.String("bundle", "", "path to the Sigstore bundle")
	identity := fs.String("certificate-identity", "", "expected subject alternative name (exact)")
	issuer := fs.String("certificate-oidc-issuer", "", "expected OIDC issuer (exact)")
	keyPath := fs.String("key", "", "path to a PEM public key, for key-signed bundles")
	rootPath := fs.String("trusted-root", "", "path to a trusted_root.json or ClientTrustConfig (default: embedded public-good snapshot)")
	tuf := addTUFFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() != 1:
		fmt.Fprintf(stderr, "sigil: verify-bundle takes exactly one FILE_OR_DIGEST\n%s", usage)
		return 2
	case *bundlePath == "":
		fmt.Fprintf(stderr, "sigil: --bundle is required\n%s", usage)
		return 2
	case *keyPath != "" && (*identity != "" || *issuer != ""):
		fmt.Fprintf(stderr, "sigil: --key excludes --certificate-identity and --certificate-oidc-issuer\n")
		return 2
	case *keyPath == "" && (*identity == "" || *issuer == ""):
		fmt.Fprintf(stderr, "sigil: need --certificate-identity and --certificate-oidc-issuer, or --key\n")
		return 2
	case tuf.usageError(*staging, *rootPath) != "":
		fmt.Fprintf(stderr, "sigil: %s\n", tuf.usageError(*staging, *rootPath))
		return 2
	}
	res, f := verifyOnce(*staging, tuf, *bundlePath, *identity, *issuer, *keyPath, *rootPath, fs.Arg(0))
	if f != nil {
		fmt.Fprintf(stderr, "sigil: verification failed at %s: %v\n", f.step, f.err)
		return 1
	}
	who := res.Signer.KeyHint
	if res.Signer.Certificate != nil {
		who = strings.Join(res.Signer.SubjectAlternativeNames, ",") + " (" + res.Signer.Issuer + ")"
	}
	fmt.Fprintf(stdout, "OK: signed by %s; %d log entries, %d timestamps\n", who, len(res.TlogEntries), len(res.Timestamps))
	return 0
}

func verifyOnce(staging bool, tuf *tufFlags, bundlePath, identity, issuer, keyPath, rootPath, subject string) (*verify.Result, *failure) {
	var root *trustroot.TrustedRoot
	var err error
	switch {
	case rootPath != "":
		root, err = trustroot.FromFile(rootPath)
	case tuf.enabled():
		root, err = tuf.trustedRoot(staging)
	case staging:
		root, err = trustroot.PublicGoodStaging()
	default:
		root, err = trustroot.PublicGood()
	}
	if err != nil {
		return nil, &failure{"trusted root", err}
	}
	var opts []verify.Option
	var p policy.Policy
	if keyPath != "" {
		pub, err := readPublicKey(keyPath)
		if err != nil {
			return nil, &failure{"key", err}
		}
		opts = append(opts, verify.WithPublicKey("", pub))
		p = policy.PublicKey(pub)
	} else {
		p = policy.Identity(issuer, identity)
	}
	v, err := verify.New(root, opts...)
	if err != nil {
		return nil, &failure{"setup", err}
	}
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		return nil, &failure{"bundle", err}
	}
	b, err := bundle.Parse(data)
	if err != nil {
		return nil, &failure{"bundle", err}
	}
	artifact, closeFn, err := artifactFor(subject)
	if err != nil {
		return nil, &failure{"artifact", err}
	}
	defer closeFn()
	res, err := v.Verify(b, artifact, p)
	if err != nil {
		var verr *verify.Error
		if errors.As(err, &verr) {
			return nil, &failure{verr.Step.String(), verr.Err}
		}
		return nil, &failure{"verify", err}
	}
	return res, nil
}

// artifactFor interprets FILE_OR_DIGEST as the protocol says: a well-formed
// digest that is not a path on disk is a digest, anything else a path.
func artifactFor(s string) (verify.Artifact, func(), error) {
	if alg, d, ok := parseDigest(s); ok {
		if _, err := os.Stat(s); err != nil {
			return verify.ArtifactDigest(alg, d), func() {}, nil
		}
	}
	f, err := os.Open(s)
	if err != nil {
		return verify.Artifact{}, nil, err
	}
	return verify.ArtifactReader(f), func() { f.Close() }, nil
}

func parseDigest(s string) (crypto.Hash, []byte, bool) {
	name, hexd, ok := strings.Cut(s, ":")
	if !ok {
		return 0, nil, false
	}
	var alg crypto.Hash
	switch name {
	case "sha256":
		alg = crypto.SHA256
	case "sha384":
		alg = crypto.SHA384
	case "sha512":
		alg = crypto.SHA512
	default:
		return 0, nil, false
	}
	d, err := hex.DecodeString(hexd)
	if err != nil || len(d) != alg.Size() {
		return 0, nil, false
	}
	return alg, d, true
}

func readPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" || len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("%s: want one PEM \"PUBLIC KEY\" block", path)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}
