// Command modelsign signs and verifies machine-learning models in the
// OpenSSF Model Signing (OMS) v1.0 format on sigil, as model_signing does,
// and speaks the model-signing conformance adapter protocol:
//
//	modelsign sign-model --method key|certificate|sigstore --model-path PATH --output-bundle FILE
//	    [--private-key KEY.pem] [--signing-cert CERT.pem] [--cert-chain PEM]...
//	    [--identity-token TOKEN] [--use-staging] [--trusted-root FILE] [--signing-config FILE]
//	    [--ignore-paths PATH]... [--hash-type sha256|blake2b] [--shard-size N] [--allow-symlinks]
//	modelsign verify-model --method key|certificate|sigstore --model-path PATH --bundle FILE
//	    [--public-key KEY.pem] [--cert-chain PEM]... [--identity ID --identity-provider URL]
//	    [--use-staging] [--trusted-root FILE] [--ignore-paths PATH]... [--ignore-unsigned-files]
//	    [--crl FILE]...
//
// Methods: key signs with a PEM private key (ECDSA P-256, P-384, P-521) and
// verifies with its PEM public key; certificate signs with a key and its
// certificate (--signing-cert, then --cert-chain from the intermediates to
// the root) and verifies against the CA certificates in the --cert-chain
// files, the trust anchors, and with --crl the revocation status of every
// certificate of the path below the anchor; sigstore signs keyless with Fulcio and Rekor
// (--identity-token) and verifies the signer's identity and OIDC issuer.
//
// Trust material of the sigstore method: verification uses sigil's embedded
// public-good trusted root (--use-staging: staging), or --trusted-root, a
// trusted_root.json or ClientTrustConfig document; signing uses the services
// of the ClientTrustConfig given as --trusted-root or of --signing-config,
// and otherwise the public-good signing configuration from its TUF
// repository.
//
// --ignore-paths are paths on this system (absolute or relative to the
// working directory) inside the model; the bundle file is excluded when it
// is inside the model. Exit status 0 means success; on failure modelsign
// prints one line on stderr saying what failed, naming each changed, missing
// or extra file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: modelsign sign-model|verify-model [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "sign-model":
		err = signModel(ctx, args[1:], stdout, stderr)
	case "verify-model":
		err = verifyModel(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "modelsign: unknown command %q\n", args[0])
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "modelsign %s: %v\n", args[0], err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "modelsign %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// commonFlags are the flags of both commands.
type commonFlags struct {
	method      string
	modelPath   string
	certChain   multiFlag
	ignorePaths multiFlag
	useStaging  bool
	trustedRoot string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.method, "method", "", "signing method: key, certificate or sigstore")
	fs.StringVar(&c.modelPath, "model-path", "", "the model: a file or a directory")
	fs.Var(&c.certChain, "cert-chain", "PEM certificates (repeatable): sign, the chain from the intermediates to the root; verify, the trust anchors")
	fs.Var(&c.ignorePaths, "ignore-paths", "a path inside the model to exclude (repeatable)")
	fs.BoolVar(&c.useStaging, "use-staging", false, "sigstore method: the public-good staging instance")
	fs.StringVar(&c.trustedRoot, "trusted-root", "", "sigstore method: a trusted_root.json or ClientTrustConfig document")
}

func (c *commonFlags) check(fs *flag.FlagSet) error {
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	switch c.method {
	case "key", "certificate", "sigstore":
	default:
		return usagef("--method must be key, certificate or sigstore, not %q", c.method)
	}
	if c.modelPath == "" {
		return usagef("--model-path is required")
	}
	return nil
}
