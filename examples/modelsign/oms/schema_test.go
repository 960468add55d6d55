package oms_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/examples/modelsign/internal/omsschema"
	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

const specDir = "../testdata/oms-spec"

func loadSchemas(t testing.TB) *omsschema.Schemas {
	t.Helper()
	s, err := omsschema.Load(filepath.Join(specDir, "schemas-v1.0"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// methodOf names the signing method a bundle's material is for.
func methodOf(b *bundle.Bundle) string {
	vm := b.Proto().GetVerificationMaterial()
	switch {
	case vm.GetPublicKey() != nil:
		return oms.MethodKey
	case vm.GetX509CertificateChain() != nil:
		return oms.MethodCertificate
	}
	return oms.MethodSigstore
}

// parseOMS runs this package's structural checks on a bundle: ParseBundle,
// CheckMethod and ParseStatement of the payload.
func parseOMS(data []byte) error {
	b, err := oms.ParseBundle(data)
	if err != nil {
		return err
	}
	if err := oms.CheckMethod(methodOf(b), b); err != nil {
		return err
	}
	_, err = oms.ParseStatement(b.Envelope().Payload)
	return err
}

// TestVectors: the OMS test vectors behave as their folder says, for the
// schemas and for this package's parsers.
func TestVectors(t *testing.T) {
	s := loadSchemas(t)
	files, err := filepath.Glob(filepath.Join(specDir, "test-vectors", "v1.0", "*", "*.json"))
	if err != nil || len(files) != 8 {
		t.Fatalf("%d test vectors (%v), want 8", len(files), err)
	}
	for _, f := range files {
		folder := filepath.Base(filepath.Dir(f))
		t.Run(folder+"/"+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			schemaErr, parseErr := s.Validate(data), parseOMS(data)
			switch folder {
			case "valid":
				if schemaErr != nil || parseErr != nil {
					t.Fatalf("valid vector rejected: schema: %v; parse: %v", schemaErr, parseErr)
				}
			case "invalid", "invalid-payload":
				if schemaErr == nil {
					t.Errorf("the schemas accept an invalid vector")
				}
				if parseErr == nil {
					t.Errorf("the parsers accept an invalid vector")
				}
				if folder == "invalid-payload" && !errors.Is(parseErr, oms.ErrMalformed) {
					t.Errorf("invalid payload: %v, want oms.ErrMalformed", parseErr)
				}
				if folder == "invalid" && strings.Contains(f, "tlog") && !errors.Is(parseErr, oms.ErrMalformed) {
					t.Errorf("sigstore bundle without log entries: %v, want oms.ErrMalformed from CheckMethod", parseErr)
				}
			default:
				t.Fatalf("unknown folder %s", folder)
			}
		})
	}
}

// TestRealSignaturesAgainstSchemas: the real v1.1.0 signatures, written in
// the current format, pass the schemas; older ones are not required to.
func TestRealSignaturesAgainstSchemas(t *testing.T) {
	s := loadSchemas(t)
	for _, d := range []string{"v1.1.0-certificate", "v1.1.0-elliptic-key", "v1.1.0-sigstore"} {
		data, err := os.ReadFile(filepath.Join("../testdata/model-transparency", d, "model.sig"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(data); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}
