package trustroot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sigil-dev/sigil/internal/limits"
)

// Signing-configuration media types.
const (
	// MediaTypeSigningConfigV02 is the only signing-configuration version
	// sigil reads.
	MediaTypeSigningConfigV02 = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
	// MediaTypeSigningConfigV01 is the earlier version, which listed one URL
	// per service without validity windows or API versions. ParseSigningConfig
	// rejects it.
	MediaTypeSigningConfigV01 = "application/vnd.dev.sigstore.signingconfig.v0.1+json"
)

// ErrNoService is wrapped by the errors of the SigningConfig selection
// methods when no listed service, or not enough of them, meets the
// selection criteria, and by the error of TrustedRoot.SigningConfig when the root
// carries no signing configuration.
var ErrNoService = errors.New("trustroot: no matching service")

// Service is one service endpoint listed in a signing configuration.
type Service struct {
	// URL is the service's URL: the base URL of a CA, OIDC provider or Rekor
	// log, or the full timestamp URL of a TSA.
	URL string
	// MajorAPIVersion is the service's major API version (0 means not yet
	// released): Rekor v1 or v2, for example.
	MajorAPIVersion uint32
	// ValidFor is the window in which the configuration says to use the
	// service. It always has a Start; a zero End means open-ended.
	ValidFor TimeRange
	// Operator names who runs the service, as a scheme-less URI such as
	// "sigstore.dev". Services of one operator count once.
	Operator string
}

// Selector says how many of a list of services a client uses.
type Selector int

// Selectors, as protobuf-specs ServiceSelector defines them.
const (
	// SelectAll: every usable service, one per operator.
	SelectAll Selector = iota + 1
	// SelectAny: one usable service.
	SelectAny
	// SelectExact: exactly Selection.Count usable services, from distinct
	// operators.
	SelectExact
)

// String returns the protobuf-specs name of s: "ALL", "ANY" or "EXACT".
func (s Selector) String() string {
	switch s {
	case SelectAll:
		return "ALL"
	case SelectAny:
		return "ANY"
	case SelectExact:
		return "EXACT"
	}
	return fmt.Sprintf("Selector(%d)", int(s))
}

// Selection is a signing configuration's rule for choosing among the
// Rekor logs or the timestamp authorities it lists.
type Selection struct {
	// Selector is the rule.
	Selector Selector
	// Count is the number of services SelectExact asks for; zero otherwise.
	Count int
}

// SigningConfig is a parsed, checked signing configuration
// (signing_config.v0.2.json): the services a signer uses — certificate
// authorities (Fulcio), OIDC providers, Rekor logs and timestamp
// authorities — with their validity windows, API versions and operators,
// and the rules for choosing among them.
//
// The selection methods (Fulcio, OIDCProvider, RekorLogs,
// TimestampAuthorities) implement the protobuf-specs rules: a service is
// usable at a time t if its validity window contains t and its major API
// version is one the caller supports; of the usable services only those with
// the highest such version are considered; of those, each operator counts
// once, with its service of the latest validity start (the first listed on
// ties). Results are in the order the configuration lists them.
//
// A SigningConfig is immutable and safe for concurrent use. The slices its
// methods return are copies.
type SigningConfig struct {
	mediaType      string
	cas, oidcs     []Service
	tlogs, tsas    []Service
	tlogSelection  Selection
	tsaSelection   Selection
	tlogConfigured bool // rekorTlogConfig present (kept for MarshalJSON)
	tsaConfigured  bool
}

// ParseSigningConfig parses and checks a signing configuration of media
// type MediaTypeSigningConfigV02 (v0.1 and unknown versions are rejected).
// Unknown fields are ignored. Every listed service must have a URL with a
// scheme and host and a validity window with a start that does not end
// before it starts. When Rekor logs (or timestamp authorities) are listed,
// rekorTlogConfig (tsaConfig) must give a selector, ALL, ANY or EXACT, and
// EXACT a count from 1 to the number of services listed; when none are
// listed, the selector is ignored. Input larger than 4 MiB, or listing more
// than 256 services, is rejected. Every error wraps ErrMalformed.
func ParseSigningConfig(data []byte) (*SigningConfig, error) {
	if len(data) > limits.MaxTrustedRootSize {
		return nil, malformed("signing config: %d bytes exceeds the limit of %d", len(data), limits.MaxTrustedRootSize)
	}
	var sc prototrust.SigningConfig
	if err := jsonOpts.Unmarshal(data, &sc); err != nil {
		return nil, malformed("signing config: %s", protojsonError(err))
	}
	return signingConfigFromProto(&sc)
}

func signingConfigFromProto(sc *prototrust.SigningConfig) (*SigningConfig, error) {
	switch mt := sc.GetMediaType(); mt {
	case MediaTypeSigningConfigV02:
	case MediaTypeSigningConfigV01:
		return nil, malformed("signing config: media type %q (v0.1) is not supported, want %q", mt, MediaTypeSigningConfigV02)
	default:
		return nil, malformed("signing config: unsupported media type %q, want %q", mt, MediaTypeSigningConfigV02)
	}
	n := len(sc.GetCaUrls()) + len(sc.GetOidcUrls()) + len(sc.GetRekorTlogUrls()) + len(sc.GetTsaUrls())
	if n > limits.MaxTrustedEntities {
		return nil, malformed("signing config: %d services exceed the limit of %d", n, limits.MaxTrustedEntities)
	}
	c := &SigningConfig{mediaType: sc.GetMediaType()}
	var err error
	if c.cas, err = parseServices("caUrls", sc.GetCaUrls()); err != nil {
		return nil, err
	}
	if c.oidcs, err = parseServices("oidcUrls", sc.GetOidcUrls()); err != nil {
		return nil, err
	}
	if c.tlogs, err = parseServices("rekorTlogUrls", sc.GetRekorTlogUrls()); err != nil {
		return nil, err
	}
	if c.tsas, err = parseServices("tsaUrls", sc.GetTsaUrls()); err != nil {
		return nil, err
	}
	if len(c.tlogs) > 0 {
		if c.tlogSelection, err = parseSelection("rekorTlogConfig", sc.GetRekorTlogConfig(), len(c.tlogs)); err != nil {
			return nil, err
		}
		c.tlogConfigured = true
	}
	if len(c.tsas) > 0 {
		if c.tsaSelection, err = parseSelection("tsaConfig", sc.GetTsaConfig(), len(c.tsas)); err != nil {
			return nil, err
		}
		c.tsaConfigured = true
	}
	return c, nil
}

func parseServices(field string, list []*prototrust.Service) ([]Service, error) {
	var out []Service
	for i, s := range list {
		if err := checkServiceURL(s.GetUrl()); err != nil {
			return nil, malformed("signing config: %s[%d]: %v", field, i, err)
		}
		vf, err := parseRange(s.GetValidFor())
		if err != nil {
			return nil, fmt.Errorf("signing config: %w (%s[%d], %s)", err, field, i, s.GetUrl())
		}
		out = append(out, Service{
			URL:             s.GetUrl(),
			MajorAPIVersion: s.GetMajorApiVersion(),
			ValidFor:        vf,
			Operator:        s.GetOperator(),
		})
	}
	return out, nil
}

// checkServiceURL checks that u is an absolute URL with a host.
func checkServiceURL(u string) error {
	if u == "" {
		return errors.New("empty URL")
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("URL %q: %v", u, err)
	}
	if p.Scheme == "" || p.Host == "" {
		return fmt.Errorf("URL %q lacks a scheme or host", u)
	}
	return nil
}

func parseSelection(field string, cfg *prototrust.ServiceConfiguration, listed int) (Selection, error) {
	switch cfg.GetSelector() {
	case prototrust.ServiceSelector_ALL:
		return Selection{Selector: SelectAll}, nil
	case prototrust.ServiceSelector_ANY:
		return Selection{Selector: SelectAny}, nil
	case prototrust.ServiceSelector_EXACT:
		n := cfg.GetCount()
		if n < 1 || int64(n) > int64(listed) {
			return Selection{}, malformed("signing config: %s: EXACT count %d, want 1 to %d (the services listed)", field, n, listed)
		}
		return Selection{Selector: SelectExact, Count: int(n)}, nil
	}
	if cfg == nil {
		return Selection{}, malformed("signing config: %s missing", field)
	}
	return Selection{}, malformed("signing config: %s: unsupported selector %v", field, cfg.GetSelector())
}

// MediaType returns the configuration's media type,
// MediaTypeSigningConfigV02.
func (c *SigningConfig) MediaType() string { return c.mediaType }

// CertificateAuthorityServices returns every listed certificate authority
// (Fulcio), in order, whether usable now or not (Fulcio selects one).
func (c *SigningConfig) CertificateAuthorityServices() []Service { return slices.Clone(c.cas) }

// OIDCProviderServices returns every listed OIDC provider, in order
// (OIDCProvider selects one).
func (c *SigningConfig) OIDCProviderServices() []Service { return slices.Clone(c.oidcs) }

// RekorLogServices returns every listed Rekor log, in order (RekorLogs
// selects among them).
func (c *SigningConfig) RekorLogServices() []Service { return slices.Clone(c.tlogs) }

// TimestampAuthorityServices returns every listed timestamp authority, in
// order (TimestampAuthorities selects among them).
func (c *SigningConfig) TimestampAuthorityServices() []Service { return slices.Clone(c.tsas) }

// RekorLogSelection returns the rule for choosing Rekor logs; the zero
// Selection when no logs are listed.
func (c *SigningConfig) RekorLogSelection() Selection { return c.tlogSelection }

// TimestampAuthoritySelection returns the rule for choosing timestamp
// authorities; the zero Selection when no timestamp authorities are listed.
func (c *SigningConfig) TimestampAuthoritySelection() Selection { return c.tsaSelection }

// Default API versions of the selection methods.
var (
	defaultVersions      = []uint32{1}
	defaultRekorVersions = []uint32{1, 2}
)

// Fulcio selects the certificate authority to request a signing certificate
// from at time now: of the listed CAs valid at now whose major API version
// is one of versions (default: 1), one with the highest version and, among
// those, the latest validity start (the first listed on ties). When there is
// none the error wraps ErrNoService.
func (c *SigningConfig) Fulcio(now time.Time, versions ...uint32) (Service, error) {
	return selectOne("certificate authority", c.cas, now, versions)
}

// OIDCProvider selects the OIDC provider to get an identity token from at
// time now, by the same rules as Fulcio (default versions: 1). When there is
// none the error wraps ErrNoService.
func (c *SigningConfig) OIDCProvider(now time.Time, versions ...uint32) (Service, error) {
	return selectOne("OIDC provider", c.oidcs, now, versions)
}

// RekorLogs selects the Rekor logs to write an entry to at time now, as
// RekorLogSelection says (see SigningConfig for the rules), among the logs
// whose major API version is one of versions (default: 1 and 2). When no
// logs are listed, it returns no logs and no error. When logs are listed but
// none is usable, or EXACT asks for more operators than are usable, the
// error wraps ErrNoService.
func (c *SigningConfig) RekorLogs(now time.Time, versions ...uint32) ([]Service, error) {
	if len(versions) == 0 {
		versions = defaultRekorVersions
	}
	return selectMany("Rekor log", c.tlogs, c.tlogSelection, now, versions)
}

// TimestampAuthorities selects the timestamp authorities to request
// timestamps from at time now, as TimestampAuthoritySelection says, among those whose major
// API version is one of versions (default: 1). When no timestamp authorities
// are listed, it returns none and no error. When some are listed but none is
// usable, or EXACT asks for more operators than are usable, the error wraps
// ErrNoService.
func (c *SigningConfig) TimestampAuthorities(now time.Time, versions ...uint32) ([]Service, error) {
	if len(versions) == 0 {
		versions = defaultVersions
	}
	return selectMany("timestamp authority", c.tsas, c.tsaSelection, now, versions)
}

// usable returns the indices of the services of list valid at now with the
// highest of versions any of them has.
func usable(what string, list []Service, now time.Time, versions []uint32) ([]int, error) {
	if len(versions) == 0 {
		versions = defaultVersions
	}
	var idx []int
	var top uint32
	for i, s := range list {
		if !s.ValidFor.Contains(now) || !slices.Contains(versions, s.MajorAPIVersion) {
			continue
		}
		if len(idx) == 0 || s.MajorAPIVersion > top {
			idx, top = idx[:0], s.MajorAPIVersion
		}
		if s.MajorAPIVersion == top {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("%w: no %s valid at %s with major API version %s (%d listed)",
			ErrNoService, what, now.UTC().Format(time.RFC3339), versionList(versions), len(list))
	}
	return idx, nil
}

func versionList(vs []uint32) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, " or ")
}

func selectOne(what string, list []Service, now time.Time, versions []uint32) (Service, error) {
	idx, err := usable(what, list, now, versions)
	if err != nil {
		return Service{}, err
	}
	best := idx[0]
	for _, i := range idx[1:] {
		if list[i].ValidFor.Start.After(list[best].ValidFor.Start) {
			best = i
		}
	}
	return list[best], nil
}

func selectMany(what string, list []Service, sel Selection, now time.Time, versions []uint32) ([]Service, error) {
	if len(list) == 0 {
		return nil, nil
	}
	idx, err := usable(what, list, now, versions)
	if err != nil {
		return nil, err
	}
	// One service per operator: the one with the latest start, the first
	// listed on ties.
	best := map[string]int{}
	for _, i := range idx {
		op := list[i].Operator
		if j, ok := best[op]; !ok || list[i].ValidFor.Start.After(list[j].ValidFor.Start) {
			best[op] = i
		}
	}
	chosen := make([]int, 0, len(best))
	for _, i := range best {
		chosen = append(chosen, i)
	}
	slices.Sort(chosen)
	out := make([]Service, len(chosen))
	for k, i := range chosen {
		out[k] = list[i]
	}
	switch sel.Selector {
	case SelectAll:
		return out, nil
	case SelectAny:
		return out[:1], nil
	case SelectExact:
		if len(out) < sel.Count {
			return nil, fmt.Errorf("%w: EXACT %d %ss from distinct operators, %d usable at %s with major API version %s",
				ErrNoService, sel.Count, what, len(out), now.UTC().Format(time.RFC3339), versionList(versions))
		}
		return out[:sel.Count], nil
	}
	// Unreachable for a parsed configuration.
	return nil, fmt.Errorf("%w: %s selector %v", ErrNoService, what, sel.Selector)
}

// MarshalJSON encodes the configuration as compact protobuf-specs JSON of
// media type MediaTypeSigningConfigV02, which ParseSigningConfig reads back
// into an equal SigningConfig.
func (c *SigningConfig) MarshalJSON() ([]byte, error) {
	return compactJSON(c.proto())
}

func (c *SigningConfig) proto() *prototrust.SigningConfig {
	sc := &prototrust.SigningConfig{
		MediaType:     c.mediaType,
		CaUrls:        servicesProto(c.cas),
		OidcUrls:      servicesProto(c.oidcs),
		RekorTlogUrls: servicesProto(c.tlogs),
		TsaUrls:       servicesProto(c.tsas),
	}
	if c.tlogConfigured {
		sc.RekorTlogConfig = selectionProto(c.tlogSelection)
	}
	if c.tsaConfigured {
		sc.TsaConfig = selectionProto(c.tsaSelection)
	}
	return sc
}

func servicesProto(list []Service) []*prototrust.Service {
	var out []*prototrust.Service
	for _, s := range list {
		out = append(out, &prototrust.Service{
			Url:             s.URL,
			MajorApiVersion: s.MajorAPIVersion,
			ValidFor:        rangeProto(s.ValidFor),
			Operator:        s.Operator,
		})
	}
	return out
}

func selectionProto(s Selection) *prototrust.ServiceConfiguration {
	cfg := &prototrust.ServiceConfiguration{}
	switch s.Selector {
	case SelectAll:
		cfg.Selector = prototrust.ServiceSelector_ALL
	case SelectAny:
		cfg.Selector = prototrust.ServiceSelector_ANY
	case SelectExact:
		cfg.Selector = prototrust.ServiceSelector_EXACT
		cfg.Count = uint32(s.Count)
	}
	return cfg
}

func rangeProto(r TimeRange) *protocommon.TimeRange {
	tr := &protocommon.TimeRange{Start: timestamppb.New(r.Start)}
	if !r.End.IsZero() {
		tr.End = timestamppb.New(r.End)
	}
	return tr
}

// compactJSON encodes m as compact protobuf-specs JSON. protojson randomizes
// insignificant whitespace; compacting makes the result deterministic.
func compactJSON(m proto.Message) ([]byte, error) {
	out, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("trustroot: encoding: %s", protojsonError(err))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, out); err != nil {
		return nil, fmt.Errorf("trustroot: encoding: %v", err)
	}
	return buf.Bytes(), nil
}

// SigningConfig parses the signing configuration the root carries (see
// SigningConfigJSON) with ParseSigningConfig. When the root carries
// none (it came from a trusted_root.json document, or the TUF repository
// publishes none), the error wraps ErrNoService; when the configuration is
// not one ParseSigningConfig accepts, the error wraps ErrMalformed. Each call
// parses anew and returns a new SigningConfig.
func (r *TrustedRoot) SigningConfig() (*SigningConfig, error) {
	if r.signingConfig == nil {
		return nil, fmt.Errorf("%w: the trusted root (%s) carries no signing configuration", ErrNoService, r.mediaType)
	}
	return ParseSigningConfig(r.signingConfig)
}
