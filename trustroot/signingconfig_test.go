package trustroot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/trustroot"
)

const (
	productionSigningConfig = "trusted_roots/production.signing_config.v0.2.json"
	stagingSigningConfig    = "trusted_roots/staging.signing_config.v0.2.json"
	privateDir              = "testdata/private/"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func urls(ss []trustroot.Service) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.URL)
	}
	return out
}

// sameConfig reports whether a and b list the same services and selections.
func sameConfig(a, b *trustroot.SigningConfig) bool {
	return a.MediaType() == b.MediaType() &&
		reflect.DeepEqual(a.CertificateAuthorityServices(), b.CertificateAuthorityServices()) &&
		reflect.DeepEqual(a.OIDCProviderServices(), b.OIDCProviderServices()) &&
		reflect.DeepEqual(a.RekorLogServices(), b.RekorLogServices()) &&
		reflect.DeepEqual(a.TimestampAuthorityServices(), b.TimestampAuthorityServices()) &&
		a.RekorLogSelection() == b.RekorLogSelection() &&
		a.TimestampAuthoritySelection() == b.TimestampAuthoritySelection()
}

// roundTrip checks that MarshalJSON writes a document ParseSigningConfig
// reads back into the same configuration, and that doing so again writes the
// same bytes.
func roundTrip(t testing.TB, c *trustroot.SigningConfig) {
	t.Helper()
	data, err := c.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	again, err := trustroot.ParseSigningConfig(data)
	if err != nil {
		t.Fatalf("ParseSigningConfig(MarshalJSON()): %v\n%s", err, data)
	}
	if !sameConfig(c, again) {
		t.Fatalf("round trip changed the configuration:\n%s", data)
	}
	data2, err := again.MarshalJSON()
	if err != nil || !bytes.Equal(data, data2) {
		t.Fatalf("MarshalJSON not stable (%v):\n%s\n%s", err, data, data2)
	}
}

func TestParseSigningConfigRealFiles(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		now        time.Time
		fulcio     string
		oidc       string
		tlogs      []trustroot.Service // all listed
		rekor      []string            // RekorLogs(now)
		rekorV1    []string            // RekorLogs(now, 1)
		tsa        []string
	}{
		{
			name: "production", path: corpusDir + "/" + productionSigningConfig, now: day("2026-08-01"),
			fulcio: "https://fulcio.sigstore.dev", oidc: "https://oauth2.sigstore.dev/auth",
			tlogs: []trustroot.Service{{URL: "https://rekor.sigstore.dev", MajorAPIVersion: 1,
				ValidFor: trustroot.TimeRange{Start: time.Date(2021, 1, 12, 11, 53, 27, 0, time.UTC)}, Operator: "sigstore.dev"}},
			rekor: []string{"https://rekor.sigstore.dev"}, rekorV1: []string{"https://rekor.sigstore.dev"},
			tsa: []string{"https://timestamp.sigstore.dev/api/v1/timestamp"},
		},
		{
			name: "staging", path: corpusDir + "/" + stagingSigningConfig, now: day("2026-08-01"),
			fulcio: "https://fulcio.sigstage.dev", oidc: "https://oauth2.sigstage.dev/auth",
			tlogs: []trustroot.Service{
				{URL: "https://global.rekor.sigstage.dev", MajorAPIVersion: 2, ValidFor: trustroot.TimeRange{Start: day("2026-06-12")}, Operator: "sigstore.dev"},
				{URL: "https://rekor.sigstage.dev", MajorAPIVersion: 1, ValidFor: trustroot.TimeRange{Start: time.Date(2021, 1, 12, 11, 53, 27, 0, time.UTC)}, Operator: "sigstore.dev"},
			},
			rekor: []string{"https://global.rekor.sigstage.dev"}, rekorV1: []string{"https://rekor.sigstage.dev"},
			tsa: []string{"https://timestamp.sigstage.dev/api/v1/timestamp"},
		},
		{
			// Before the staging Rekor v2 log starts, v1 is the only usable log.
			name: "staging before v2", path: corpusDir + "/" + stagingSigningConfig, now: day("2026-06-11"),
			fulcio: "https://fulcio.sigstage.dev", oidc: "https://oauth2.sigstage.dev/auth",
			rekor: []string{"https://rekor.sigstage.dev"}, rekorV1: []string{"https://rekor.sigstage.dev"},
			tsa: []string{"https://timestamp.sigstage.dev/api/v1/timestamp"},
		},
		{
			name: "private stack", path: privateDir + "signing_config.v0.2.json", now: day("2026-12-01"),
			fulcio: "http://127.0.0.1:5555", oidc: "http://127.0.0.1:8088",
			rekor: []string{"http://127.0.0.1:3003"}, rekorV1: []string{"http://127.0.0.1:3000"},
			tsa: []string{"http://127.0.0.1:3004/api/v1/timestamp"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := trustroot.ParseSigningConfig(readFile(t, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if c.MediaType() != trustroot.MediaTypeSigningConfigV02 {
				t.Errorf("MediaType() = %q", c.MediaType())
			}
			any := trustroot.Selection{Selector: trustroot.SelectAny}
			if c.RekorLogSelection() != any || c.TimestampAuthoritySelection() != any {
				t.Errorf("selections %+v %+v, want ANY", c.RekorLogSelection(), c.TimestampAuthoritySelection())
			}
			if tc.tlogs != nil && !reflect.DeepEqual(c.RekorLogServices(), tc.tlogs) {
				t.Errorf("RekorLogServices() = %+v\nwant %+v", c.RekorLogServices(), tc.tlogs)
			}
			if s, err := c.Fulcio(tc.now); err != nil || s.URL != tc.fulcio {
				t.Errorf("Fulcio() = %q, %v; want %q", s.URL, err, tc.fulcio)
			}
			if s, err := c.OIDCProvider(tc.now); err != nil || s.URL != tc.oidc {
				t.Errorf("OIDCProvider() = %q, %v; want %q", s.URL, err, tc.oidc)
			}
			if got, err := c.RekorLogs(tc.now); err != nil || !reflect.DeepEqual(urls(got), tc.rekor) {
				t.Errorf("RekorLogs() = %q, %v; want %q", urls(got), err, tc.rekor)
			}
			if got, err := c.RekorLogs(tc.now, 1); err != nil || !reflect.DeepEqual(urls(got), tc.rekorV1) {
				t.Errorf("RekorLogs(1) = %q, %v; want %q", urls(got), err, tc.rekorV1)
			}
			if got, err := c.TimestampAuthorities(tc.now); err != nil || !reflect.DeepEqual(urls(got), tc.tsa) {
				t.Errorf("TimestampAuthorities() = %q, %v; want %q", urls(got), err, tc.tsa)
			}
			// Before anything is valid, nothing is selected.
			if _, err := c.RekorLogs(day("2020-01-01")); !errors.Is(err, trustroot.ErrNoService) {
				t.Errorf("RekorLogs(2020) error = %v, want ErrNoService", err)
			}
			roundTrip(t, c)
		})
	}
}

func TestTrustedRootServices(t *testing.T) {
	for _, tc := range []struct{ root, config string }{
		{clientConfig, corpusDir + "/" + productionSigningConfig},
		{privateDir + "trust_config.json", privateDir + "signing_config.v0.2.json"},
	} {
		r, err := trustroot.ParseJSON(readFile(t, tc.root))
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.SigningConfig()
		if err != nil {
			t.Fatalf("%s: Services(): %v", tc.root, err)
		}
		want, err := trustroot.ParseSigningConfig(readFile(t, tc.config))
		if err != nil {
			t.Fatal(err)
		}
		if !sameConfig(got, want) {
			t.Errorf("%s: Services() differs from %s", tc.root, tc.config)
		}
	}
	r, err := trustroot.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := r.SigningConfig(); !errors.Is(err, trustroot.ErrNoService) || sc != nil {
		t.Errorf("PublicGood().SigningConfig() = %v, %v; want ErrNoService", sc, err)
	}

	// ParseJSON keeps a signing configuration it cannot use; Services says why.
	m := decode(t, readFile(t, privateDir+"trust_config.json"))
	at(t, m, "signingConfig")["mediaType"] = trustroot.MediaTypeSigningConfigV01
	r, err = trustroot.ParseJSON(encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := r.SigningConfig(); !errors.Is(err, trustroot.ErrMalformed) || sc != nil || !strings.Contains(err.Error(), "(v0.1) is not supported") {
		t.Errorf("Services() with a v0.1 configuration = %v, %v", sc, err)
	}
}

const v02 = `"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"`

func TestParseSigningConfigRejects(t *testing.T) {
	svc := `{"url":"https://a.example","majorApiVersion":1,"validFor":{"start":"2025-01-01T00:00:00Z"},"operator":"a"}`
	many := strings.Repeat(svc+",", limits.MaxTrustedEntities) + svc
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", ``, "signing config:"},
		{"not JSON", `{`, "signing config:"},
		{"wrong type", `{"caUrls":"x"}`, "signing config:"},
		{"no media type", `{}`, `unsupported media type ""`},
		{"trusted root", `{"mediaType":"application/vnd.dev.sigstore.trustedroot.v0.1+json"}`, "unsupported media type"},
		{"v0.1", `{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json","caUrl":"https://fulcio.example"}`, "(v0.1) is not supported"},
		{"v0.3", `{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.3+json"}`, "unsupported media type"},
		{"oversize", `{` + v02 + `,"caUrls":[` + strings.Repeat(" ", limits.MaxTrustedRootSize) + `]}`, "exceeds the limit"},
		{"too many services", `{` + v02 + `,"caUrls":[` + many + `]}`, "services exceed the limit of 256"},
		{"no URL", `{` + v02 + `,"caUrls":[{"validFor":{"start":"2025-01-01T00:00:00Z"}}]}`, "caUrls[0]: empty URL"},
		{"relative URL", `{` + v02 + `,"oidcUrls":[{"url":"example.com/x","validFor":{"start":"2025-01-01T00:00:00Z"}}]}`, "oidcUrls[0]: URL \"example.com/x\" lacks a scheme or host"},
		{"bad URL", `{` + v02 + `,"caUrls":[{"url":"https://a b:x","validFor":{"start":"2025-01-01T00:00:00Z"}}]}`, "caUrls[0]: URL"},
		{"no window", `{` + v02 + `,"tsaUrls":[{"url":"https://t.example"}],"tsaConfig":{"selector":"ANY"}}`, "validity window without start (tsaUrls[0], https://t.example)"},
		{"no start", `{` + v02 + `,"caUrls":[{"url":"https://a.example","validFor":{"end":"2025-01-01T00:00:00Z"}}]}`, "validity window without start"},
		{"ends before start", `{` + v02 + `,"caUrls":[{"url":"https://a.example","validFor":{"start":"2025-01-02T00:00:00Z","end":"2025-01-01T00:00:00Z"}}]}`, "ends before it starts"},
		{"tlogs without config", `{` + v02 + `,"rekorTlogUrls":[` + svc + `]}`, "rekorTlogConfig missing"},
		{"tsas undefined selector", `{` + v02 + `,"tsaUrls":[` + svc + `],"tsaConfig":{}}`, "tsaConfig: unsupported selector SERVICE_SELECTOR_UNDEFINED"},
		{"unknown selector", `{` + v02 + `,"tsaUrls":[` + svc + `],"tsaConfig":{"selector":7}}`, "tsaConfig: unsupported selector 7"},
		{"EXACT 0", `{` + v02 + `,"rekorTlogUrls":[` + svc + `],"rekorTlogConfig":{"selector":"EXACT"}}`, "EXACT count 0, want 1 to 1"},
		{"EXACT too many", `{` + v02 + `,"rekorTlogUrls":[` + svc + `],"rekorTlogConfig":{"selector":"EXACT","count":2}}`, "EXACT count 2, want 1 to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := trustroot.ParseSigningConfig([]byte(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if c != nil || !errors.Is(err, trustroot.ErrMalformed) {
				t.Errorf("got %v, error %v; want nil and ErrMalformed", c, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseSigningConfigAccepts(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"nothing listed", `{` + v02 + `}`},
		{"selectors without services", `{` + v02 + `,"rekorTlogConfig":{},"tsaConfig":{"selector":"EXACT"}}`},
		{"unknown fields", `{` + v02 + `,"future":[1,2],"caUrls":[{"url":"https://a.example","validFor":{"start":"2025-01-01T00:00:00Z"},"new":true}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := trustroot.ParseSigningConfig([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if c.RekorLogSelection() != (trustroot.Selection{}) || c.TimestampAuthoritySelection() != (trustroot.Selection{}) {
				t.Errorf("selections %+v %+v, want zero", c.RekorLogSelection(), c.TimestampAuthoritySelection())
			}
			// Nothing listed: no logs or TSAs, and no error.
			if got, err := c.RekorLogs(day("2026-01-01")); got != nil || err != nil {
				t.Errorf("RekorLogs() = %v, %v", got, err)
			}
			if got, err := c.TimestampAuthorities(day("2026-01-01")); got != nil || err != nil {
				t.Errorf("TimestampAuthorities() = %v, %v", got, err)
			}
			roundTrip(t, c)
		})
	}
}

// svc is a service for selection tests: valid from start (to end, if not
// empty), dates as YYYY-MM-DD.
type svc struct {
	url      string
	version  uint32
	start    string
	end      string
	operator string
}

// config writes a signing configuration listing every list of services in
// each role, with the given selectors.
func config(t testing.TB, cas, tlogs, tsas []svc, tlogSel, tsaSel string) *trustroot.SigningConfig {
	t.Helper()
	type window struct {
		Start string `json:"start"`
		End   string `json:"end,omitempty"`
	}
	type service struct {
		URL      string `json:"url"`
		Version  uint32 `json:"majorApiVersion"`
		ValidFor window `json:"validFor"`
		Operator string `json:"operator"`
	}
	conv := func(ss []svc) []service {
		out := []service{}
		for _, s := range ss {
			w := window{Start: s.start + "T00:00:00Z"}
			if s.end != "" {
				w.End = s.end + "T00:00:00Z"
			}
			out = append(out, service{s.url, s.version, w, s.operator})
		}
		return out
	}
	sel := func(s string) map[string]any {
		name, count, _ := strings.Cut(s, " ")
		m := map[string]any{"selector": name}
		if count != "" {
			m["count"] = json.Number(count)
		}
		return m
	}
	doc := map[string]any{
		"mediaType":     trustroot.MediaTypeSigningConfigV02,
		"caUrls":        conv(cas),
		"oidcUrls":      conv(cas),
		"rekorTlogUrls": conv(tlogs),
		"tsaUrls":       conv(tsas),
	}
	if tlogSel != "" {
		doc["rekorTlogConfig"] = sel(tlogSel)
	}
	if tsaSel != "" {
		doc["tsaConfig"] = sel(tsaSel)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := trustroot.ParseSigningConfig(data)
	if err != nil {
		t.Fatalf("ParseSigningConfig: %v\n%s", err, data)
	}
	return c
}

func TestSelectMany(t *testing.T) {
	now := day("2026-01-01")
	// Operators a, b and c, each with an old v1 log and a newer one; a also
	// runs a v2 log, and b a v2 log that has not started yet.
	logs := []svc{
		{"https://a-v1-old", 1, "2020-01-01", "", "a"},
		{"https://a-v1-new", 1, "2024-01-01", "", "a"},
		{"https://b-v1-new", 1, "2025-01-01", "", "b"},
		{"https://b-v1-old", 1, "2021-01-01", "", "b"},
		{"https://c-v1-expired", 1, "2019-01-01", "2025-12-31", "c"},
		{"https://c-v1", 1, "2022-01-01", "2026-01-01", "c"}, // ends today: usable (inclusive)
		{"https://a-v2", 2, "2025-06-01", "", "a"},
		{"https://b-v2-future", 2, "2026-01-02", "", "b"},
	}
	for _, tc := range []struct {
		name     string
		list     []svc
		selector string
		versions []uint32
		want     []string
		wantErr  string // substring; errors.Is ErrNoService
	}{
		{"ALL v1 one per operator, newest start", logs, "ALL", []uint32{1},
			[]string{"https://a-v1-new", "https://b-v1-new", "https://c-v1"}, ""},
		{"ANY v1 first listed", logs, "ANY", []uint32{1}, []string{"https://a-v1-new"}, ""},
		{"EXACT 2 v1", logs, "EXACT 2", []uint32{1}, []string{"https://a-v1-new", "https://b-v1-new"}, ""},
		{"EXACT 3 v1", logs, "EXACT 3", []uint32{1}, []string{"https://a-v1-new", "https://b-v1-new", "https://c-v1"}, ""},
		{"default versions pick the highest, v2", logs, "ALL", nil, []string{"https://a-v2"}, ""},
		{"versions 1 and 2 pick v2 only", logs, "ANY", []uint32{1, 2}, []string{"https://a-v2"}, ""},
		{"EXACT 2 at v2 has one operator", logs, "EXACT 2", []uint32{2, 1}, nil, "EXACT 2 Rekor logs from distinct operators, 1 usable at 2026-01-01T00:00:00Z with major API version 2 or 1"},
		{"EXACT 4 at v1 has three operators", logs, "EXACT 4", []uint32{1}, nil, "EXACT 4 Rekor logs from distinct operators, 3 usable"},
		{"unsupported version", logs, "ANY", []uint32{3}, nil, "no Rekor log valid at 2026-01-01T00:00:00Z with major API version 3 (8 listed)"},
		{"all expired or future", []svc{
			{"https://old", 1, "2020-01-01", "2025-12-31", "a"},
			{"https://new", 1, "2026-01-02", "", "b"},
		}, "ALL", nil, nil, "no Rekor log valid"},
		{"same operator, same start: first listed", []svc{
			{"https://one", 1, "2024-01-01", "", "a"},
			{"https://two", 1, "2024-01-01", "", "a"},
		}, "ALL", nil, []string{"https://one"}, ""},
		{"empty operators count as one", []svc{
			{"https://one", 1, "2024-01-01", "", ""},
			{"https://two", 1, "2025-01-01", "", ""},
		}, "ALL", nil, []string{"https://two"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config(t, nil, tc.list, tc.list, tc.selector, tc.selector)
			got, err := c.RekorLogs(now, tc.versions...)
			check := func(what string, got []trustroot.Service, err error, wantErr string) {
				t.Helper()
				if wantErr != "" {
					if !errors.Is(err, trustroot.ErrNoService) || !strings.Contains(err.Error(), wantErr) || got != nil {
						t.Errorf("%s = %v, %v; want error containing %q", what, urls(got), err, wantErr)
					}
					return
				}
				if err != nil || !reflect.DeepEqual(urls(got), tc.want) {
					t.Errorf("%s = %q, %v; want %q", what, urls(got), err, tc.want)
				}
			}
			check("RekorLogs", got, err, tc.wantErr)
			if len(tc.versions) > 0 { // TSAs default to version 1 only
				got, err = c.TimestampAuthorities(now, tc.versions...)
				check("TimestampAuthorities", got, err, strings.ReplaceAll(tc.wantErr, "Rekor log", "timestamp authority"))
			}
		})
	}
}

func TestTimestampAuthoritiesDefaultVersion(t *testing.T) {
	c := config(t, nil, nil, []svc{
		{"https://tsa-v2", 2, "2025-01-01", "", "a"},
		{"https://tsa-v1", 1, "2024-01-01", "", "a"},
	}, "", "ANY")
	got, err := c.TimestampAuthorities(day("2026-01-01"))
	if err != nil || !reflect.DeepEqual(urls(got), []string{"https://tsa-v1"}) {
		t.Errorf("TimestampAuthorities() = %q, %v", urls(got), err)
	}
}

func TestSelectOne(t *testing.T) {
	now := day("2026-01-01")
	for _, tc := range []struct {
		name     string
		list     []svc
		versions []uint32
		want     string
		wantErr  string
	}{
		{"newest start, whatever the order", []svc{
			{"https://old", 1, "2020-01-01", "", "a"},
			{"https://new", 1, "2025-01-01", "", "b"},
			{"https://mid", 1, "2023-01-01", "", "a"},
		}, nil, "https://new", ""},
		{"expired and future skipped", []svc{
			{"https://expired", 1, "2025-01-01", "2025-12-31", "a"},
			{"https://future", 1, "2026-01-02", "", "a"},
			{"https://current", 1, "2020-01-01", "", "a"},
		}, nil, "https://current", ""},
		{"highest supported version first", []svc{
			{"https://v1", 1, "2025-01-01", "", "a"},
			{"https://v2", 2, "2024-01-01", "", "a"},
			{"https://v3", 3, "2024-01-01", "", "a"},
		}, []uint32{1, 2}, "https://v2", ""},
		{"default version 1", []svc{
			{"https://v2", 2, "2024-01-01", "", "a"},
			{"https://v1", 1, "2020-01-01", "", "a"},
		}, nil, "https://v1", ""},
		{"ties: first listed", []svc{
			{"https://one", 1, "2024-01-01", "", "a"},
			{"https://two", 1, "2024-01-01", "", "b"},
		}, nil, "https://one", ""},
		{"none listed", nil, nil, "", "no certificate authority valid at 2026-01-01T00:00:00Z with major API version 1 (0 listed)"},
		{"none valid", []svc{{"https://future", 1, "2026-01-02", "", "a"}}, nil, "", "(1 listed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config(t, tc.list, nil, nil, "", "")
			for _, f := range []struct {
				name string
				fn   func(time.Time, ...uint32) (trustroot.Service, error)
			}{{"Fulcio", c.Fulcio}, {"OIDCProvider", c.OIDCProvider}} {
				got, err := f.fn(now, tc.versions...)
				if tc.wantErr != "" {
					want := tc.wantErr
					if f.name == "OIDCProvider" {
						want = strings.ReplaceAll(want, "certificate authority", "OIDC provider")
					}
					if !errors.Is(err, trustroot.ErrNoService) || !strings.Contains(err.Error(), want) {
						t.Errorf("%s() error = %v, want ErrNoService containing %q", f.name, err, want)
					}
					continue
				}
				if err != nil || got.URL != tc.want {
					t.Errorf("%s() = %q, %v; want %q", f.name, got.URL, err, tc.want)
				}
			}
		})
	}
}

// The slices a SigningConfig returns are copies.
func TestSigningConfigCopies(t *testing.T) {
	c, err := trustroot.ParseSigningConfig(readFile(t, corpusDir+"/"+stagingSigningConfig))
	if err != nil {
		t.Fatal(err)
	}
	c.RekorLogServices()[0].URL = "https://evil.example"
	c.CertificateAuthorityServices()[0].URL = "https://evil.example"
	got, err := c.RekorLogs(day("2026-08-01"))
	if err != nil || got[0].URL != "https://global.rekor.sigstage.dev" {
		t.Fatalf("RekorLogs() = %q, %v", urls(got), err)
	}
	got[0].URL = "https://evil.example"
	if c.RekorLogServices()[0].URL != "https://global.rekor.sigstage.dev" || c.CertificateAuthorityServices()[0].URL != "https://fulcio.sigstage.dev" {
		t.Error("modifying a result modified the configuration")
	}
}

func TestSelectorString(t *testing.T) {
	for s, want := range map[trustroot.Selector]string{
		trustroot.SelectAll: "ALL", trustroot.SelectAny: "ANY", trustroot.SelectExact: "EXACT", 0: "Selector(0)",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
}

// FuzzParseSigningConfig checks that ParseSigningConfig never panics, that
// its errors wrap ErrMalformed, that what it accepts survives MarshalJSON and
// parsing again unchanged, and that selection keeps its promises: results
// valid at the time asked, of the highest version, from distinct operators,
// and errors wrapping ErrNoService. The seed corpus in
// testdata/fuzz/FuzzParseSigningConfig holds the public-good and private
// stack configurations.
func FuzzParseSigningConfig(f *testing.F) {
	for _, s := range []string{
		"", "{}", "null",
		`{` + v02 + `}`,
		`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json"}`,
		`{` + v02 + `,"rekorTlogUrls":[{"url":"https://a","majorApiVersion":1,"validFor":{"start":"2025-01-01T00:00:00Z"},"operator":"a"},{"url":"https://b","majorApiVersion":2,"validFor":{"start":"2025-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z"},"operator":"b"}],"rekorTlogConfig":{"selector":"EXACT","count":1}}`,
	} {
		f.Add([]byte(s))
	}
	times := []time.Time{day("2020-01-01"), day("2025-06-01"), day("2026-08-01"), day("2030-01-01")}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := trustroot.ParseSigningConfig(data)
		if err != nil {
			if !errors.Is(err, trustroot.ErrMalformed) || c != nil {
				t.Fatalf("ParseSigningConfig = %v, %v; want nil and ErrMalformed", c, err)
			}
			return
		}
		roundTrip(t, c)
		for _, now := range times {
			for _, versions := range [][]uint32{nil, {1}, {2}, {0, 1, 2}} {
				checkMany(t, "RekorLogs", c.RekorLogServices(), now, versions, c.RekorLogs)
				checkMany(t, "TimestampAuthorities", c.TimestampAuthorityServices(), now, versions, c.TimestampAuthorities)
				for _, fn := range []func(time.Time, ...uint32) (trustroot.Service, error){c.Fulcio, c.OIDCProvider} {
					s, err := fn(now, versions...)
					if err != nil {
						if !errors.Is(err, trustroot.ErrNoService) {
							t.Fatalf("error %v does not wrap ErrNoService", err)
						}
						continue
					}
					if !s.ValidFor.Contains(now) {
						t.Fatalf("selected %+v, not valid at %s", s, now)
					}
				}
			}
		}
	})
}

func checkMany(t *testing.T, name string, listed []trustroot.Service, now time.Time, versions []uint32,
	fn func(time.Time, ...uint32) ([]trustroot.Service, error)) {
	t.Helper()
	got, err := fn(now, versions...)
	if err != nil {
		if !errors.Is(err, trustroot.ErrNoService) || got != nil {
			t.Fatalf("%s = %v, %v; want nil and ErrNoService", name, got, err)
		}
		return
	}
	if len(listed) > 0 && len(got) == 0 {
		t.Fatalf("%s selected nothing from %d services without an error", name, len(listed))
	}
	ops := map[string]bool{}
	for _, s := range got {
		if !s.ValidFor.Contains(now) || s.MajorAPIVersion != got[0].MajorAPIVersion || ops[s.Operator] {
			t.Fatalf("%s(%s, %v) = %+v", name, now, versions, got)
		}
		ops[s.Operator] = true
	}
}

// ParseSigningConfig reads the services a signer should use; the selection
// methods pick among them for a given time and the API versions the caller
// speaks.
func ExampleParseSigningConfig() {
	data, err := os.ReadFile("../testdata/conformance/trusted_roots/staging.signing_config.v0.2.json")
	if err != nil {
		panic(err)
	}
	sc, err := trustroot.ParseSigningConfig(data)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	fulcio, err := sc.Fulcio(now)
	if err != nil {
		panic(err)
	}
	fmt.Println("Fulcio:", fulcio.URL)
	fmt.Println("Rekor selector:", sc.RekorLogSelection().Selector)
	for _, versions := range [][]uint32{{1, 2}, {1}} {
		logs, err := sc.RekorLogs(now, versions...)
		if err != nil {
			panic(err)
		}
		for _, l := range logs {
			fmt.Printf("Rekor for a client of API versions %v: %s (v%d, %s)\n", versions, l.URL, l.MajorAPIVersion, l.Operator)
		}
	}
	tsas, err := sc.TimestampAuthorities(now)
	if err != nil {
		panic(err)
	}
	fmt.Println("TSA:", tsas[0].URL)
	_, err = sc.RekorLogs(now, 3)
	fmt.Println(errors.Is(err, trustroot.ErrNoService), err)
	// Output:
	// Fulcio: https://fulcio.sigstage.dev
	// Rekor selector: ANY
	// Rekor for a client of API versions [1 2]: https://global.rekor.sigstage.dev (v2, sigstore.dev)
	// Rekor for a client of API versions [1]: https://rekor.sigstage.dev (v1, sigstore.dev)
	// TSA: https://timestamp.sigstage.dev/api/v1/timestamp
	// true trustroot: no matching service: no Rekor log valid at 2026-08-01T00:00:00Z with major API version 3 (2 listed)
}
