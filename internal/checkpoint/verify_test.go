package checkpoint

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// logSigners returns one fresh log key of each supported kind.
func logSigners(t *testing.T, name string) map[string]*testSigner {
	return map[string]*testSigner{
		"Ed25519": newEd25519Signer(t, name),
		"P-256":   newECDSASigner(t, name, elliptic.P256()),
		"P-384":   newECDSASigner(t, name, elliptic.P384()),
		"P-521":   newECDSASigner(t, name, elliptic.P521()),
	}
}

func TestOpen(t *testing.T) {
	const name = "log.example/test"
	texts := []string{
		testText,
		"rekor.example - 42\n23083062\n" + testHash + "\nTimestamp: 1689177396617352539\n",
	}
	for kind, log := range logSigners(t, name) {
		t.Run(kind, func(t *testing.T) {
			for _, text := range texts {
				cp, err := Open(envelope(text, log.sig(text)), log.verifier())
				if err != nil {
					t.Fatal(err)
				}
				want, err := ParseCheckpoint([]byte(text))
				if err != nil {
					t.Fatal(err)
				}
				if !equalCheckpoints(cp, want) {
					t.Fatalf("got %+v, want %+v", cp, want)
				}
			}
		})
	}
}

func TestOpenSignatureSelection(t *testing.T) {
	const name = "log.example/test"
	witness := newEd25519Signer(t, "witness.example/w1")
	for kind, log := range logSigners(t, name) {
		t.Run(kind, func(t *testing.T) {
			good := log.sig(testText)
			// Another key of the same origin (Rekor v2 may sign with two).
			otherKey := newECDSASigner(t, name, elliptic.P256()).sig(testText)
			// A key that collides with the log's hint under another name.
			sameHint := newEd25519Signer(t, "other.example")
			sameHint.hint = log.hint
			// A key that collides with both the log's name and hint.
			impostor := newEd25519Signer(t, name)
			impostor.hint = log.hint
			// A timestamped cosignature (8-byte timestamp + 64-byte signature).
			cosig := Signature{Name: witness.name, KeyHint: witness.hint, Sig: append(make([]byte, 8), witness.sign([]byte(testText))...)}
			unknown := Signature{Name: "x", KeyHint: [4]byte{1, 2, 3, 4}, Sig: []byte{0xff}}

			withSig := func(f func(s *Signature)) Signature {
				s := good
				s.Sig = bytes.Clone(good.Sig)
				f(&s)
				return s
			}
			wrongHint := withSig(func(s *Signature) { s.KeyHint[0] ^= 1 })
			wrongName := withSig(func(s *Signature) { s.Name = "log.example/other" })
			flipped := withSig(func(s *Signature) { s.Sig[len(s.Sig)/2] ^= 1 })
			truncated := withSig(func(s *Signature) { s.Sig = s.Sig[:len(s.Sig)-1] })
			extended := withSig(func(s *Signature) { s.Sig = append(s.Sig, 0) })
			huge := withSig(func(s *Signature) { s.Sig = append(s.Sig, make([]byte, 600)...) })

			tests := []struct {
				name string
				env  []byte
				want outcome
			}{
				{"alone", envelope(testText, good), wantOK},
				{"cosignature after", envelope(testText, good, cosig), wantOK},
				{"cosignature before", envelope(testText, cosig, good), wantOK},
				{"many others around", envelope(testText, unknown, cosig, otherKey, good, sameHint.sig(testText), unknown), wantOK},
				{"same name, other hint", envelope(testText, otherKey, good), wantOK},
				{"same hint, other name", envelope(testText, sameHint.sig(testText), good), wantOK},
				{"identical duplicate", envelope(testText, good, good), wantOK},
				{"second valid signature", envelope(testText, good, log.sig(testText)), wantOK},
				{"relabelled hint is not the log's", envelope(testText, wrongHint), wantNoLogSignature},
				{"relabelled name is not the log's", envelope(testText, wrongName), wantNoLogSignature},
				{"only a cosignature", envelope(testText, cosig), wantNoLogSignature},
				{"only other key of origin", envelope(testText, otherKey), wantNoLogSignature},
				{"only hint collision under other name", envelope(testText, sameHint.sig(testText)), wantNoLogSignature},
				{"flipped bit", envelope(testText, flipped), wantInvalidSignature},
				{"truncated", envelope(testText, truncated), wantInvalidSignature},
				{"extended", envelope(testText, extended), wantInvalidSignature},
				{"oversized", envelope(testText, huge), wantInvalidSignature},
				{"impostor with name and hint", envelope(testText, impostor.sig(testText)), wantInvalidSignature},
				{"valid then invalid", envelope(testText, good, flipped), wantInvalidSignature},
				{"invalid then valid", envelope(testText, flipped, good), wantInvalidSignature},
				{"impostor then valid", envelope(testText, impostor.sig(testText), good), wantInvalidSignature},
				{"signature of other text", envelope(strings.Replace(testText, "736", "737", 1), good), wantInvalidSignature},
				{"signed text is not a checkpoint", envelope("hello\n", log.sig("hello\n")), wantMalformed},
				{"signed checkpoint with empty extension line", envelope(testText+"\nx\n", log.sig(testText+"\nx\n")), wantMalformed},
				{"valid signature, malformed line", append(envelope(testText, good), "— bad\n"...), wantMalformed},
				{"valid signature, trailing data", append(envelope(testText, good), 'x'), wantMalformed},
				{"valid signature, CRLF", bytes.ReplaceAll(envelope(testText, good), []byte("\n"), []byte("\r\n")), wantMalformed},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					cp, err := Open(tt.env, log.verifier())
					if got := classify(t, cp, err); got != tt.want {
						t.Fatalf("got %v (%v), want %v", got, err, tt.want)
					}
					var verr *VerificationError
					if errors.As(err, &verr) && (verr.Name != log.name || verr.Hint != log.hint) {
						t.Errorf("VerificationError %+v does not name the verifier", verr)
					}
				})
			}
		})
	}
}

// TestOpenHash documents that ECDSA signatures use the hash that goes with
// the curve: a P-384 log signing SHA-256 digests does not verify.
func TestOpenHash(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	log := newECDSASigner(t, "n", elliptic.P384())
	log.pub = &priv.PublicKey
	log.sign = func(msg []byte) []byte {
		sig, err := ecdsa.SignASN1(rand.Reader, priv, curveDigest(elliptic.P256(), msg))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	_, err = Open(envelope(testText, log.sig(testText)), log.verifier())
	if got := classify(t, nil, err); got != wantInvalidSignature {
		t.Fatalf("got %v, want %v", got, wantInvalidSignature)
	}
}

func TestOpenInvalidVerifier(t *testing.T) {
	log := newEd25519Signer(t, "n")
	env := envelope(testText, log.sig(testText))
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub := log.pub.(ed25519.PublicKey)
	tests := map[string]Verifier{
		"zero":                {},
		"name with space":     {Name: "a b", Hint: log.hint, Key: edPub},
		"name with plus":      {Name: "a+b", Hint: log.hint, Key: edPub},
		"name with NBSP":      {Name: "a\u00a0b", Hint: log.hint, Key: edPub},
		"name with newline":   {Name: "a\n", Hint: log.hint, Key: edPub},
		"name not UTF-8":      {Name: "a\xff", Hint: log.hint, Key: edPub},
		"nil key":             {Name: "n", Hint: log.hint},
		"nil ECDSA key":       {Name: "n", Hint: log.hint, Key: (*ecdsa.PublicKey)(nil)},
		"ECDSA key, no point": {Name: "n", Hint: log.hint, Key: &ecdsa.PublicKey{Curve: elliptic.P256()}},
		//lint:ignore SA1019 builds an invalid key on purpose.
		"ECDSA key, no curve": {Name: "n", Hint: log.hint, Key: &ecdsa.PublicKey{X: ec.X, Y: ec.Y}},
		"ECDSA key by value":  {Name: "n", Hint: log.hint, Key: ec.PublicKey},
		"P-224":               {Name: "n", Hint: log.hint, Key: &p224.PublicKey},
		"ECDSA private key":   {Name: "n", Hint: log.hint, Key: ec},
		"RSA-1024":            {Name: "n", Hint: log.hint, Key: &rsaKey.PublicKey},
		"X25519":              {Name: "n", Hint: log.hint, Key: x25519.PublicKey()},
		"short Ed25519":       {Name: "n", Hint: log.hint, Key: edPub[:31]},
		"long Ed25519":        {Name: "n", Hint: log.hint, Key: append(bytes.Clone(edPub), 0)},
		"Ed25519 pointer":     {Name: "n", Hint: log.hint, Key: &edPub},
		"Ed25519 private key": {Name: "n", Hint: log.hint, Key: ed25519.NewKeyFromSeed(make([]byte, 32))},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			for _, in := range [][]byte{env, []byte("malformed")} {
				cp, err := Open(in, v)
				if !errors.Is(err, ErrInvalidVerifier) || cp != nil {
					t.Fatalf("got %v, %v; want ErrInvalidVerifier", cp, err)
				}
				var verr *VerificationError
				if errors.Is(err, ErrMalformed) || errors.As(err, &verr) {
					t.Fatalf("error %v has the wrong class", err)
				}
			}
		})
	}
}

// TestOpenOffCurveKey checks that a key whose point is not on its curve is
// rejected without a panic.
func TestOpenOffCurveKey(t *testing.T) {
	log := newECDSASigner(t, "n", elliptic.P256())
	pub := *log.pub.(*ecdsa.PublicKey)
	//lint:ignore SA1019 builds an off-curve key on purpose.
	pub.X = new(big.Int).Add(pub.X, big.NewInt(1))
	v := log.verifier()
	v.Key = &pub
	_, err := Open(envelope(testText, log.sig(testText)), v)
	if err == nil {
		t.Fatal("off-curve key accepted")
	}
}

func TestVerificationError(t *testing.T) {
	e := &VerificationError{Reason: NoLogSignature, Name: "rekor.sigstore.dev", Hint: [4]byte{0xc0, 0xd2, 0x3d, 0x6a}}
	if got, want := e.Error(), `checkpoint: no signature from log "rekor.sigstore.dev" (key hint c0d23d6a)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Reason = InvalidSignature
	if got, want := e.Error(), `checkpoint: invalid signature from log "rekor.sigstore.dev" (key hint c0d23d6a)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := Reason(0).String(); got != "Reason(0)" {
		t.Errorf("Reason(0).String() = %q", got)
	}
}

// TestXModNote cross-checks Ed25519 notes with golang.org/x/mod/sumdb/note,
// the reference signed-note implementation, in both directions.
func TestXModNote(t *testing.T) {
	const name = "log.example/test"
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	xverifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	// vkey is "name+hash+base64(0x01 || key)".
	parts := strings.SplitN(vkey, "+", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		t.Fatalf("vkey %q", vkey)
	}
	var hint [4]byte
	binary.BigEndian.PutUint32(hint[:], xverifier.KeyHash())
	v := Verifier{Name: name, Hint: hint, Key: ed25519.PublicKey(raw[1:])}
	ours := &testSigner{name: name, hint: hint, pub: v.Key}
	if got := newEd25519Signer(t, name); got.hint == hint {
		t.Fatal("fresh keys share a hint") // sanity: hints depend on the key
	}

	witnessSkey, _, err := note.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	witness, err := note.NewSigner(witnessSkey)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("x/mod signs, Open verifies", func(t *testing.T) {
		env, err := note.Sign(&note.Note{Text: testText}, witness, signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Open(env, v); err != nil {
			t.Fatal(err)
		}
		n, err := ParseNote(env)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(n.Marshal(), env) {
			t.Fatalf("Marshal = %q, want %q", n.Marshal(), env)
		}
		// Keep the signature to sign with "our" signer below.
		for _, s := range n.Sigs {
			if s.Name == name {
				sig := s.Sig
				ours.sign = func(msg []byte) []byte {
					if string(msg) != testText {
						t.Fatal("unexpected message")
					}
					return sig
				}
			}
		}
		// Tampering is caught by both.
		bad := bytes.Replace(env, []byte("736"), []byte("737"), 1)
		if _, err := Open(bad, v); classify(t, nil, err) != wantInvalidSignature {
			t.Errorf("Open(tampered) = %v", err)
		}
		if _, err := note.Open(bad, note.VerifierList(xverifier)); err == nil {
			t.Error("note.Open(tampered) succeeded")
		}
	})

	t.Run("Marshal encodes, x/mod verifies", func(t *testing.T) {
		if ours.sign == nil {
			t.Skip("no signature")
		}
		env := envelope(testText, Signature{Name: "witness.example", KeyHint: [4]byte{1, 2, 3, 4}, Sig: make([]byte, 72)}, ours.sig(testText))
		n, err := note.Open(env, note.VerifierList(xverifier))
		if err != nil {
			t.Fatal(err)
		}
		if n.Text != testText || len(n.Sigs) != 1 || n.Sigs[0].Name != name || len(n.UnverifiedSigs) != 1 {
			t.Fatalf("note.Open = %+v", n)
		}
	})

	t.Run("fresh key", func(t *testing.T) {
		log := newEd25519Signer(t, name)
		vk, err := note.NewEd25519VerifierKey(name, log.pub.(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		xv, err := note.NewVerifier(vk)
		if err != nil {
			t.Fatal(err)
		}
		if binary.BigEndian.Uint32(log.hint[:]) != xv.KeyHash() {
			t.Fatal("key hint differs from x/mod's key hash")
		}
		env := envelope(testText, log.sig(testText))
		if _, err := note.Open(env, note.VerifierList(xv)); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(env, log.verifier()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenConcurrent(t *testing.T) {
	c := loadCorpus(t)
	cases := []corpusCase{c.get(t, "conformance/happy-path-v0.3"), c.get(t, "conformance/rekor2-checkpoint-cosigned")}
	var wg sync.WaitGroup
	for i := range 8 {
		cc := cases[i%len(cases)]
		v := c.verifier(t, cc)
		wg.Go(func() {
			for range 20 {
				if _, err := Open([]byte(cc.Envelope), v); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestOpenAllocs keeps Open's allocations on real envelopes from growing.
// Open itself allocates the Checkpoint (struct and root hash), one string
// for origin and extension lines, the Extra slice if there are extension
// lines, and a copy of an ECDSA signature; the allow-list (internal/sigalg)
// adds its hash state, and ecdsa.VerifyASN1 allocates more.
func TestOpenAllocs(t *testing.T) {
	c := loadCorpus(t)
	for name, want := range map[string]float64{
		"conformance/rekor2-happy-path":           3,
		"conformance/rekor2-checkpoint-cosigned":  3,
		"conformance/rekor2-dsse-happy-path":      3,
		"conformance/happy-path-v0.3":             5,
		"conformance/checkpoint-bad-keyhint_fail": 2, // the error
		"cpython/3.12.0":                          5,
		"conformance/happy-path-v0.2":             6, // + Extra
	} {
		cc := c.get(t, name)
		v := c.verifier(t, cc)
		env := []byte(cc.Envelope)
		got := testing.AllocsPerRun(50, func() { Open(env, v) })
		if pub, ok := v.Key.(*ecdsa.PublicKey); ok && !strings.HasSuffix(name, "_fail") {
			got -= ecdsaAllocs(t, pub, env, v)
		}
		if got != want {
			t.Errorf("%s: %v allocations besides ecdsa.VerifyASN1, want %v", name, got, want)
		}
	}
}

// ecdsaAllocs measures the allocations of ecdsa.VerifyASN1 verifying the
// log's signature in env.
func ecdsaAllocs(t *testing.T, pub *ecdsa.PublicKey, env []byte, v Verifier) float64 {
	n, err := ParseNote(env)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(n.Text)
	for _, s := range n.Sigs {
		if s.Name == v.Name && s.KeyHint == v.Hint {
			if !ecdsa.VerifyASN1(pub, digest[:], s.Sig) {
				t.Fatal("signature does not verify")
			}
			return testing.AllocsPerRun(50, func() { ecdsa.VerifyASN1(pub, digest[:], s.Sig) })
		}
	}
	t.Fatal("no signature from the log")
	return 0
}
