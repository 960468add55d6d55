package witness

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	tnote "golang.org/x/mod/sumdb/note"
)

func newKey(t testing.TB, name string) (*Key, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, priv
}

// cosigner is a note.Signer making cosignature/v1 lines.
type cosigner struct {
	k    *Key
	priv ed25519.PrivateKey
	t    uint64
}

func (c cosigner) Name() string    { return c.k.Name() }
func (c cosigner) KeyHash() uint32 { return c.k.KeyHash() }
func (c cosigner) Sign(msg []byte) ([]byte, error) {
	return append(binary.BigEndian.AppendUint64(nil, c.t), ed25519.Sign(c.priv, CosignedMessage(c.t, msg))...), nil
}

const text = "log.example\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n"

func TestCosignature(t *testing.T) {
	k, priv := newKey(t, "witness.example/w1")
	env, err := tnote.Sign(&tnote.Note{Text: text}, cosigner{k, priv, 1733313600})
	if err != nil {
		t.Fatal(err)
	}
	n, err := tnote.Open(env, tnote.VerifierList(k))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := CosignatureTime(n.Sigs[0].Base64)
	if err != nil || !ts.Equal(time.Unix(1733313600, 0)) {
		t.Fatalf("time %v, %v", ts, err)
	}
	// The timestamp is signed: another time does not verify.
	sig, _ := cosigner{k, priv, 1733313600}.Sign([]byte(text))
	binary.BigEndian.PutUint64(sig, 1733313601)
	if k.Verify([]byte(text), sig) {
		t.Fatal("cosignature with a changed time verifies")
	}
	if k.Verify([]byte(text), sig[:len(sig)-1]) {
		t.Fatal("short cosignature verifies")
	}
	// A plain Ed25519 note signature by the same key is not a cosignature.
	if k.Verify([]byte(text), ed25519.Sign(priv, []byte(text))) {
		t.Fatal("plain signature verifies as cosignature")
	}
}

func TestParseVerifierKey(t *testing.T) {
	k, _ := newKey(t, "witness.example/w1")
	got, err := ParseVerifierKey(k.VerifierKey())
	if err != nil || got.KeyHash() != k.KeyHash() || got.Name() != k.Name() || !got.PublicKey().Equal(k.PublicKey()) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	// The plain Ed25519 vkey of the same key (as x/mod note and
	// omniwitness print it) gives the same cosignature key.
	plain, err := tnote.NewEd25519VerifierKey(k.Name(), k.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	got, err = ParseVerifierKey(plain)
	if err != nil || got.KeyHash() != k.KeyHash() {
		t.Fatalf("plain vkey: %v, %v", got, err)
	}
	raw := append([]byte{0x04}, k.PublicKey()...)
	for name, vkey := range map[string]string{
		"empty":        "",
		"no key":       "w+12345678",
		"bad hash":     strings.Replace(k.VerifierKey(), "+", "+0", 1)[:len(k.VerifierKey())],
		"wrong hash":   "witness.example/w1+00000000+" + base64.StdEncoding.EncodeToString(raw),
		"wrong type":   "w+00000000+" + base64.StdEncoding.EncodeToString(append([]byte{0x02}, k.PublicKey()...)),
		"short key":    "w+00000000+" + base64.StdEncoding.EncodeToString(raw[:32]),
		"bad name":     "a b+00000000+" + base64.StdEncoding.EncodeToString(raw),
		"bad base64":   "w+00000000+!!!!",
		"not hex hash": "w+zzzzzzzz+" + base64.StdEncoding.EncodeToString(raw),
	} {
		if _, err := ParseVerifierKey(vkey); err == nil {
			t.Errorf("%s: %q accepted", name, vkey)
		}
	}
	if _, err := NewKey("w", make([]byte, 31)); err == nil {
		t.Error("short key accepted")
	}
}

func TestPolicy(t *testing.T) {
	var keys []*Key
	var lines []string
	for _, n := range []string{"a", "b", "c", "d"} {
		k, _ := newKey(t, "witness.example/"+n)
		keys = append(keys, k)
		lines = append(lines, "witness "+strings.ToUpper(n)+" "+k.VerifierKey()+" https://witness.example/"+n)
	}
	base := strings.Join(lines, "\n") + "\n"
	set := func(names ...string) func(*Key) bool {
		return func(k *Key) bool {
			for _, n := range names {
				if k.Name() == "witness.example/"+n {
					return true
				}
			}
			return false
		}
	}
	p, err := ParsePolicy([]byte("# two groups\nlog " + keys[0].VerifierKey() + " https://log.example\n" + base +
		"group ab all A B # both\ngroup cd any C D\ngroup top 2 ab cd D\nquorum top\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Witnesses()) != 4 || len(p.Logs()) != 1 || !p.RequiresCosignatures() {
		t.Fatalf("%+v", p)
	}
	for _, tt := range []struct {
		names []string
		want  bool
	}{
		{nil, false},
		{[]string{"a", "b"}, false},
		{[]string{"a", "b", "c"}, true},
		{[]string{"c", "d"}, true},
		{[]string{"a", "d"}, true}, // cd and D
		{[]string{"a", "c"}, false},
		{[]string{"a", "b", "d"}, true},
	} {
		if got := p.Satisfied(set(tt.names...)); got != tt.want {
			t.Errorf("Satisfied(%v) = %v, want %v", tt.names, got, tt.want)
		}
	}
	none, err := ParsePolicy([]byte(base + "quorum none\n"))
	if err != nil || !none.Satisfied(set()) || none.RequiresCosignatures() {
		t.Fatalf("quorum none: %v", err)
	}
	single, err := ParsePolicy([]byte(base + "quorum B\n"))
	if err != nil || single.Satisfied(set("a")) || !single.Satisfied(set("b")) {
		t.Fatalf("quorum B: %v", err)
	}

	for name, bad := range map[string]string{
		"no quorum":          base,
		"two quorums":        base + "quorum A\nquorum B\n",
		"unknown quorum":     base + "quorum X\n",
		"forward reference":  base + "quorum g\ngroup g any A\n",
		"unknown member":     base + "group g any A X\nquorum g\n",
		"member twice":       base + "group g 2 A A\nquorum g\n",
		"threshold 0":        base + "group g 0 A\nquorum g\n",
		"threshold too high": base + "group g 3 A B\nquorum g\n",
		"threshold +1":       base + "group g +1 A B\nquorum g\n",
		"threshold 01":       base + "group g 01 A B\nquorum g\n",
		"empty group":        base + "group g any\nquorum g\n",
		"duplicate name":     base + "group A any B\nquorum A\n",
		"keyword name":       base + "witness none " + keys[0].VerifierKey() + "\nquorum none\n",
		"duplicate key":      base + "witness E " + keys[0].VerifierKey() + "\nquorum E\n",
		"bad key":            "witness A a+b+c\nquorum A\n",
		"bad URL":            "witness A " + keys[0].VerifierKey() + " ftp://x\nquorum A\n",
		"extra field":        "witness A " + keys[0].VerifierKey() + " https://a.example x\nquorum A\n",
		"unknown keyword":    base + "cosigner A\nquorum A\n",
		"bare log":           "log\nquorum none\n",
		"too large":          strings.Repeat("#", MaxPolicySize+1),
	} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPolicyDepth checks that evaluation work is linear in the policy size
// even when groups share members (a naive recursive evaluation of this
// policy would visit 2^100 paths).
func TestPolicyDepth(t *testing.T) {
	k, _ := newKey(t, "witness.example/a")
	s := "witness g0 " + k.VerifierKey() + "\ngroup g0x any g0\n"
	for i := 1; i <= 100; i++ {
		s += "group g" + strconv.Itoa(i) + " all g" + strconv.Itoa(i-1) + " g" + strconv.Itoa(i-1) + "x\n"
		s += "group g" + strconv.Itoa(i) + "x any g" + strconv.Itoa(i-1) + " g" + strconv.Itoa(i-1) + "x\n"
	}
	p, err := ParsePolicy([]byte(s + "quorum g100\n"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	if !p.Satisfied(func(*Key) bool { calls++; return true }) || calls != 1 {
		t.Fatalf("calls = %d", calls)
	}
}
