package witness_test

import (
	"crypto/ed25519"
	"fmt"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"

	"github.com/sigil-dev/sigil/witness"
)

// A policy that needs one of two witnesses, and what it makes of the
// witnesses whose cosignatures verified.
func ExampleParsePolicy() {
	a, _ := witness.NewKey("witness.example/a", ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
	seed := make([]byte, 32)
	seed[0] = 1
	b, _ := witness.NewKey("witness.example/b", ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))

	p, err := witness.ParsePolicy([]byte(`
witness A ` + a.VerifierKey() + ` https://a.example
witness B ` + b.VerifierKey() + `
group either any A B
quorum either
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range p.Witnesses() {
		fmt.Println("trusted:", k.Name())
	}
	fmt.Println("nobody:", p.Satisfied(func(*witness.Key) bool { return false }))
	fmt.Println("B only:", p.Satisfied(func(k *witness.Key) bool { return k == b || k.Name() == b.Name() }))
	// Output:
	// trusted: witness.example/a
	// trusted: witness.example/b
	// nobody: false
	// B only: true
}

// An ML-DSA-44 witness key (here from a fixed seed; in practice from the
// witness's vkey, see ParseVerifierKey), which policies name like an
// Ed25519 one.
func ExampleNewMLDSAKey() {
	pub, _ := mldsa44.NewKeyFromSeed(new([mldsa44.SeedSize]byte))
	k, err := witness.NewMLDSAKey("witness.example/pq", pub.Bytes())
	if err != nil {
		panic(err)
	}
	p, err := witness.ParsePolicy([]byte("witness PQ " + k.VerifierKey() + "\nquorum PQ\n"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %08x %v\n", k.Name(), k.KeyHash(), k.IsMLDSA())
	fmt.Println(p.Satisfied(func(w *witness.Key) bool { return w.KeyHash() == k.KeyHash() }))
	// Output:
	// witness.example/pq 72fd1980 true
	// true
}
