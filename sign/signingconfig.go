package sign

import (
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// WithSigningConfig uses the transparency logs and timestamp authorities
// that cfg selects at the time NewBundleBuilder runs (see
// trustroot.SigningConfig: validity windows, API versions, and the ANY,
// EXACT and ALL selectors), as WithTransparencyLog and WithTimestamper would
// one by one: Rekor logs of major API version 1 through NewRekor, version 2
// through NewRekorV2, timestamp authorities through NewTimestampAuthority,
// each with opts. Every selected service must be in root, whose keys and
// certificates check the services' responses.
//
// The certificate authority and OIDC provider cfg names are not used here:
// keyless signing needs an identity token, so the caller builds the
// certificate provider (signer.NewFulcio with cfg.Fulcio's URL) and passes
// it with WithCertificateProvider.
//
// It may be combined with WithTransparencyLog and WithTimestamper, whose
// services are asked too. A configuration that selects no log and no
// timestamp authority is an error: a bundle without either proves nothing
// about when it was signed.
func WithSigningConfig(root *trustroot.TrustedRoot, cfg *trustroot.SigningConfig, opts ...signer.ServiceOption) Option {
	return func(c *config) error {
		if root == nil || cfg == nil {
			return errors.New("sign: WithSigningConfig: nil trusted root or signing config")
		}
		t := time.Now()
		logs, err := cfg.RekorLogs(t, 1, 2)
		if err != nil {
			return fmt.Errorf("sign: WithSigningConfig: %w", err)
		}
		tsas, err := cfg.TimestampAuthorities(t)
		if err != nil {
			return fmt.Errorf("sign: WithSigningConfig: %w", err)
		}
		if len(logs) == 0 && len(tsas) == 0 {
			return fmt.Errorf("sign: WithSigningConfig: %w: the configuration selects neither a transparency log nor a timestamp authority", trustroot.ErrNoService)
		}
		for _, s := range tsas {
			ts, err := NewTimestampAuthority(root, s.URL, opts...)
			if err != nil {
				return fmt.Errorf("sign: WithSigningConfig: %w", err)
			}
			c.tsas = append(c.tsas, ts)
		}
		for _, s := range logs {
			var l TransparencyLog
			switch s.MajorAPIVersion {
			case 1:
				l, err = NewRekor(root, s.URL, opts...)
			case 2:
				l, err = NewRekorV2(root, s.URL, opts...)
			default:
				err = fmt.Errorf("unsupported API version %d of Rekor log %s", s.MajorAPIVersion, s.URL)
			}
			if err != nil {
				return fmt.Errorf("sign: WithSigningConfig: %w", err)
			}
			c.tlogs = append(c.tlogs, l)
		}
		return nil
	}
}
