package sct

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func seedCerts(t testing.TB) []*x509.Certificate {
	files, _ := filepath.Glob("testdata/fuzz/FuzzEmbedded/*")
	var out []*x509.Certificate
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		line := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[1])
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "[]byte("), ")"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no seed certificates")
	}
	return out
}

// TestRealCertificates reads the SCTs of real Fulcio certificates and checks
// that the precertificate TBS is the TBS minus exactly the SCT extension.
func TestRealCertificates(t *testing.T) {
	for _, c := range seedCerts(t) {
		scts, ok, err := Embedded(c)
		if err != nil || !ok || len(scts) == 0 {
			t.Fatalf("%s: %d SCTs, present %v, %v", c.Subject, len(scts), ok, err)
		}
		tbs, err := PrecertTBS(c)
		if err != nil {
			t.Fatal(err)
		}
		var ext []byte
		for _, e := range c.Extensions {
			if e.Id.Equal(OID) {
				ext, _ = asn1.Marshal(e)
			}
		}
		if bytes.Contains(tbs, ext) || len(c.RawTBSCertificate)-len(tbs) < len(ext) {
			t.Fatal("SCT extension not removed")
		}
		for _, s := range scts {
			if s.HashAlg != 4 || s.SigAlg != 3 || len(s.Signature) == 0 {
				t.Fatalf("unexpected SCT %+v", s)
			}
			data, err := SignedData(&s, tbs, c.RawSubjectPublicKeyInfo)
			if err != nil || !bytes.Contains(data, tbs) {
				t.Fatalf("signed data: %v", err)
			}
		}
	}
}

func TestParseListRejects(t *testing.T) {
	for name, ext := range map[string][]byte{
		"not octet string": {0x30, 0x00},
		"bad list length":  {0x04, 0x02, 0x00, 0x05},
		"truncated sct":    {0x04, 0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00},
		"trailing":         {0x04, 0x02, 0x00, 0x00, 0x00},
	} {
		if _, err := parseList(ext); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzEmbedded: reading SCTs and rebuilding the precertificate TBS of any
// parseable certificate never panics, and errors wrap ErrMalformed.
func FuzzEmbedded(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		scts, _, err := Embedded(c)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		tbs, err := PrecertTBS(c)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		for i := range scts {
			SignedData(&scts[i], tbs, c.RawSubjectPublicKeyInfo)
		}
	})
}

// FuzzParseList: the SCT list parser never panics.
func FuzzParseList(f *testing.F) {
	f.Add([]byte{0x04, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, ext []byte) {
		if _, err := parseList(ext); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
	})
}
