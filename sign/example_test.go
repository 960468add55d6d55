package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// A trusted root that lists no CA, log or TSA: bundles signed with a bare
// key (adoption stage 1) verify with the key alone.
const keyOnlyRoot = `{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// Sign an artifact with a long-lived key, verify every bundle before it is
// returned (WithSelfCheck), and verify the result as a user would.
func ExampleNewBundleBuilder() {
	key, err := signer.Generate(signer.ECDSAP256) // or a KMS or PKCS#11 crypto.Signer
	if err != nil {
		panic(err)
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		panic(err)
	}
	root, err := trustroot.ParseJSON([]byte(keyOnlyRoot))
	if err != nil {
		panic(err)
	}
	v, err := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	if err != nil {
		panic(err)
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		panic(err)
	}
	bun, err := b.SignArtifact(context.Background(), strings.NewReader("release-1.0.tar.gz contents"))
	if err != nil {
		panic(err)
	}

	// What a user does with the bundle's JSON.
	data, _ := bun.MarshalJSON()
	parsed, err := bundle.Parse(data)
	if err != nil {
		panic(err)
	}
	res, err := v.Verify(parsed, verify.ArtifactReader(strings.NewReader("release-1.0.tar.gz contents")), policy.PublicKey(cred.PublicKey()))
	if err != nil {
		panic(err)
	}
	fmt.Println("media type:", res.MediaType)
	fmt.Println("signed by the key with hint:", res.Signer.KeyHint == cred.Hint())
	fmt.Println("digest:", parsed.MessageSignature().DigestAlgorithm)
	fmt.Println("log entries:", len(res.TlogEntries), "timestamps:", len(res.Timestamps))
	// Output:
	// media type: application/vnd.dev.sigstore.bundle.v0.3+json
	// signed by the key with hint: true
	// digest: SHA-256
	// log entries: 0 timestamps: 0
}

// Sign an in-toto statement about several files, as model-signing tools
// do, and verify one file against it.
func ExampleBundleBuilder_SignStatement() {
	key, _ := signer.Generate(signer.Ed25519)
	cred, _ := signer.FromKey(key)
	b, err := sign.NewBundleBuilder(cred)
	if err != nil {
		panic(err)
	}
	files := map[string]string{"model.safetensors": "weights", "config.json": `{"layers": 2}`}
	st := &intoto.Statement{PredicateType: "https://model_signing/signature/v1.0"}
	for _, name := range []string{"config.json", "model.safetensors"} {
		sum := sha256.Sum256([]byte(files[name]))
		st.Subject = append(st.Subject, intoto.Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}})
	}
	bun, err := b.SignStatement(context.Background(), st)
	if err != nil {
		panic(err)
	}

	root, _ := trustroot.ParseJSON([]byte(keyOnlyRoot))
	v, _ := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	res, err := v.Verify(bun, verify.ArtifactReader(strings.NewReader(files["model.safetensors"])), policy.PublicKey(cred.PublicKey()))
	if err != nil {
		panic(err)
	}
	fmt.Println("payload type:", bun.Envelope().PayloadType)
	fmt.Println("predicate:", res.Statement.PredicateType)
	fmt.Println("subjects:", len(res.Statement.Subject))
	_, err = v.Verify(bun, verify.ArtifactReader(strings.NewReader("other weights")), policy.PublicKey(cred.PublicKey()))
	var verr *verify.Error
	if errors.As(err, &verr) {
		fmt.Println("another file fails at:", verr.Step)
	}
	// Output:
	// payload type: application/vnd.in-toto+json
	// predicate: https://model_signing/signature/v1.0
	// subjects: 2
	// another file fails at: artifact
}

// Bundle a signature made elsewhere — here by ecdsa.SignASN1 standing in for
// a remote signing service. The signature is verified before any bundle is
// made.
func ExampleAssembleMessage() {
	key, _ := signer.Generate(signer.ECDSAP256)
	digest := sha256.Sum256([]byte("artifact"))
	sig, err := ecdsa.SignASN1(rand.Reader, key.(*ecdsa.PrivateKey), digest[:]) // elsewhere
	if err != nil {
		panic(err)
	}

	// The signer is named by a credential of its public key alone.
	m, err := signer.FromPublicKey(key.Public(), signer.WithHint("release-key-2026"))
	if err != nil {
		panic(err)
	}
	bun, err := sign.AssembleMessage(context.Background(), m, crypto.SHA256, digest[:], sig)
	if err != nil {
		panic(err)
	}
	hint := bun.PublicKeyHint()
	fmt.Println("bundled, hint:", hint)

	other := sha256.Sum256([]byte("another artifact"))
	_, err = sign.AssembleMessage(context.Background(), m, crypto.SHA256, other[:], sig)
	fmt.Println("wrong digest:", errors.Is(err, sign.ErrInvalidSignature))
	// Output:
	// bundled, hint: release-key-2026
	// wrong digest: true
}
