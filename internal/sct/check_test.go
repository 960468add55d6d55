package sct

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// checkCase is a real public-good leaf with one SCT, its issuer, and the
// trusted CT log that issued the SCT.
func checkCase(t *testing.T) (leaf, issuer *x509.Certificate, log *trustroot.TrustedLog) {
	t.Helper()
	root, err := trustroot.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range seedCerts(t) {
		scts, _, err := Embedded(c)
		if err != nil || len(scts) != 1 {
			continue
		}
		l, ok := root.CTLogByID(scts[0].LogID[:])
		if !ok {
			continue
		}
		for _, ca := range root.CertificateAuthorities() {
			if c.CheckSignatureFrom(ca.Certificates[0]) == nil {
				return c, ca.Certificates[0], l
			}
		}
	}
	t.Fatal("no public-good leaf with one SCT of a trusted log among the seeds")
	return nil, nil, nil
}

func TestCheck(t *testing.T) {
	leaf, issuer, log := checkCase(t)
	logs := func(t *testing.T, ls ...*trustroot.TrustedLog) []Log {
		t.Helper()
		out, err := NewLogs(ls, func(*trustroot.TrustedLog) string { return "one operator" })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	expired := *log
	expired.ValidFor = trustroot.TimeRange{Start: time.Unix(0, 0), End: time.Unix(1, 0)}
	other := *log
	other.LogID = make([]byte, 32)

	got, err := Check(leaf, issuer, logs(t, log))
	if err != nil || !got.Present || got.Verified != 1 || len(got.Failures) != 0 {
		t.Errorf("trusted log: %+v, %v; want 1 verified", got, err)
	}
	// An entry of the same log outside its window, then the one inside:
	// one verifying entry is enough.
	got, err = Check(leaf, issuer, logs(t, &expired, log))
	if err != nil || got.Verified != 1 || len(got.Failures) != 0 {
		t.Errorf("expired and current entry: %+v, %v; want 1 verified", got, err)
	}
	// Only the expired entry: a failure naming the window.
	got, err = Check(leaf, issuer, logs(t, &expired))
	if err != nil || got.Verified != 0 || len(got.Failures) != 1 || !strings.Contains(got.Failures[0].Error(), "validity window") {
		t.Errorf("expired entry: %+v, %v; want one failure outside the validity window", got, err)
	}
	// A log the SCT does not name: skipped, neither verified nor failed.
	got, err = Check(leaf, issuer, logs(t, &other))
	if err != nil || !got.Present || got.Verified != 0 || len(got.Failures) != 0 {
		t.Errorf("unknown log: %+v, %v; want the SCT skipped", got, err)
	}
	// The wrong issuer: the signed data differs, the signature fails.
	got, err = Check(leaf, leaf, logs(t, log))
	if err != nil || got.Verified != 0 || len(got.Failures) != 1 {
		t.Errorf("wrong issuer: %+v, %v; want one failure", got, err)
	}
	// No SCT extension at all.
	got, err = Check(issuer, issuer, logs(t, log))
	if err != nil || got.Present || got.Verified != 0 {
		t.Errorf("certificate without SCTs: %+v, %v", got, err)
	}
	// A key outside the allow-list is refused when the logs are prepared.
	bad := *log
	bad.KeyDetails = "PKIX_RSA_PKCS1V15_1024_SHA1"
	if _, err := NewLogs([]*trustroot.TrustedLog{&bad}, nil); err == nil {
		t.Error("NewLogs accepted a key outside the allow-list")
	}
	// A log ID of another length cannot name an RFC 6962 SCT: left out.
	short := *log
	short.LogID = short.LogID[:8]
	if ls, err := NewLogs([]*trustroot.TrustedLog{&short}, nil); err != nil || len(ls) != 0 {
		t.Errorf("NewLogs with an 8-byte log ID: %d logs, %v", len(ls), err)
	}
}
