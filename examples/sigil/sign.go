package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const signUsage = `  sigil sign-bundle [--in-toto] --key KEY.pem --bundle FILE [--trusted-root FILE] FILE
`

// keyOnlyRoot lists no CA, log or TSA: what a key-signed bundle without log
// entries or timestamps verifies against.
const keyOnlyRoot = `{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// passwordEnv names the environment variable holding the passphrase of an
// encrypted key.
const passwordEnv = "SIGIL_PASSWORD"

// signBundle signs FILE (or, with --in-toto, the in-toto statement in FILE)
// with a private key and writes the bundle. Every bundle is verified before
// it is written, against --trusted-root if given (else a root listing
// nothing), with the key's public half.
func signBundle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	staging := fs.Bool("staging", false, "use the public-good staging instance (keyless signing; not supported yet)")
	inToto := fs.Bool("in-toto", false, "FILE is an in-toto statement to sign in a DSSE envelope")
	token := fs.String("identity-token", "", "OIDC identity token for keyless signing (not supported yet)")
	keyPath := fs.String("key", "", "PEM private key; encrypted keys take their passphrase from $"+passwordEnv)
	bundlePath := fs.String("bundle", "", "path to write the bundle to")
	rootPath := fs.String("trusted-root", "", "trusted root to verify the new bundle against (default: one listing no authorities)")
	signingConfig := fs.String("signing-config", "", "signing config naming the services to use (not supported yet)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *token != "" || *staging || *signingConfig != "":
		fmt.Fprintf(stderr, "sigil: sign-bundle: keyless signing and Sigstore services (--identity-token, --staging, --signing-config) are not supported yet; sign with --key\n")
		return 2
	case fs.NArg() != 1:
		fmt.Fprintf(stderr, "sigil: sign-bundle takes exactly one FILE\n%s", usage)
		return 2
	case *keyPath == "":
		fmt.Fprintf(stderr, "sigil: sign-bundle needs --key\n%s", usage)
		return 2
	case *bundlePath == "":
		fmt.Fprintf(stderr, "sigil: --bundle is required\n%s", usage)
		return 2
	}
	b, err := signFile(context.Background(), *keyPath, *rootPath, fs.Arg(0), *inToto)
	if err != nil {
		fmt.Fprintf(stderr, "sigil: sign-bundle: %v\n", err)
		return 1
	}
	data, err := b.MarshalJSON()
	if err == nil {
		err = os.WriteFile(*bundlePath, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sigil: sign-bundle: writing the bundle: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "OK: signed %s; bundle written to %s\n", fs.Arg(0), *bundlePath)
	return 0
}

func signFile(ctx context.Context, keyPath, rootPath, path string, inToto bool) (*bundle.Bundle, error) {
	pemKey, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	key, err := signer.ParsePrivateKeyPEM(pemKey, func() ([]byte, error) {
		p, ok := os.LookupEnv(passwordEnv)
		if !ok {
			return nil, fmt.Errorf("the key is encrypted: set %s to its passphrase", passwordEnv)
		}
		return []byte(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		return nil, err
	}
	var root *trustroot.TrustedRoot
	if rootPath != "" {
		root, err = trustroot.FromFile(rootPath)
	} else {
		root, err = trustroot.ParseJSON([]byte(keyOnlyRoot))
	}
	if err != nil {
		return nil, err
	}
	v, err := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	if err != nil {
		return nil, err
	}
	bb, err := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		return nil, err
	}
	if inToto {
		statement, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := checkStatement(statement); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		// The statement is signed as written, byte for byte.
		return bb.SignDSSE(ctx, sign.InTotoPayloadType, statement)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return bb.SignArtifact(ctx, f)
}

// checkStatement checks that data is an in-toto v1 statement with subjects.
func checkStatement(data []byte) error {
	var st sign.Statement
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("not an in-toto statement: %w", err)
	}
	switch {
	case st.Type != sign.StatementTypeV1:
		return fmt.Errorf("in-toto statement _type %q, want %q", st.Type, sign.StatementTypeV1)
	case st.PredicateType == "":
		return errors.New("in-toto statement without predicateType")
	case len(st.Subject) == 0:
		return errors.New("in-toto statement without subjects")
	}
	return nil
}
