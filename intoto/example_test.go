package intoto_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/sigil-dev/sigil/intoto"
)

// A statement about one artifact, encoded for signing (sign.BundleBuilder.
// SignStatement does this) and decoded again as a verifier does.
func ExampleMarshal() {
	st := &intoto.Statement{
		Subject: []intoto.Subject{{Name: "release.tar.gz", Digest: map[string]string{
			"sha256": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"}}},
		PredicateType: "https://slsa.dev/provenance/v1",
		Predicate:     []byte(`{"buildDefinition":{}}`),
	}
	payload, err := intoto.Marshal(st)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(payload))

	// A SHA-256 digest that is not 64 lowercase hex characters is refused.
	st.Subject[0].Digest["sha256"] = "5891B5"
	_, err = intoto.Marshal(st)
	fmt.Println(errors.Is(err, intoto.ErrInvalidStatement))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"release.tar.gz","digest":{"sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{}}}
	// true
}

// Unmarshal reads a statement strictly: a field spelled in another case,
// which encoding/json would take for the real one, is an error.
func ExampleUnmarshal() {
	st, err := intoto.Unmarshal([]byte(`{"_type":"https://in-toto.io/Statement/v1",` +
		`"subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"p"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Subject[0].Name, st.PredicateType)

	_, err = intoto.Unmarshal([]byte(`{"_type":"https://in-toto.io/Statement/v1",` +
		`"subject":[{"name":"a","digest":{"sha256":"00"}}],"SUBJECT":[{"name":"b","digest":{"sha256":"11"}}]}`))
	fmt.Println(err)
	// Output:
	// a p
	// in-toto statement: field "SUBJECT" differs from "subject" only by case
}
