package trustroot_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// The private stack of testdata/private (see its SOURCE.md).
const (
	fulcioURL  = "http://127.0.0.1:5555"
	oidcURL    = "http://127.0.0.1:8088"
	rekor1URL  = "http://127.0.0.1:3000"
	rekor2URL  = "http://127.0.0.1:3003"
	ctURL      = "http://127.0.0.1:6962/test"
	tsaURL     = "http://127.0.0.1:3004/api/v1/timestamp"
	stackStart = "2026-11-22T02:32:55Z"
)

type stack struct {
	fulcio, tsa        []*x509.Certificate
	rekor1, rekor2, ct crypto.PublicKey
	validity           trustroot.TimeRange
}

func pemBlocks(t testing.TB, path, typ string) [][]byte {
	t.Helper()
	data := readFile(t, path)
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == typ {
			out = append(out, b.Bytes)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no %s", path, typ)
	}
	return out
}

func readCerts(t testing.TB, path string) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, der := range pemBlocks(t, path, "CERTIFICATE") {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func readKey(t testing.TB, path string) crypto.PublicKey {
	t.Helper()
	k, err := x509.ParsePKIXPublicKey(pemBlocks(t, path, "PUBLIC KEY")[0])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func loadStack(t testing.TB) *stack {
	t.Helper()
	s := &stack{
		fulcio: readCerts(t, privateDir+"pki-fulcio-chain.pem"),
		tsa:    readCerts(t, privateDir+"pki-tsa-chain.pem"),
		rekor1: readKey(t, privateDir+"pki-rekor1.pub"),
		rekor2: readKey(t, privateDir+"pki-rekor2.pub"),
		ct:     readKey(t, privateDir+"pki-ct.pub"),
	}
	start, err := time.Parse(time.RFC3339, stackStart)
	if err != nil {
		t.Fatal(err)
	}
	s.validity = trustroot.TimeRange{Start: start}
	return s
}

// options are the options describing the whole stack, in the order of its
// trusted_root.json.
func (s *stack) options() []trustroot.DeploymentOption {
	return []trustroot.DeploymentOption{
		trustroot.WithRekor(rekor1URL, s.rekor1),
		trustroot.WithRekorV2(rekor2URL, s.rekor2),
		trustroot.WithFulcio(fulcioURL, s.fulcio...),
		trustroot.WithCTLog(ctURL, s.ct),
		trustroot.WithTimestampAuthority(tsaURL, s.tsa...),
	}
}

// sameTrust reports how the trusted material of a and b differs, or "".
func sameTrust(a, b *trustroot.TrustedRoot) string {
	var diffs []string
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"CertificateAuthorities", a.CertificateAuthorities(), b.CertificateAuthorities()},
		{"TransparencyLogs", a.TransparencyLogs(), b.TransparencyLogs()},
		{"CTLogs", a.CTLogs(), b.CTLogs()},
		{"TimestampAuthorities", a.TimestampAuthorities(), b.TimestampAuthorities()},
	} {
		if !reflect.DeepEqual(c.a, c.b) {
			diffs = append(diffs, c.name)
		}
	}
	return strings.Join(diffs, ", ")
}

// FromPrivateDeployment, given the stack's PEM files, builds the root
// mkconfig wrote for them: the same CAs, the same log keys and IDs (Rekor v2:
// the signed-note key ID under its origin), the same windows.
//
// The samples were recorded when the stack ran rekor-tiles with --hostname
// 127.0.0.1:3003, so their Rekor v2 log ID is the note key ID under that
// origin; FromPrivateDeployment derives the origin every client agrees on,
// the base URL's host name without the port (the stack's --hostname now), so
// that one ID is expected to differ, and nothing else.
func TestFromPrivateDeploymentSamples(t *testing.T) {
	s := loadStack(t)
	const recordedV2ID, hostnameV2ID = "ahsRVqP4aWjaivZSrFSP1eAiFJ/peAjMdT026O2s//g=", "18Z6AEHvtZnkfygxR409UKhWRnhmGuPvLTnI4SMEY8I="
	doc := readFile(t, privateDir+"trusted_root.json")
	if !bytes.Contains(doc, []byte(recordedV2ID)) {
		t.Fatal("the recorded Rekor v2 log ID is not in the samples' trusted root")
	}
	want, err := trustroot.ParseJSON(bytes.ReplaceAll(doc, []byte(recordedV2ID), []byte(hostnameV2ID)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := trustroot.FromPrivateDeployment(append(s.options(),
		trustroot.WithValidity(s.validity),
		trustroot.WithOIDCProvider(oidcURL),
		trustroot.WithOperator("sigil-test"))...)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameTrust(got, want); d != "" {
		t.Fatalf("FromPrivateDeployment differs from trusted_root.json in %s", d)
	}
	if got.MediaType() != trustroot.MediaTypeTrustedRootV01 {
		t.Errorf("MediaType() = %q", got.MediaType())
	}
	for i, id := range []string{
		"87a26d88b4003a8984bb720a909847da6bff3d491cf7856be4f6cc49ccd54b2a",
		"d7c67a0041efb599e47f2831478d3d50a8564678661ae3ef2d39c8e1230463c2",
	} {
		if l := got.TransparencyLogs()[i]; hex.EncodeToString(l.LogID) != id || l.CheckpointKeyID != nil {
			t.Errorf("log %s: ID %x, checkpoint key ID %x; want %s", l.BaseURL, l.LogID, l.CheckpointKeyID, id)
		}
	}

	// The signing configuration lists the same services as the one
	// mkconfig wrote (which lists Rekor v2 first), and selects the same.
	sc, err := got.SigningConfig()
	if err != nil {
		t.Fatal(err)
	}
	wantSC, err := trustroot.ParseSigningConfig(readFile(t, privateDir+"signing_config.v0.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	byURL := func(a, b trustroot.Service) int { return strings.Compare(a.URL, b.URL) }
	gotLogs, wantLogs := sc.RekorLogServices(), wantSC.RekorLogServices()
	slices.SortFunc(gotLogs, byURL)
	slices.SortFunc(wantLogs, byURL)
	if !reflect.DeepEqual(sc.CertificateAuthorityServices(), wantSC.CertificateAuthorityServices()) || !reflect.DeepEqual(sc.OIDCProviderServices(), wantSC.OIDCProviderServices()) ||
		!reflect.DeepEqual(sc.TimestampAuthorityServices(), wantSC.TimestampAuthorityServices()) || !reflect.DeepEqual(gotLogs, wantLogs) ||
		sc.RekorLogSelection() != wantSC.RekorLogSelection() || sc.TimestampAuthoritySelection() != wantSC.TimestampAuthoritySelection() {
		t.Errorf("Services() differs from signing_config.v0.2.json")
	}
	now := s.validity.Start.Add(time.Hour)
	for _, versions := range [][]uint32{nil, {1}, {2}} {
		a, errA := sc.RekorLogs(now, versions...)
		b, errB := wantSC.RekorLogs(now, versions...)
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("RekorLogs(%v) = %v, %v; signing_config.v0.2.json: %v, %v", versions, a, errA, b, errB)
		}
	}

	// MarshalJSON writes a trusted_root.json that ParseJSON reads back into
	// the same root.
	data, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameTrust(back, want); d != "" || back.MediaType() != got.MediaType() {
		t.Errorf("ParseJSON(MarshalJSON()) differs in %s (media type %q)", d, back.MediaType())
	}
}

func TestFromPrivateDeploymentDefaults(t *testing.T) {
	s := loadStack(t)
	r, err := trustroot.FromPrivateDeployment(s.options()...)
	if err != nil {
		t.Fatal(err)
	}
	// The earliest NotBefore of all certificates starts every window.
	var start time.Time
	for _, c := range append(slices.Clone(s.fulcio), s.tsa...) {
		if start.IsZero() || c.NotBefore.Before(start) {
			start = c.NotBefore
		}
	}
	want := trustroot.TimeRange{Start: start}
	for _, l := range append(slices.Clone(r.TransparencyLogs()), r.CTLogs()...) {
		if !l.ValidFor.Start.Equal(want.Start) || !l.ValidFor.End.IsZero() {
			t.Errorf("log %s valid for %v, want %v", l.BaseURL, l.ValidFor, want)
		}
	}
	for _, a := range append(slices.Clone(r.CertificateAuthorities()), r.TimestampAuthorities()...) {
		if !a.ValidFor.Start.Equal(want.Start) || !a.ValidFor.End.IsZero() {
			t.Errorf("authority %s valid for %v, want %v", a.URI, a.ValidFor, want)
		}
	}
	sc, err := r.SigningConfig()
	if err != nil {
		t.Fatal(err)
	}
	// Operators default to the host name; no OIDC provider was given.
	if f, err := sc.Fulcio(start); err != nil || f.URL != fulcioURL || f.Operator != "127.0.0.1" || f.MajorAPIVersion != 1 {
		t.Errorf("Fulcio() = %+v, %v", f, err)
	}
	if _, err := sc.OIDCProvider(start); !errors.Is(err, trustroot.ErrNoService) {
		t.Errorf("OIDCProvider() error = %v, want ErrNoService", err)
	}
	if logs, err := sc.RekorLogs(start); err != nil || len(logs) != 1 || logs[0].URL != rekor2URL || logs[0].MajorAPIVersion != 2 {
		t.Errorf("RekorLogs() = %+v, %v", logs, err)
	}
	if logs, err := sc.RekorLogs(start, 1); err != nil || len(logs) != 1 || logs[0].URL != rekor1URL {
		t.Errorf("RekorLogs(1) = %+v, %v", logs, err)
	}
	if tsas, err := sc.TimestampAuthorities(start); err != nil || len(tsas) != 1 || tsas[0].URL != tsaURL {
		t.Errorf("TimestampAuthorities() = %+v, %v", tsas, err)
	}
	if sc.RekorLogSelection().Selector != trustroot.SelectAny || sc.TimestampAuthoritySelection().Selector != trustroot.SelectAny {
		t.Errorf("selectors %v %v, want ANY", sc.RekorLogSelection(), sc.TimestampAuthoritySelection())
	}

	// A Rekor v2 log with an ECDSA key has the log ID rekor-tiles gives it:
	// SHA-256 of the PKIX DER key, as for Rekor v1.
	r, err = trustroot.FromPrivateDeployment(trustroot.WithRekorV2(rekor2URL, s.rekor1), trustroot.WithValidity(s.validity))
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(s.rekor1)
	if err != nil {
		t.Fatal(err)
	}
	if id := sha256.Sum256(der); !bytes.Equal(r.TransparencyLogs()[0].LogID, id[:]) {
		t.Errorf("ECDSA Rekor v2 log ID %x, want %x", r.TransparencyLogs()[0].LogID, id)
	}

	// A window with an end applies to everything.
	end := start.Add(24 * time.Hour)
	r, err = trustroot.FromPrivateDeployment(trustroot.WithRekor(rekor1URL, s.rekor1),
		trustroot.WithValidity(trustroot.TimeRange{Start: start, End: end}))
	if err != nil {
		t.Fatal(err)
	}
	if l := r.TransparencyLogs()[0]; !l.ValidFor.End.Equal(end) {
		t.Errorf("log valid for %v", l.ValidFor)
	}
	sc, err = r.SigningConfig()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.RekorLogs(end.Add(time.Second)); !errors.Is(err, trustroot.ErrNoService) {
		t.Errorf("RekorLogs after the window: %v", err)
	}
}

// WithRekorV2, WithRekor and WithCTLog compute the log IDs of the
// public-good trusted roots from their keys and URLs.
func TestLogIDsMatchPublicGood(t *testing.T) {
	n := 0
	for _, get := range []func() (*trustroot.TrustedRoot, error){trustroot.PublicGood, trustroot.PublicGoodStaging} {
		root, err := get()
		if err != nil {
			t.Fatal(err)
		}
		check := func(l *trustroot.TrustedLog, opt trustroot.DeploymentOption, ct bool) {
			t.Helper()
			r, err := trustroot.FromPrivateDeployment(opt, trustroot.WithValidity(l.ValidFor))
			if err != nil {
				t.Fatalf("%s: %v", l.BaseURL, err)
			}
			got := r.TransparencyLogs()
			if ct {
				got = r.CTLogs()
			}
			if !reflect.DeepEqual(got, []*trustroot.TrustedLog{l}) {
				t.Errorf("%s: got %+v\nwant %+v", l.BaseURL, got[0], l)
			}
			n++
		}
		for _, l := range root.TransparencyLogs() {
			if _, ok := l.PublicKey.(ed25519.PublicKey); ok {
				check(l, trustroot.WithRekorV2(l.BaseURL, l.PublicKey), false)
			} else {
				check(l, trustroot.WithRekor(l.BaseURL, l.PublicKey), false)
			}
		}
		for _, l := range root.CTLogs() {
			if strings.HasPrefix(l.KeyDetails, "PKCS1_") {
				continue // legacy encoding; FromPrivateDeployment writes PKIX
			}
			check(l, trustroot.WithCTLog(l.BaseURL, l.PublicKey), true)
		}
	}
	if n < 10 {
		t.Errorf("checked %d logs", n)
	}
}

func TestFromPrivateDeploymentRejects(t *testing.T) {
	s := loadStack(t)
	weakRSA := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 1023), big.NewInt(1)), E: 65537}
	rsa2048 := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 2047), big.NewInt(1)), E: 65537}
	validity := trustroot.WithValidity(s.validity)
	for _, tc := range []struct {
		name string
		opts []trustroot.DeploymentOption
		want string
	}{
		{"nothing", nil, "no certificate authority, log or timestamp authority given"},
		{"only OIDC", []trustroot.DeploymentOption{trustroot.WithOIDCProvider(oidcURL)}, "no certificate authority"},
		{"nil option", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1), nil}, "option 1 is nil"},
		{"nil key", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, nil), validity}, `WithRekor("http://127.0.0.1:3000"): nil key`},
		{"nil ECDSA key", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, (*ecdsa.PublicKey)(nil)), validity}, `WithRekor("http://127.0.0.1:3000"): sigalg: unsupported`},
		{"RSA-1024", []trustroot.DeploymentOption{trustroot.WithCTLog(ctURL, weakRSA), validity}, `WithCTLog("http://127.0.0.1:6962/test"): sigalg: unsupported key or algorithm: public key *rsa.PublicKey`},
		{"RSA Rekor v2", []trustroot.DeploymentOption{trustroot.WithRekorV2(rekor2URL, rsa2048), validity}, `WithRekorV2("http://127.0.0.1:3003"): Rekor v2 needs an Ed25519 or ECDSA key, got *rsa.PublicKey`},
		{"not a key", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, "key"), validity}, `WithRekor("http://127.0.0.1:3000"): sigalg: unsupported`},
		{"empty URL", []trustroot.DeploymentOption{trustroot.WithRekor("", s.rekor1), validity}, `WithRekor(""): empty URL`},
		{"relative URL", []trustroot.DeploymentOption{trustroot.WithFulcio("fulcio", s.fulcio...)}, `WithFulcio("fulcio"): URL "fulcio" lacks a scheme or host`},
		{"bad OIDC URL", []trustroot.DeploymentOption{trustroot.WithFulcio(fulcioURL, s.fulcio...), trustroot.WithOIDCProvider("/oidc")}, `WithOIDCProvider("/oidc"): URL`},
		{"no certificates", []trustroot.DeploymentOption{trustroot.WithFulcio(fulcioURL)}, `WithFulcio("http://127.0.0.1:5555"): no certificates`},
		{"nil certificate", []trustroot.DeploymentOption{trustroot.WithTimestampAuthority(tsaURL, s.tsa[0], nil)}, `WithTimestampAuthority("http://127.0.0.1:3004/api/v1/timestamp"): certificate 1 is nil`},
		{"unchained", []trustroot.DeploymentOption{trustroot.WithFulcio(fulcioURL, s.fulcio[0], s.tsa[2])},
			`certificate 0 (CN=Test Fulcio Intermediate,O=sigil-test) is not signed by certificate 1`},
		{"unchained names the option", []trustroot.DeploymentOption{trustroot.WithFulcio(fulcioURL, s.fulcio[0], s.tsa[2])}, `(WithFulcio("http://127.0.0.1:5555"))`},
		{"CA chain with a leaf", []trustroot.DeploymentOption{trustroot.WithFulcio(fulcioURL, s.tsa...)}, `is not a CA (authority http://127.0.0.1:5555) (WithFulcio(`},
		{"TSA without timeStamping", []trustroot.DeploymentOption{trustroot.WithTimestampAuthority(tsaURL, s.fulcio...)},
			`lacks the timeStamping usage (authority http://127.0.0.1:3004/api/v1/timestamp) (WithTimestampAuthority("http://127.0.0.1:3004/api/v1/timestamp"))`},
		{"keys without validity", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1)}, "WithValidity is required when no certificates are given"},
		{"validity twice", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1), validity, validity}, "WithValidity given more than once"},
		{"validity without start", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1), trustroot.WithValidity(trustroot.TimeRange{End: s.validity.Start})}, "WithValidity: window without start"},
		{"validity backwards", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1),
			trustroot.WithValidity(trustroot.TimeRange{Start: s.validity.Start, End: s.validity.Start.Add(-time.Second)})}, "WithValidity: window ends before it starts"},
		{"CA without certificates", []trustroot.DeploymentOption{trustroot.WithCertificateAuthority()}, "WithCertificateAuthority: no certificates"},
		{"CA chain unchained", []trustroot.DeploymentOption{trustroot.WithCertificateAuthority(s.fulcio[0], s.tsa[2])}, "is not signed by certificate 1"},
		{"CA chain with a leaf (enterprise)", []trustroot.DeploymentOption{trustroot.WithCertificateAuthority(s.tsa...)}, "is not a CA"},
		{"operator twice", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1), validity, trustroot.WithOperator("a"), trustroot.WithOperator("b")}, "WithOperator given more than once"},
		{"empty operator", []trustroot.DeploymentOption{trustroot.WithRekor(rekor1URL, s.rekor1), validity, trustroot.WithOperator("")}, "WithOperator: empty name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := trustroot.FromPrivateDeployment(tc.opts...)
			if err == nil {
				t.Fatal("no error")
			}
			if r != nil || !errors.Is(err, trustroot.ErrMalformed) {
				t.Errorf("got %v, %v; want nil and ErrMalformed", r, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// An enterprise CA is trusted material only: no URL, no service in the
// signing configuration, and it survives MarshalJSON → ParseJSON.
func TestWithCertificateAuthority(t *testing.T) {
	s := loadStack(t)
	r, err := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(s.fulcio...), trustroot.WithFulcio(fulcioURL, s.fulcio...))
	if err != nil {
		t.Fatal(err)
	}
	cas := r.CertificateAuthorities()
	if len(cas) != 2 || cas[0].URI != "" || cas[1].URI != fulcioURL || len(cas[0].Certificates) != len(s.fulcio) {
		t.Fatalf("CAs %+v", cas)
	}
	cfg, err := r.SigningConfig()
	if err != nil {
		t.Fatal(err)
	}
	if ca, err := cfg.Fulcio(time.Now()); err != nil || ca.URL != fulcioURL {
		t.Errorf("signing config's CA: %+v, %v; want only %s", ca, err, fulcioURL)
	}
	data, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.CertificateAuthorities(); len(got) != 2 || got[0].URI != "" || !got[0].Certificates[0].Equal(s.fulcio[0]) {
		t.Errorf("after MarshalJSON → ParseJSON: %+v", got)
	}
}

// MarshalJSON writes what ParseJSON reads back into the same material, for
// every root of the corpus (among them the public-good roots, with a legacy
// PKCS#1 CT key, and roots with checkpoint key IDs), a client trust config
// and the private stack.
func TestMarshalJSONRoundTrip(t *testing.T) {
	docs := map[string][]byte{}
	for _, path := range []string{clientConfig, privateDir + "trusted_root.json", privateDir + "trust_config.json"} {
		docs[path] = readFile(t, path)
	}
	for _, rel := range corpusRoots(t) {
		if _, rejected := corpusRejections[rel]; !rejected {
			docs[rel] = readCorpus(t, rel)
		}
	}
	// No corpus root has checkpoint key IDs or operators: add some, and an
	// end to a window.
	m := decode(t, readFile(t, privateDir+"trusted_root.json"))
	at(t, m, "tlogs", 1)["checkpointKeyId"] = map[string]any{"keyId": "AAECAwQ="}
	at(t, m, "tlogs", 1)["operator"] = "example.com"
	at(t, m, "certificateAuthorities", 0)["operator"] = "example.com"
	at(t, m, "timestampAuthorities", 0)["operator"] = "tsa.example.com"
	at(t, m, "tlogs", 0, "publicKey", "validFor")["end"] = "2027-01-01T00:00:00.5Z"
	docs["checkpoint key ID"] = encode(t, m)

	withCheckpointKeyID := 0
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			r, err := trustroot.ParseJSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range r.TransparencyLogs() {
				if l.CheckpointKeyID != nil {
					withCheckpointKeyID++
				}
			}
			if name == "checkpoint key ID" && (r.TransparencyLogs()[1].Operator != "example.com" ||
				r.CertificateAuthorities()[0].Operator != "example.com" || r.TimestampAuthorities()[0].Operator != "tsa.example.com") {
				t.Errorf("operators not read: log %q, CA %q, TSA %q", r.TransparencyLogs()[1].Operator,
					r.CertificateAuthorities()[0].Operator, r.TimestampAuthorities()[0].Operator)
			}
			data, err := r.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := trustroot.ParseJSON(data)
			if err != nil {
				t.Fatalf("ParseJSON(MarshalJSON()): %v", err)
			}
			if d := sameTrust(back, r); d != "" {
				t.Errorf("round trip changed %s", d)
			}
			want := r.MediaType()
			if want == trustroot.MediaTypeClientTrustConfig {
				want = trustroot.MediaTypeTrustedRootV01
			}
			if back.MediaType() != want || back.SigningConfigJSON() != nil {
				t.Errorf("media type %q, signing config %q; want %q and none", back.MediaType(), back.SigningConfigJSON(), want)
			}
			again, err := back.MarshalJSON()
			if err != nil || string(again) != string(data) {
				t.Errorf("MarshalJSON not stable: %v", err)
			}
		})
	}
	if len(docs) < 10 || withCheckpointKeyID == 0 {
		t.Errorf("%d roots, %d logs with checkpoint key IDs", len(docs), withCheckpointKeyID)
	}
}

// FromPrivateDeployment builds the trusted material of a private Sigstore
// deployment from its keys and certificates, with a signing configuration
// listing its services; MarshalJSON writes it as a trusted_root.json.
func ExampleFromPrivateDeployment() {
	certs := func(path string) []*x509.Certificate {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		var out []*x509.Certificate
		for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				panic(err)
			}
			out = append(out, c)
		}
		return out
	}
	key := func(path string) crypto.PublicKey {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		b, _ := pem.Decode(data)
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			panic(err)
		}
		return k
	}
	dir := "testdata/private/"
	root, err := trustroot.FromPrivateDeployment(
		trustroot.WithFulcio("http://127.0.0.1:5555", certs(dir+"pki-fulcio-chain.pem")...),
		trustroot.WithRekor("http://127.0.0.1:3000", key(dir+"pki-rekor1.pub")),
		trustroot.WithRekorV2("http://127.0.0.1:3003", key(dir+"pki-rekor2.pub")),
		trustroot.WithCTLog("http://127.0.0.1:6962/test", key(dir+"pki-ct.pub")),
		trustroot.WithTimestampAuthority("http://127.0.0.1:3004/api/v1/timestamp", certs(dir+"pki-tsa-chain.pem")...),
		trustroot.WithOIDCProvider("http://127.0.0.1:8088"),
		trustroot.WithValidity(trustroot.TimeRange{Start: time.Date(2026, 11, 22, 2, 32, 55, 0, time.UTC)}),
	)
	if err != nil {
		panic(err)
	}
	for _, l := range root.TransparencyLogs() {
		fmt.Printf("log %s %s ID %x\n", l.BaseURL, l.KeyDetails, l.LogID[:8])
	}
	for _, ca := range root.CertificateAuthorities() {
		fmt.Printf("CA %s: %s, chain of %d\n", ca.URI, ca.Subject.CommonName, len(ca.Certificates))
	}

	services, err := root.SigningConfig()
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	oidc, err := services.OIDCProvider(now)
	if err != nil {
		panic(err)
	}
	logs, err := services.RekorLogs(now)
	if err != nil {
		panic(err)
	}
	fmt.Println("sign with token from", oidc.URL, "and log to", logs[0].URL)

	trustedRootJSON, err := root.MarshalJSON()
	if err != nil {
		panic(err)
	}
	again, err := trustroot.ParseJSON(trustedRootJSON)
	if err != nil {
		panic(err)
	}
	fmt.Println("trusted_root.json:", again.MediaType())
	// Output:
	// log http://127.0.0.1:3000 PKIX_ECDSA_P256_SHA_256 ID 87a26d88b4003a89
	// log http://127.0.0.1:3003 PKIX_ED25519 ID d7c67a0041efb599
	// CA http://127.0.0.1:5555: Test Fulcio Intermediate, chain of 2
	// sign with token from http://127.0.0.1:8088 and log to http://127.0.0.1:3003
	// trusted_root.json: application/vnd.dev.sigstore.trustedroot.v0.1+json
}
