// Command pkcs11 signs an artifact with a key that never leaves a PKCS#11
// token (an HSM; SoftHSM2 in tests), and verifies the bundle it made.
//
//	pkcs11 [-module /usr/lib/softhsm/libsofthsm2.so] [-token sigil] [-label sigil-signing-key] [-generate]
//	       [-trust-config trust_config.json -identity-token-file TOKEN] [-model] -bundle OUT FILE
//
// The user PIN comes from the environment variable PKCS11_PIN. With
// -generate, an ECDSA P-256 key pair is made in the token first (sensitive,
// not extractable) unless one with the label exists. The key is wrapped as a
// crypto.Signer (C_Sign with CKM_ECDSA over the digest), turned into a
// credential with signer.FromKey, and signs with sign.BundleBuilder; the
// bundle is verified with package verify before and after it is written.
//
// With -model, FILE is a machine-learning model (a file or a directory)
// and the bundle an OpenSSF Model Signing (OMS) signature of it, made with
// examples/modelsign/oms: the token's key signs the model's manifest and the
// model is verified against it. Without -trust-config such a bundle is an OMS
// key-method signature, named by the hint model_signing writes, that
// `modelsign verify-model --method key` (and model_signing) verify with the
// token's public key.
//
// Without -trust-config the bundle names the key by its hint (adoption stage
// 1). With -trust-config (a ClientTrustConfig: trusted root and signing
// config) and -identity-token-file, the token's key gets a certificate for
// the token's identity from the configuration's Fulcio, and the signature
// is timestamped and logged by the services it selects (stage 3: a
// long-lived HSM key carrying an identity); verification then requires the
// certificate, its SCTs, the log entries and timestamps, and the identity.
package main

import (
	"context"
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

// DefaultModule is where Debian's softhsm2 package puts the PKCS#11 module.
const DefaultModule = "/usr/lib/softhsm/libsofthsm2.so"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pkcs11", flag.ContinueOnError)
	fs.SetOutput(stderr)
	module := fs.String("module", DefaultModule, "PKCS#11 module")
	tokenLabel := fs.String("token", "sigil", "label of the token")
	keyLabel := fs.String("label", "sigil-signing-key", "label of the key pair")
	generate := fs.Bool("generate", false, "generate the key pair in the token if it does not exist")
	model := fs.Bool("model", false, "FILE is a model (a file or a directory), signed in the OMS format")
	bundlePath := fs.String("bundle", "", "path to write the bundle to")
	var svc services
	fs.StringVar(&svc.trustConfig, "trust-config", "", "ClientTrustConfig naming the Sigstore services (stage 3); default: key only")
	fs.StringVar(&svc.tokenFile, "identity-token-file", "", "file holding the OIDC identity token, with -trust-config")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *bundlePath == "" || (svc.trustConfig == "") != (svc.tokenFile == "") {
		fmt.Fprintln(stderr, "usage: pkcs11 [-module M] [-token T] [-label L] [-generate] [-trust-config F -identity-token-file F] [-model] -bundle OUT FILE (PIN in $PKCS11_PIN)")
		return 2
	}
	pin, ok := os.LookupEnv("PKCS11_PIN")
	if !ok {
		fmt.Fprintln(stderr, "pkcs11: set PKCS11_PIN to the token's user PIN")
		return 2
	}
	if err := signWithToken(stdout, *module, *tokenLabel, *keyLabel, pin, *generate, *model, &svc, fs.Arg(0), *bundlePath); err != nil {
		fmt.Fprintln(stderr, "pkcs11:", err)
		return 1
	}
	return 0
}

// services are the Sigstore services of stage 3; zero for stage 1.
type services struct{ trustConfig, tokenFile string }

func signWithToken(out io.Writer, module, tokenLabel, keyLabel, pin string, generate, model bool, svc *services, path, bundlePath string) error {
	tok, err := OpenToken(module, tokenLabel, pin)
	if err != nil {
		return err
	}
	defer tok.Close()
	key, err := tok.Key(keyLabel)
	if errors.Is(err, ErrNoKey) && generate {
		if err := tok.GenerateKey(keyLabel); err != nil {
			return err
		}
		fmt.Fprintf(out, "generated ECDSA P-256 key pair %q in token %q\n", keyLabel, tokenLabel)
		key, err = tok.Key(keyLabel)
	}
	if err != nil {
		return err
	}
	sensitive, extractable, err := key.PrivateAttributes()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "private key %q: CKA_SENSITIVE=%v CKA_EXTRACTABLE=%v\n", keyLabel, sensitive, extractable)
	if !sensitive || extractable {
		return errors.New("the private key can leave the token; refusing to use it")
	}

	var opts []signer.Option
	if model && svc.trustConfig == "" {
		// An OMS key-method bundle names the key as model_signing does.
		hint, err := oms.KeyHint(key.Public())
		if err != nil {
			return err
		}
		opts = append(opts, signer.WithHint(hint))
	}
	cred, err := signer.FromKey(key, opts...)
	if err != nil {
		return err
	}
	b, v, p, err := builder(context.Background(), cred, svc)
	if err != nil {
		return err
	}
	if model {
		return signModel(out, b, v, p, path, bundlePath)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bun, err := b.SignArtifact(context.Background(), f)
	if err != nil {
		return err
	}
	data, err := bun.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(bundlePath, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "signed %s in the token; bundle written to %s\n", path, bundlePath)

	// Verify what was written, as a user would.
	data, err = os.ReadFile(bundlePath)
	if err != nil {
		return err
	}
	parsed, err := bundle.Parse(data)
	if err != nil {
		return err
	}
	art, err := os.Open(path)
	if err != nil {
		return err
	}
	defer art.Close()
	res, err := v.Verify(parsed, verify.ArtifactReader(art), p)
	if err != nil {
		return err
	}
	report(out, res)
	return nil
}

func report(out io.Writer, res *verify.Result) {
	signedBy := "key " + res.Signer.KeyHint
	if res.Signer.Certificate != nil {
		signedBy = fmt.Sprintf("%v (%s), certificate for the token's key, %d SCTs", res.Signer.SubjectAlternativeNames, res.Signer.Issuer, res.SCTs)
	}
	fmt.Fprintf(out, "verified: %s, signed by %s; %d log entries, %d timestamps\n",
		res.MediaType, signedBy, len(res.TlogEntries), len(res.Timestamps))
}

// signModel signs the model at path in the OMS format with b, writes the
// bundle and verifies the model against what was written.
func signModel(out io.Writer, b *sign.BundleBuilder, v *verify.Verifier, p policy.Policy, path, bundlePath string) error {
	ctx := context.Background()
	// The bundle is no part of the model it signs.
	var ignore []string
	if rel, inside, err := oms.RelativeIgnorePath(path, bundlePath); err != nil {
		return err
	} else if inside {
		ignore = append(ignore, rel)
	}
	bun, m, err := oms.Sign(ctx, b, path, oms.Options{IgnorePaths: ignore})
	if err != nil {
		return err
	}
	data, err := bun.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(bundlePath, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "signed model %s (%d files) in the token; OMS bundle written to %s\n", path, len(m.Resources), bundlePath)

	data, err = os.ReadFile(bundlePath)
	if err != nil {
		return err
	}
	parsed, err := oms.ParseBundle(data)
	if err != nil {
		return err
	}
	res, _, err := oms.Verify(ctx, v, parsed, p, path, oms.VerifyOptions{IgnorePaths: ignore})
	if err != nil {
		return err
	}
	report(out, res)
	return nil
}

// builder returns the bundle builder, the verifier and the policy for the
// adoption stage svc asks for.
func builder(ctx context.Context, cred *signer.Credential, svc *services) (*sign.BundleBuilder, *verify.Verifier, policy.Policy, error) {
	if svc.trustConfig == "" {
		// Stage 1: a key-signed bundle verified with the key alone, against
		// a trusted root that lists no CA, log or TSA.
		root, err := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
		if err != nil {
			return nil, nil, nil, err
		}
		v, err := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
		if err != nil {
			return nil, nil, nil, err
		}
		b, err := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
		return b, v, policy.PublicKey(cred.PublicKey()), err
	}
	// Stage 3: the token's key in a Fulcio certificate, plus log entries
	// and timestamps, verified with everything the trusted root vouches for.
	root, err := trustroot.FromFile(svc.trustConfig)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := root.SigningConfig()
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := cfg.Fulcio(time.Now())
	if err != nil {
		return nil, nil, nil, err
	}
	tokens := signer.TokenFile(svc.tokenFile)
	tok, err := tokens.IDToken(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	issuer, subject, email, err := signer.TokenIdentity(tok)
	if err != nil {
		return nil, nil, nil, err
	}
	if email != "" {
		subject = email
	}
	fulcio, err := signer.NewFulcio(root, ca.URL, tokens)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := verify.New(root)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithCertificateProvider(fulcio),
		sign.WithSigningConfig(root, cfg), sign.WithSelfCheck(v.SelfCheck()))
	return b, v, policy.Identity(issuer, subject), err
}
