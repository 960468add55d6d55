package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const signUsage = `  sigil sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE [--trusted-root FILE] [--signing-config FILE] FILE
  sigil sign-bundle [--staging] [--in-toto] [--oidc-device-flow] [--oidc-issuer URL] --bundle FILE [--trusted-root FILE] [--signing-config FILE] FILE
  sigil sign-bundle [--in-toto] --key KEY.pem --bundle FILE [--trusted-root FILE] [--signing-config FILE] FILE
`

// keyOnlyRoot lists no CA, log or TSA: what a key-signed bundle without log
// entries or timestamps verifies against.
const keyOnlyRoot = `{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// passwordEnv names the environment variable holding the passphrase of an
// encrypted key.
const passwordEnv = "SIGIL_PASSWORD"

// The public-good signing configurations (TUF targets; see config/SOURCE.md),
// used for keyless signing when neither --signing-config nor a
// ClientTrustConfig names the services.
var (
	//go:embed config/production.signing_config.v0.2.json
	productionSigningConfig []byte
	//go:embed config/staging.signing_config.v0.2.json
	stagingSigningConfig []byte
)

type signArgs struct {
	staging                 bool
	inToto                  bool
	token, keyPath          string
	deviceFlow              bool
	oidcIssuer              string
	rootPath, signingConfig string
	file                    string
}

// signBundle signs FILE (or, with --in-toto, the in-toto statement in FILE)
// and writes the bundle.
//
// Keyless (--identity-token): an ephemeral P-256 key gets a certificate from
// the signing configuration's Fulcio for the token's identity; the signature
// is timestamped and logged by the services the configuration selects.
// Keyless without --identity-token: the token is SIGSTORE_ID_TOKEN's or
// GitHub Actions' if the environment has one, else the person signs in to
// the signing configuration's OIDC provider (or --oidc-issuer's): in the
// browser, or with --oidc-device-flow by entering a code on another device.
// With a key (--key): the bundle names the key by its hint, and is timestamped
// and logged only when --signing-config (or a ClientTrustConfig given as
// --trusted-root) selects services.
//
// The trusted root (--trusted-root, else the embedded public-good snapshot)
// checks every service response, and every bundle is verified against it
// before it is written, with the default thresholds: what the root can vouch
// for is required.
func signBundle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a signArgs
	fs.BoolVar(&a.staging, "staging", false, "use the public-good staging instance (default: production)")
	fs.BoolVar(&a.inToto, "in-toto", false, "FILE is an in-toto statement to sign in a DSSE envelope")
	fs.StringVar(&a.token, "identity-token", "", "OIDC identity token for keyless signing")
	fs.StringVar(&a.keyPath, "key", "", "PEM private key; encrypted keys take their passphrase from $"+passwordEnv)
	fs.BoolVar(&a.deviceFlow, "oidc-device-flow", false, "without --identity-token: sign in with the device flow (a code to enter on another device) instead of the browser")
	fs.StringVar(&a.oidcIssuer, "oidc-issuer", "", "without --identity-token: the OIDC provider to sign in to (default: the signing config's)")
	bundlePath := fs.String("bundle", "", "path to write the bundle to")
	fs.StringVar(&a.rootPath, "trusted-root", "", "trusted root or ClientTrustConfig (default: embedded public-good snapshot; with --key and no services, a root listing nothing)")
	fs.StringVar(&a.signingConfig, "signing-config", "", "signing config v0.2 naming the services to use")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() != 1:
		fmt.Fprintf(stderr, "sigil: sign-bundle takes exactly one FILE\n%s", usage)
		return 2
	case a.keyPath != "" && a.token != "":
		fmt.Fprintf(stderr, "sigil: sign-bundle takes at most one of --identity-token and --key\n%s", usage)
		return 2
	case (a.deviceFlow || a.oidcIssuer != "") && (a.keyPath != "" || a.token != ""):
		fmt.Fprintf(stderr, "sigil: --oidc-device-flow and --oidc-issuer are for keyless signing without --identity-token\n%s", usage)
		return 2
	case *bundlePath == "":
		fmt.Fprintf(stderr, "sigil: --bundle is required\n%s", usage)
		return 2
	}
	a.file = fs.Arg(0)
	timeout := 2 * time.Minute
	if a.keyPath == "" && a.token == "" {
		timeout += signer.DefaultLoginTimeout // the person signing in
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	b, err := signFile(ctx, &a)
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
	fmt.Fprintf(stdout, "OK: signed %s; bundle written to %s\n", a.file, *bundlePath)
	return 0
}

func signFile(ctx context.Context, a *signArgs) (*bundle.Bundle, error) {
	root, cfg, err := signingMaterial(a)
	if err != nil {
		return nil, err
	}
	var cred *signer.Credential
	var opts []sign.Option
	var vopts []verify.Option
	if a.keyPath != "" {
		if cred, err = loadKey(a.keyPath); err != nil {
			return nil, err
		}
		vopts = append(vopts, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	} else {
		key, err := signer.Generate(signer.ECDSAP256)
		if err != nil {
			return nil, err
		}
		if cred, err = signer.FromKey(key); err != nil {
			return nil, err
		}
		ca, err := cfg.Fulcio(time.Now())
		if err != nil {
			return nil, err
		}
		tokens, err := tokenSource(a, cfg)
		if err != nil {
			return nil, err
		}
		f, err := signer.NewFulcio(root, ca.URL, tokens)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sign.WithCertificateProvider(f))
	}
	if cfg != nil {
		opts = append(opts, sign.WithSigningConfig(root, cfg))
	}
	v, err := verify.New(root, vopts...)
	if err != nil {
		return nil, err
	}
	opts = append(opts, sign.WithSelfCheck(v.SelfCheck()))
	bb, err := sign.NewBundleBuilder(cred, opts...)
	if err != nil {
		return nil, err
	}
	if a.inToto {
		statement, err := os.ReadFile(a.file)
		if err != nil {
			return nil, err
		}
		if err := checkStatement(statement); err != nil {
			return nil, fmt.Errorf("%s: %w", a.file, err)
		}
		// The statement is signed as written, byte for byte.
		return bb.SignDSSE(ctx, intoto.PayloadType, statement)
	}
	f, err := os.Open(a.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return bb.SignArtifact(ctx, f)
}

// signingMaterial returns the trusted root and the signing configuration
// (nil when a key signs without services).
func signingMaterial(a *signArgs) (*trustroot.TrustedRoot, *trustroot.SigningConfig, error) {
	var root *trustroot.TrustedRoot
	var err error
	switch {
	case a.rootPath != "":
		root, err = trustroot.FromFile(a.rootPath)
	case a.keyPath != "" && a.signingConfig == "":
		root, err = trustroot.ParseJSON([]byte(keyOnlyRoot))
	case a.staging:
		root, err = trustroot.PublicGoodStaging()
	default:
		root, err = trustroot.PublicGood()
	}
	if err != nil {
		return nil, nil, err
	}
	if a.signingConfig != "" {
		data, err := os.ReadFile(a.signingConfig)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := trustroot.ParseSigningConfig(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", a.signingConfig, err)
		}
		return root, cfg, nil
	}
	cfg, err := root.SigningConfig() // a ClientTrustConfig's
	switch {
	case err == nil:
		return root, cfg, nil
	case !errors.Is(err, trustroot.ErrNoService):
		return nil, nil, err
	case a.keyPath != "":
		return root, nil, nil
	}
	data := productionSigningConfig
	if a.staging {
		data = stagingSigningConfig
	}
	cfg, err = trustroot.ParseSigningConfig(data)
	return root, cfg, err
}

// tokenSource returns the ID tokens of a keyless signature: --identity-token,
// else the environment's, else an interactive login to --oidc-issuer or the
// signing configuration's OIDC provider (loginIssuer). The login prints what
// the person must do on standard error.
func tokenSource(a *signArgs, cfg *trustroot.SigningConfig) (signer.TokenSource, error) {
	if a.token != "" {
		return signer.StaticToken(a.token), nil
	}
	issuer, err := loginIssuer(a, cfg)
	if errors.Is(err, trustroot.ErrNoService) {
		// Ambient tokens need no provider; only a login fails.
		return signer.AmbientToken(signer.TokenFunc(func(context.Context) (string, error) { return "", err })), nil
	}
	if err != nil {
		return nil, err
	}
	var login *signer.Login
	if a.deviceFlow {
		login, err = signer.NewDeviceLogin(signer.WithLoginIssuer(issuer))
	} else {
		login, err = signer.NewBrowserLogin(signer.WithLoginIssuer(issuer))
	}
	if err != nil {
		return nil, err
	}
	return signer.AmbientToken(login), nil
}

// loginIssuer returns the OIDC provider to sign in to: --oidc-issuer, else
// the signing configuration's (the public-good one for the embedded
// public-good configurations). A configuration that names none usable now
// is an error wrapping trustroot.ErrNoService, never a reason to sign in to
// the public-good provider: its tokens would go to that configuration's
// Fulcio.
func loginIssuer(a *signArgs, cfg *trustroot.SigningConfig) (string, error) {
	if a.oidcIssuer != "" {
		return a.oidcIssuer, nil
	}
	svc, err := cfg.OIDCProvider(time.Now())
	if errors.Is(err, trustroot.ErrNoService) {
		return "", fmt.Errorf("the signing config names no OIDC provider usable now; pass --oidc-issuer or --identity-token: %w", err)
	}
	if err != nil {
		return "", err
	}
	return svc.URL, nil
}

func loadKey(path string) (*signer.Credential, error) {
	pemKey, err := os.ReadFile(path)
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
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return signer.FromKey(key)
}

// checkStatement checks that data is an in-toto v1 statement with subjects.
func checkStatement(data []byte) error {
	var st intoto.Statement
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("not an in-toto statement: %w", err)
	}
	switch {
	case st.Type != intoto.StatementTypeV1:
		return fmt.Errorf("in-toto statement _type %q, want %q", st.Type, intoto.StatementTypeV1)
	case st.PredicateType == "":
		return errors.New("in-toto statement without predicateType")
	case len(st.Subject) == 0:
		return errors.New("in-toto statement without subjects")
	}
	return nil
}
