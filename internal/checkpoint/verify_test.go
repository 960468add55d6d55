package checkpoint

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sigil-dev/sigil/witness"
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
	for kind := range logSigners(t, "x") {
		t.Run(kind, func(t *testing.T) {
			for _, tc := range []struct{ name, text string }{
				{testOrigin, testText},
				{"rekor.example", testV1Text},
			} {
				log := logSigners(t, tc.name)[kind]
				s, err := Open(signNote(t, tc.text, log), log.log(testBaseURL))
				if err != nil {
					t.Fatal(err)
				}
				want, err := ParseCheckpoint([]byte(tc.text))
				if err != nil {
					t.Fatal(err)
				}
				if !equalCheckpoints(&s.Checkpoint, want) {
					t.Fatalf("got %+v, want %+v", s.Checkpoint, want)
				}
				if len(s.Note.Sigs) != 1 || s.Note.Sigs[0].Name != tc.name || s.Note.Text != tc.text || s.Cosignatures != nil {
					t.Fatalf("note %+v", s.Note)
				}
			}
		})
	}
}

// TestOpenOrigin checks that the origin binds the checkpoint to the log's
// base URL (Rekor v2) and the key name to the origin (both forms).
func TestOpenOrigin(t *testing.T) {
	for _, tt := range []struct {
		baseURL, origin string
		want            outcome
	}{
		{"https://log.example", "log.example", wantOK},
		{"https://log.example/", "log.example", wantOK},
		{"https://log.example/api/v2", "log.example", wantOK},
		{"http://127.0.0.1:3003", "127.0.0.1", wantOK},      // rekor-tiles --hostname 127.0.0.1
		{"http://127.0.0.1:3003", "127.0.0.1:3003", wantOK}, // rekor-tiles --hostname 127.0.0.1:3003
		{"http://localhost:8000", "localhost:8000 - 42", wantOK},
		{"https://other.example", "rekor.example - 42", wantOK}, // v1: the name is not bound to the URL
		{"http://127.0.0.1:3003", "127.0.0.1:3004", wantWrongOrigin},
		{"http://127.0.0.1", "127.0.0.1:3003", wantWrongOrigin}, // no port in the URL
		{"https://log.example", "other.example", wantWrongOrigin},
		{"https://log.example", "log.example/", wantWrongOrigin},
		{"https://log.example", "Log.example", wantWrongOrigin},
		{"https://log.example", "log.example.", wantWrongOrigin},
		{"https://log.example", "log.example:443", wantWrongOrigin},
		{"https://log.example", "log.example - ", wantWrongOrigin},
		{"https://log.example", "log.example - 01", wantWrongOrigin},
		{"https://log.example", "log.example - x", wantWrongOrigin},
		{"https://log.example", "a b - 1", wantWrongOrigin},
	} {
		t.Run(tt.baseURL+" "+tt.origin, func(t *testing.T) {
			name, _, _ := strings.Cut(tt.origin, " - ")
			log := newEd25519Signer(t, name)
			text := tt.origin + "\n1\n" + testHash + "\n"
			s, err := Open(envelope(text, log.line(text)), log.log(tt.baseURL))
			if got := classify(t, s, err); got != tt.want {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
		})
	}

	// The key name must be the one the origin implies, even with the
	// log's key and key ID.
	for _, tt := range []struct{ origin, signer string }{
		{"log.example", "other.example"},
		{"rekor.example - 42", "rekor.example-42"},
		{"rekor.example - 42", "other.example"},
	} {
		log := newECDSASigner(t, tt.signer, elliptic.P256())
		text := tt.origin + "\n1\n" + testHash + "\n"
		_, err := Open(envelope(text, log.line(text)), log.log(testBaseURL))
		if got := classify(t, nil, err); got != wantNoLogSignature {
			t.Errorf("origin %q signed as %q: got %v (%v), want NoLogSignature", tt.origin, tt.signer, got, err)
		}
	}
}

func TestOpenSignatureSelection(t *testing.T) {
	w := newWitness(t, "witness.example/w1")
	for kind, log := range logSigners(t, testOrigin) {
		t.Run(kind, func(t *testing.T) {
			good := log.line(testText)
			otherKey := newECDSASigner(t, testOrigin, elliptic.P256()).line(testText)
			sameHint := newEd25519Signer(t, "other.example")
			sameHint.hint = log.hint
			impostor := newEd25519Signer(t, testOrigin)
			impostor.hint = log.hint
			cosig := w.line(testText)
			unknown := sigLine("x", []byte{1, 2, 3, 4, 0xff})
			tamper := func(line string, f func(b []byte) []byte) string {
				name, b64, _ := strings.Cut(strings.TrimPrefix(strings.TrimSuffix(line, "\n"), "— "), " ")
				blob, err := b64Decode(b64)
				if err != nil {
					t.Fatal(err)
				}
				return sigLine(name, f(blob))
			}
			wrongHint := tamper(good, func(b []byte) []byte { b[0] ^= 1; return b })
			flipped := tamper(good, func(b []byte) []byte { b[len(b)/2] ^= 1; return b })
			truncated := tamper(good, func(b []byte) []byte { return b[:len(b)-1] })
			extended := tamper(good, func(b []byte) []byte { return append(b, 0) })
			badCosig := tamper(cosig, func(b []byte) []byte { b[len(b)-1] ^= 1; return b })
			cosigTime := tamper(cosig, func(b []byte) []byte { b[11]++; return b })

			tests := []struct {
				name      string
				env       []byte
				witnesses []*witness.Key
				want      outcome
				cosigs    int
			}{
				{"alone", envelope(testText, good), nil, wantOK, 0},
				{"untrusted cosignature after", envelope(testText, good, cosig), nil, wantOK, 0},
				{"trusted cosignature after", envelope(testText, good, cosig), []*witness.Key{w.key}, wantOK, 1},
				{"trusted cosignature before", envelope(testText, cosig, good), []*witness.Key{w.key}, wantOK, 1},
				{"many others around", envelope(testText, unknown, cosig, otherKey, good, sameHint.line(testText), unknown), []*witness.Key{w.key}, wantOK, 1},
				{"same name, other key ID", envelope(testText, otherKey, good), nil, wantOK, 0},
				{"same key ID, other name", envelope(testText, sameHint.line(testText), good), nil, wantOK, 0},
				{"identical duplicate", envelope(testText, good, good), nil, wantOK, 0},
				{"bad untrusted cosignature", envelope(testText, good, badCosig), nil, wantOK, 0},
				{"bad trusted cosignature", envelope(testText, good, badCosig), []*witness.Key{w.key}, wantInvalidCosignature, 0},
				{"trusted cosignature, time changed", envelope(testText, good, cosigTime), []*witness.Key{w.key}, wantInvalidCosignature, 0},
				{"relabelled key ID is not the log's", envelope(testText, wrongHint), nil, wantNoLogSignature, 0},
				{"only a cosignature", envelope(testText, cosig), []*witness.Key{w.key}, wantNoLogSignature, 0},
				{"only other key of origin", envelope(testText, otherKey), nil, wantNoLogSignature, 0},
				{"only key ID collision under other name", envelope(testText, sameHint.line(testText)), nil, wantNoLogSignature, 0},
				{"flipped bit", envelope(testText, flipped), nil, wantInvalidSignature, 0},
				{"truncated", envelope(testText, truncated), nil, wantInvalidSignature, 0},
				{"extended", envelope(testText, extended), nil, wantInvalidSignature, 0},
				{"impostor with name and key ID", envelope(testText, impostor.line(testText)), nil, wantInvalidSignature, 0},
				{"invalid then valid", envelope(testText, flipped, good), nil, wantInvalidSignature, 0},
				{"signature of other text", envelope(strings.Replace(testText, "736", "737", 1), good), nil, wantInvalidSignature, 0},
				{"signed text is not a checkpoint", envelope(testOrigin+"\n", log.line(testOrigin+"\n")), nil, wantMalformed, 0},
				{"valid signature, malformed line", append(envelope(testText, good), "— bad\n"...), nil, wantMalformed, 0},
				{"valid signature, trailing data", append(envelope(testText, good), 'x'), nil, wantMalformed, 0},
				{"valid signature, CRLF", bytes.ReplaceAll(envelope(testText, good), []byte("\n"), []byte("\r\n")), nil, wantMalformed, 0},
				{"too many lines", envelope(testText, strings.Repeat(unknown, MaxSignatures)+good), nil, wantMalformed, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s, err := Open(tt.env, log.log(testBaseURL), tt.witnesses...)
					if got := classify(t, s, err); got != tt.want {
						t.Fatalf("got %v (%v), want %v", got, err, tt.want)
					}
					var verr *VerificationError
					if errors.As(err, &verr) {
						wantName, wantID := log.name, log.hint
						if tt.want == wantInvalidCosignature {
							wantName, wantID = w.key.Name(), [4]byte{byte(w.key.KeyHash() >> 24), byte(w.key.KeyHash() >> 16), byte(w.key.KeyHash() >> 8), byte(w.key.KeyHash())}
						}
						if verr.Name != wantName || verr.KeyID != wantID || verr.Origin != testOrigin {
							t.Errorf("VerificationError %+v does not name the key", verr)
						}
					}
					if s != nil {
						if len(s.Cosignatures) != tt.cosigs {
							t.Fatalf("%d cosignatures, want %d", len(s.Cosignatures), tt.cosigs)
						}
						for _, c := range s.Cosignatures {
							if c.Witness != w.key || !c.Time.Equal(time.Unix(int64(w.time), 0)) {
								t.Errorf("cosignature %+v", c)
							}
						}
					}
				})
			}
		})
	}
}

func b64Decode(s string) ([]byte, error) { return b64.DecodeString(s) }

// TestOpenHash documents that ECDSA signatures use the hash that goes with
// the curve: a P-384 log signing SHA-256 digests does not verify.
func TestOpenHash(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	log := newECDSASigner(t, testOrigin, elliptic.P384())
	log.pub = &priv.PublicKey
	log.sign = func(msg []byte) []byte {
		sig, err := ecdsa.SignASN1(rand.Reader, priv, curveDigest(elliptic.P256(), msg))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	_, err = Open(signNote(t, testText, log), log.log(testBaseURL))
	if got := classify(t, nil, err); got != wantInvalidSignature {
		t.Fatalf("got %v, want %v", got, wantInvalidSignature)
	}
}

func TestOpenInvalidLog(t *testing.T) {
	log := newEd25519Signer(t, testOrigin)
	env := signNote(t, testText, log)
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
	u := testBaseURL
	tests := map[string]Log{
		"zero":                {},
		"no base URL":         {KeyID: log.hint, Key: edPub},
		"base URL, no host":   {BaseURL: "log.example", KeyID: log.hint, Key: edPub},
		"nil key":             {BaseURL: u, KeyID: log.hint},
		"nil ECDSA key":       {BaseURL: u, KeyID: log.hint, Key: (*ecdsa.PublicKey)(nil)},
		"ECDSA key, no point": {BaseURL: u, KeyID: log.hint, Key: &ecdsa.PublicKey{Curve: elliptic.P256()}},
		//lint:ignore SA1019 builds an invalid key on purpose.
		"ECDSA key, no curve": {BaseURL: u, KeyID: log.hint, Key: &ecdsa.PublicKey{X: ec.X, Y: ec.Y}},
		"ECDSA key by value":  {BaseURL: u, KeyID: log.hint, Key: ec.PublicKey},
		"P-224":               {BaseURL: u, KeyID: log.hint, Key: &p224.PublicKey},
		"ECDSA private key":   {BaseURL: u, KeyID: log.hint, Key: ec},
		"RSA-1024":            {BaseURL: u, KeyID: log.hint, Key: &rsaKey.PublicKey},
		"X25519":              {BaseURL: u, KeyID: log.hint, Key: x25519.PublicKey()},
		"short Ed25519":       {BaseURL: u, KeyID: log.hint, Key: edPub[:31]},
		"long Ed25519":        {BaseURL: u, KeyID: log.hint, Key: append(bytes.Clone(edPub), 0)},
		"Ed25519 pointer":     {BaseURL: u, KeyID: log.hint, Key: &edPub},
		"Ed25519 private key": {BaseURL: u, KeyID: log.hint, Key: ed25519.NewKeyFromSeed(make([]byte, 32))},
	}
	for name, l := range tests {
		t.Run(name, func(t *testing.T) {
			for _, in := range [][]byte{env, []byte("malformed")} {
				s, err := Open(in, l)
				if !errors.Is(err, ErrInvalidLog) || s != nil {
					t.Fatalf("got %v, %v; want ErrInvalidLog", s, err)
				}
				var verr *VerificationError
				if errors.Is(err, ErrMalformed) || errors.As(err, &verr) {
					t.Fatalf("error %v has the wrong class", err)
				}
			}
		})
	}
	t.Run("witness with the log's name and key ID", func(t *testing.T) {
		w := newWitness(t, testOrigin)
		l := Log{BaseURL: u, Key: edPub}
		k := w.key.KeyHash()
		l.KeyID = [4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}
		if _, err := Open(env, l, w.key); !errors.Is(err, ErrInvalidLog) {
			t.Fatalf("got %v, want ErrInvalidLog", err)
		}
	})
}

// TestOpenOffCurveKey checks that a key whose point is not on its curve is
// rejected without a panic.
func TestOpenOffCurveKey(t *testing.T) {
	log := newECDSASigner(t, testOrigin, elliptic.P256())
	pub := *log.pub.(*ecdsa.PublicKey)
	//lint:ignore SA1019 builds an off-curve key on purpose.
	pub.X = new(big.Int).Add(pub.X, big.NewInt(1))
	l := log.log(testBaseURL)
	l.Key = &pub
	if _, err := Open(signNote(t, testText, log), l); err == nil {
		t.Fatal("off-curve key accepted")
	}
}

func TestVerificationError(t *testing.T) {
	e := &VerificationError{Reason: NoLogSignature, Origin: "rekor.sigstore.dev - 1", Name: "rekor.sigstore.dev", KeyID: [4]byte{0xc0, 0xd2, 0x3d, 0x6a}}
	if got, want := e.Error(), `checkpoint: no signature from log: origin "rekor.sigstore.dev - 1", key "rekor.sigstore.dev" (key ID c0d23d6a)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := Reason(0).String(); got != "Reason(0)" {
		t.Errorf("Reason(0).String() = %q", got)
	}
}

// TestXModNote cross-checks Ed25519 notes with the verifier keys of
// golang.org/x/mod/sumdb/note: a key it generates signs, Open verifies.
func TestXModNote(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	_, key64, _ := strings.Cut(strings.SplitN(vkey, "+", 2)[1], "+")
	raw, err := b64Decode(key64)
	if err != nil {
		t.Fatal(err)
	}
	h := signer.KeyHash()
	l := Log{BaseURL: testBaseURL, KeyID: [4]byte{byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h)}, Key: ed25519.PublicKey(raw[1:])}
	if _, err := Open(signNote(t, testText, signer), l); err != nil {
		t.Fatal(err)
	}
}

func TestOpenConcurrent(t *testing.T) {
	c := loadCorpus(t)
	cases := []corpusCase{c.get(t, "conformance/happy-path-v0.3"), c.get(t, "conformance/rekor2-checkpoint-cosigned")}
	var wg sync.WaitGroup
	for i := range 8 {
		cc := cases[i%len(cases)]
		l := c.log(t, cc)
		wg.Go(func() {
			for range 20 {
				if _, err := Open([]byte(cc.Envelope), l); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
