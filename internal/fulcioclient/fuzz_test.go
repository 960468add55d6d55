package fulcioclient

import (
	"errors"
	"math/big"
	"testing"

	"github.com/sigil-dev/sigil/internal/limits"
)

func bigOne() *big.Int { return big.NewInt(1) }

// FuzzParseResponse: ParseResponse never panics; it returns 1 to
// limits.MaxChainLength certificates or an error wrapping
// ErrInvalidResponse; a chain it returns never passes Validate for a key
// other than its leaf's. Seeds: testdata/fuzz/FuzzParseResponse and the
// recorded responses.
func FuzzParseResponse(f *testing.F) {
	f.Add(sample(f, "fulcio-csr-response.json"))
	f.Add(sample(f, "fulcio-pubkey-response.json"))
	root := sampleRoot(f)
	pub := signerPub(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		chain, err := ParseResponse(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("error %v does not wrap ErrInvalidResponse", err)
			}
			return
		}
		if len(chain) < 1 || len(chain) > limits.MaxChainLength {
			t.Fatalf("%d certificates", len(chain))
		}
		for _, c := range chain {
			if c == nil {
				t.Fatal("nil certificate")
			}
		}
		out, err := Validate(chain, pub, root, recordedAt)
		if err != nil {
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("Validate error %v does not wrap ErrInvalidResponse", err)
			}
			return
		}
		if len(out) == 0 || !out[0].Equal(chain[0]) {
			t.Fatal("Validate returned a chain that does not start with the leaf")
		}
	})
}
