package sign

import (
	"crypto"
	"errors"
	"fmt"
	"io"

	"github.com/sigil-dev/sigil/bundle"
)

// An Option configures a BundleBuilder (NewBundleBuilder) or the assembly of
// a bundle from a signature made elsewhere (AssembleMessage, AssembleDSSE).
// Options are checked together when they are applied; an option given twice
// where that makes no sense, a nil argument, or an option that does not
// apply to the call is an error naming the option. Nothing is ignored.
type Option func(*config) error

type config struct {
	tsas      []Timestamper
	tlogs     []TransparencyLog
	certs     CertificateProvider
	selfCheck func(b *bundle.Bundle, alg crypto.Hash, digest []byte) error
	rand      io.Reader
	fullChain bool
	// names of the options given that only a BundleBuilder uses, so that
	// Assemble can reject them by name.
	builderOnly []string
}

func newConfig(opts []Option) (*config, error) {
	c := &config{}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("sign: option %d is nil", i)
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithTimestamper asks t for an RFC 3161 timestamp over each signature, and
// puts it in the bundle. It may be given several times, for several
// timestamp authorities; they are asked in order, and every one must answer
// (a failure fails the signing: a verifier that requires N timestamps needs
// them all). Default: no timestamps.
func WithTimestamper(t Timestamper) Option {
	return func(c *config) error {
		if t == nil {
			return errors.New("sign: WithTimestamper: nil Timestamper")
		}
		c.tsas = append(c.tsas, t)
		return nil
	}
}

// WithTransparencyLog appends each signature to l and puts the returned
// entry in the bundle. It may be given several times, for several logs;
// they are asked in order, after the timestamp authorities, and every one
// must succeed. Default: no transparency-log entry.
func WithTransparencyLog(l TransparencyLog) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("sign: WithTransparencyLog: nil TransparencyLog")
		}
		c.tlogs = append(c.tlogs, l)
		return nil
	}
}

// WithCertificateProvider obtains a certificate for the credential's key
// from p before each signature (keyless signing: a short-lived Fulcio
// certificate per bundle). The credential must not already carry a
// certificate chain. It applies to NewBundleBuilder only. Default: the
// credential's own certificate chain, or its public-key hint.
func WithCertificateProvider(p CertificateProvider) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("sign: WithCertificateProvider: nil CertificateProvider")
		}
		if c.certs != nil {
			return errors.New("sign: WithCertificateProvider given twice")
		}
		c.certs = p
		c.builderOnly = append(c.builderOnly, "WithCertificateProvider")
		return nil
	}
}

// WithSelfCheck verifies every bundle with check before returning it. A
// bundle that fails is never returned: the error wraps ErrSelfCheck and the
// error check returned. check receives the bundle and, for message
// signatures, the digest that was signed and its algorithm; for DSSE
// envelopes alg is 0 and digest nil. (*verify.Verifier).SelfCheck returns
// such a function. Default: no self-check.
func WithSelfCheck(check func(b *bundle.Bundle, alg crypto.Hash, digest []byte) error) Option {
	return func(c *config) error {
		if check == nil {
			return errors.New("sign: WithSelfCheck: nil function")
		}
		if c.selfCheck != nil {
			return errors.New("sign: WithSelfCheck given twice")
		}
		c.selfCheck = check
		return nil
	}
}

// WithRand sets the source of randomness passed to the credential's key
// when it signs the bundle's signature (a CertificateProvider signs its
// proof of possession as it chooses). Keys from the standard library ignore
// it since Go 1.26 and always use a secure source; other crypto.Signer
// implementations may use it. It applies to NewBundleBuilder only. Default: crypto/rand.Reader.
func WithRand(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("sign: WithRand: nil reader")
		}
		if c.rand != nil {
			return errors.New("sign: WithRand given twice")
		}
		c.rand = r
		c.builderOnly = append(c.builderOnly, "WithRand")
		return nil
	}
}

// WithFullChain makes bundles carry the signing certificate's whole chain,
// leaf first, as the credential (signer.FromCertificateChain) or the
// certificate provider gave it, in a version 0.3 x509CertificateChain, as
// model_signing's certificate method and other BYO-PKI signers write it.
// Verifiers use the certificates after the leaf as untrusted intermediates
// (a verifier whose trusted root holds only the enterprise root needs them);
// they never trust a certificate for being in the bundle. Some verifiers
// (sigstore-go by default) accept only a single certificate in version 0.3.
// It applies to NewBundleBuilder only, and changes nothing for a chain of
// the leaf alone or a public-key credential. Default: the leaf alone.
func WithFullChain() Option {
	return func(c *config) error {
		if c.fullChain {
			return errors.New("sign: WithFullChain given twice")
		}
		c.fullChain = true
		c.builderOnly = append(c.builderOnly, "WithFullChain")
		return nil
	}
}
