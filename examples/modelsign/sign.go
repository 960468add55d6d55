package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// keyOnlyRoot lists no CA, log or TSA: what a key-signed bundle without log
// entries or timestamps verifies against.
const keyOnlyRoot = `{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// passwordEnv names the environment variable holding the passphrase of an
// encrypted private key.
const passwordEnv = "MODELSIGN_PASSWORD"

type signFlags struct {
	commonFlags
	outputBundle  string
	privateKey    string
	signingCert   string
	identityToken string
	signingConfig string
	hashType      string
	shardSize     int64
	allowSymlinks bool
}

func signModel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f signFlags
	fs := flag.NewFlagSet("sign-model", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&f.outputBundle, "output-bundle", "", "where to write the bundle")
	fs.StringVar(&f.privateKey, "private-key", "", "key and certificate methods: the PEM private key")
	fs.StringVar(&f.signingCert, "signing-cert", "", "certificate method: the PEM signing certificate")
	fs.StringVar(&f.identityToken, "identity-token", "", "sigstore method: the OIDC identity token")
	fs.StringVar(&f.signingConfig, "signing-config", "", "sigstore method: a signing_config.v0.2.json naming the services")
	fs.StringVar(&f.hashType, "hash-type", oms.SHA256, "file hash: sha256 or blake2b")
	fs.Int64Var(&f.shardSize, "shard-size", 0, "hash files in shards of this many bytes (0: whole files)")
	fs.BoolVar(&f.allowSymlinks, "allow-symlinks", false, "hash symbolic links as their targets")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	if f.outputBundle == "" {
		return usagef("--output-bundle is required")
	}
	opts := oms.Options{HashType: f.hashType, ShardSize: f.shardSize, AllowSymlinks: f.allowSymlinks}
	var err error
	if opts.IgnorePaths, err = ignorePaths(f.modelPath, f.ignorePaths, f.outputBundle); err != nil {
		return err
	}
	var b *bundle.Bundle
	var m *oms.Manifest
	switch f.method {
	case "key":
		b, m, err = signWithKey(ctx, &f, opts)
	case "certificate":
		b, m, err = signWithCertificate(ctx, &f, opts)
	case "sigstore":
		b, m, err = signWithSigstore(ctx, &f, opts)
	}
	if err != nil {
		return err
	}
	data, err := b.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(f.outputBundle, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "OK: signed %s (%d resources); bundle written to %s\n", f.modelPath, len(m.Resources), f.outputBundle)
	return nil
}

// ignorePaths turns the --ignore-paths and the bundle file into ignore
// paths relative to the model. An --ignore-paths outside the model is an
// error; a bundle outside it needs no exclusion.
func ignorePaths(modelPath string, paths []string, bundlePath string) ([]string, error) {
	var out []string
	for _, p := range paths {
		rel, ok, err := oms.RelativeIgnorePath(modelPath, p)
		if err != nil {
			return nil, fmt.Errorf("--ignore-paths %s: %w", p, err)
		}
		if !ok {
			return nil, usagef("--ignore-paths %s is not inside the model %s", p, modelPath)
		}
		out = append(out, rel)
	}
	rel, ok, err := oms.RelativeIgnorePath(modelPath, bundlePath)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", bundlePath, err)
	}
	if ok {
		out = append(out, rel)
	}
	return out, nil
}

// loadKey reads a PEM private key of one of the key types OMS lists.
func loadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := signer.ParsePrivateKeyPEM(data, func() ([]byte, error) {
		p, ok := os.LookupEnv(passwordEnv)
		if !ok {
			return nil, fmt.Errorf("the key is encrypted: set %s to its passphrase", passwordEnv)
		}
		return []byte(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkKeyType(key.Public()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// checkKeyType accepts the key types of the OMS algorithm registry for the
// key and certificate methods: ECDSA on P-256, P-384 or P-521.
func checkKeyType(pub crypto.PublicKey) error {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
	}
	return fmt.Errorf("OMS signs with ECDSA P-256, P-384 or P-521 keys, not %T", pub)
}

func signWithKey(ctx context.Context, f *signFlags, opts oms.Options) (*bundle.Bundle, *oms.Manifest, error) {
	if f.privateKey == "" {
		return nil, nil, usagef("--private-key is required with --method key")
	}
	key, err := loadKey(f.privateKey)
	if err != nil {
		return nil, nil, err
	}
	hint, err := oms.KeyHint(key.Public())
	if err != nil {
		return nil, nil, err
	}
	cred, err := signer.FromKey(key, signer.WithHint(hint))
	if err != nil {
		return nil, nil, err
	}
	root, err := trustroot.ParseJSON([]byte(keyOnlyRoot))
	if err != nil {
		return nil, nil, err
	}
	v, err := verify.New(root, verify.WithPublicKey(hint, key.Public()))
	if err != nil {
		return nil, nil, err
	}
	bb, err := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		return nil, nil, err
	}
	return oms.Sign(ctx, bb, f.modelPath, opts)
}

func signWithCertificate(ctx context.Context, f *signFlags, opts oms.Options) (*bundle.Bundle, *oms.Manifest, error) {
	if f.privateKey == "" || f.signingCert == "" || len(f.certChain) == 0 {
		return nil, nil, usagef("--private-key, --signing-cert and --cert-chain (the CA chain) are required with --method certificate")
	}
	key, err := loadKey(f.privateKey)
	if err != nil {
		return nil, nil, err
	}
	chain, err := readCertificates(f.signingCert)
	if err != nil {
		return nil, nil, err
	}
	if len(chain) != 1 {
		return nil, nil, fmt.Errorf("%s: want one certificate, found %d", f.signingCert, len(chain))
	}
	for _, p := range f.certChain {
		certs, err := readCertificates(p)
		if err != nil {
			return nil, nil, err
		}
		chain = append(chain, certs...)
	}
	cred, err := signer.FromCertificateChain(key, chain)
	if err != nil {
		return nil, nil, err
	}
	// The certificate method's bundles carry the whole chain.
	bb, err := sign.NewBundleBuilder(cred, sign.WithFullChain())
	if err != nil {
		return nil, nil, err
	}
	b, m, err := oms.Sign(ctx, bb, f.modelPath, opts)
	if err != nil {
		return nil, nil, err
	}
	// Self-check: the bundle as written verifies against its own chain's
	// last certificate (the caller's anchor when the chain ends at a root).
	v, err := oms.CertificateVerifier(chain[len(chain)-1:], time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("self-check: %w", err)
	}
	if _, err := v.Verify(b, verify.ArtifactDigest(crypto.SHA256, m.RootDigest()), policy.UnsafeAnySigner()); err != nil {
		return nil, nil, fmt.Errorf("self-check: %w", err)
	}
	return b, m, nil
}

func signWithSigstore(ctx context.Context, f *signFlags, opts oms.Options) (*bundle.Bundle, *oms.Manifest, error) {
	if f.identityToken == "" {
		return nil, nil, usagef("--identity-token is required with --method sigstore")
	}
	root, cfg, err := signingServices(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		return nil, nil, err
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := cfg.Fulcio(time.Now())
	if err != nil {
		return nil, nil, err
	}
	fulcio, err := signer.NewFulcio(root, ca.URL, signer.StaticToken(f.identityToken))
	if err != nil {
		return nil, nil, err
	}
	v, err := verify.New(root)
	if err != nil {
		return nil, nil, err
	}
	bb, err := sign.NewBundleBuilder(cred,
		sign.WithCertificateProvider(fulcio),
		sign.WithSigningConfig(root, cfg),
		sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		return nil, nil, err
	}
	return oms.Sign(ctx, bb, f.modelPath, opts)
}

// signingServices returns the trusted root and signing configuration of the
// sigstore method: the ClientTrustConfig of --trusted-root, or its root with
// --signing-config, or the public-good instance's current ones from TUF.
func signingServices(ctx context.Context, f *signFlags) (*trustroot.TrustedRoot, *trustroot.SigningConfig, error) {
	var root *trustroot.TrustedRoot
	var err error
	if f.trustedRoot != "" {
		root, err = trustroot.FromFile(f.trustedRoot)
	} else {
		var opts []trustroot.TUFOption
		if f.useStaging {
			opts = append(opts, trustroot.TUFStaging())
		}
		root, err = trustroot.FromTUF(ctx, opts...)
	}
	if err != nil {
		return nil, nil, err
	}
	if f.signingConfig != "" {
		data, err := os.ReadFile(f.signingConfig)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := trustroot.ParseSigningConfig(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.signingConfig, err)
		}
		return root, cfg, nil
	}
	cfg, err := root.SigningConfig()
	if errors.Is(err, trustroot.ErrNoService) {
		return nil, nil, fmt.Errorf("%w (give a ClientTrustConfig as --trusted-root, or --signing-config)", err)
	}
	return root, cfg, err
}

// readCertificates reads the PEM certificates of a file, at least one.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return certs, nil
}
