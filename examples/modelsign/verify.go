package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

type verifyFlags struct {
	commonFlags
	bundle           string
	publicKey        string
	identity         string
	identityProvider string
	ignoreUnsigned   bool
	crls             multiFlag
}

func verifyModel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f verifyFlags
	fs := flag.NewFlagSet("verify-model", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&f.bundle, "bundle", "", "the bundle to verify")
	fs.StringVar(&f.publicKey, "public-key", "", "key method: the PEM public key")
	fs.StringVar(&f.identity, "identity", "", "sigstore method: the signer's identity (certificate SAN)")
	fs.StringVar(&f.identityProvider, "identity-provider", "", "sigstore method: the OIDC issuer of the identity")
	fs.BoolVar(&f.ignoreUnsigned, "ignore-unsigned-files", false, "accept files the signature does not list")
	fs.Var(&f.crls, "crl", "certificate method: a CRL file (DER or PEM) of a CA of the chain (repeatable); with any, every certificate of the path but the anchor must be covered by one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	if f.bundle == "" {
		return usagef("--bundle is required")
	}
	if len(f.crls) > 0 && f.method != "certificate" {
		return usagef("--crl is for --method certificate")
	}
	ignore, err := ignorePaths(f.modelPath, f.ignorePaths, f.bundle)
	if err != nil {
		return err
	}
	data, err := readBundleFile(f.bundle)
	if err != nil {
		return err
	}
	b, err := oms.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", f.bundle, err)
	}
	if err := oms.CheckMethod(f.method, b); err != nil {
		return fmt.Errorf("%s: %w", f.bundle, err)
	}
	opts := oms.VerifyOptions{IgnorePaths: ignore, IgnoreUnsignedFiles: f.ignoreUnsigned}
	var res *verify.Result
	var m *oms.Manifest
	if f.method == "certificate" {
		if len(f.certChain) == 0 {
			return usagef("--cert-chain (the trust anchors) is required with --method certificate")
		}
		var anchors []*x509.Certificate
		for _, p := range f.certChain {
			certs, err := readCertificates(p)
			if err != nil {
				return err
			}
			anchors = append(anchors, certs...)
		}
		var vopts []verify.Option
		if len(f.crls) > 0 {
			vopts = append(vopts, verify.WithCRLFiles(f.crls...))
		}
		res, m, err = oms.VerifyCertificate(ctx, b, anchors, time.Now(), f.modelPath, opts, vopts...)
	} else {
		v, p, verr := verifierFor(&f)
		if verr != nil {
			return verr
		}
		res, m, err = oms.Verify(ctx, v, b, p, f.modelPath, opts)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "OK: %s verified (%d resources) signed by %s\n", f.modelPath, len(m.Resources), describeSigner(res))
	return nil
}

func readBundleFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, oms.MaxBundleSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > oms.MaxBundleSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, oms.MaxBundleSize)
	}
	return data, nil
}

// verifierFor returns the verifier and policy of the key and sigstore methods.
func verifierFor(f *verifyFlags) (*verify.Verifier, policy.Policy, error) {
	switch f.method {
	case "key":
		if f.publicKey == "" {
			return nil, nil, usagef("--public-key is required with --method key")
		}
		pub, err := readPublicKey(f.publicKey)
		if err != nil {
			return nil, nil, err
		}
		root, err := trustroot.ParseJSON([]byte(keyOnlyRoot))
		if err != nil {
			return nil, nil, err
		}
		// A bundle names its key by the hint model_signing writes (ParseBundle
		// gives older bundles that hint); like model_signing, a bundle that
		// names another key fails.
		hint, err := oms.KeyHint(pub)
		if err != nil {
			return nil, nil, err
		}
		v, err := verify.New(root, verify.WithPublicKey(hint, pub))
		return v, policy.PublicKey(pub), err
	default: // sigstore
		if f.identity == "" || f.identityProvider == "" {
			return nil, nil, usagef("--identity and --identity-provider are required with --method sigstore")
		}
		var root *trustroot.TrustedRoot
		var err error
		switch {
		case f.trustedRoot != "":
			root, err = trustroot.FromFile(f.trustedRoot)
		case f.useStaging:
			root, err = trustroot.PublicGoodStaging()
		default:
			root, err = trustroot.PublicGood()
		}
		if err != nil {
			return nil, nil, err
		}
		v, err := verify.New(root)
		return v, policy.Identity(f.identityProvider, f.identity), err
	}
}

func readPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// model_signing's key files may carry text before the PEM block.
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" || strings.TrimSpace(string(rest)) != "" {
		return nil, fmt.Errorf("%s: want one PEM \"PUBLIC KEY\" block", path)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkKeyType(pub); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

func describeSigner(res *verify.Result) string {
	if res == nil {
		return "a model_signing v0.2.0 certificate signature"
	}
	s := res.Signer
	switch {
	case s.Certificate == nil:
		return "the given public key"
	case s.Issuer != "":
		return strings.Join(s.SubjectAlternativeNames, ",") + " (" + s.Issuer + ")"
	default:
		return fmt.Sprintf("%q (issued by %q)", s.Certificate.Subject.String(), s.Certificate.Issuer.String())
	}
}
