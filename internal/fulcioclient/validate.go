package fulcioclient

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/internal/codesign"
	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
)

// Leeway is the clock skew allowed when checking that a certificate's
// validity has begun: Fulcio issues certificates valid from the moment it
// signs them.
const Leeway = time.Minute

// Validate checks a chain from ParseResponse before it is used, in this
// order:
//
//  1. the leaf certifies pub (ErrKeyMismatch);
//  2. the leaf is fit to sign code: the codeSigning extended key usage,
//     not a CA, digitalSignature if it has key usages (ErrNotCodeSigning);
//  3. the chain links, each certificate issued and signed by the next, to
//     a certificate of a certificate authority of root whose validity window
//     contains now; certificates of the response from that point on must be
//     the CA's own, byte for byte, so the response's root is never trusted
//     for being there; every certificate of the path is valid at now, with
//     Leeway for its start (ErrUntrustedChain);
//  4. every SCT embedded in the leaf whose log is one of root's CT logs
//     verifies with that log's key, and its timestamp lies in the log's
//     validity window (ErrInvalidSCT). SCTs of unknown logs are skipped,
//     and a leaf without SCTs passes: how many SCTs a bundle needs is the
//     verifier's policy.
//
// It returns the certificates to use, leaf first: the response's chain
// without its last certificate if that is a self-signed root, since
// verifiers take roots from their trusted root, never from the bundle.
// Errors wrap ErrInvalidResponse and the cause.
func Validate(chain []*x509.Certificate, pub crypto.PublicKey, root *trustroot.TrustedRoot, now time.Time) ([]*x509.Certificate, error) {
	if len(chain) == 0 {
		return nil, invalid(ErrMalformed, "empty chain")
	}
	leaf := chain[0]
	if !sigalg.EqualKeys(pub, leaf.PublicKey) {
		return nil, invalid(ErrKeyMismatch, "leaf %s holds a %T, not the requested key", serial(leaf), leaf.PublicKey)
	}
	if err := codesign.CheckLeaf(leaf, false); err != nil {
		return nil, invalid(ErrNotCodeSigning, "leaf %s %v", serial(leaf), err)
	}
	if root == nil {
		return nil, invalid(ErrUntrustedChain, "no trusted root")
	}
	issuer, err := anchor(chain, root, now)
	if err != nil {
		return nil, invalid(ErrUntrustedChain, "%v", err)
	}
	if err := checkSCTs(leaf, issuer, root); err != nil {
		return nil, invalid(ErrInvalidSCT, "%v", err)
	}
	out := chain
	if last := chain[len(chain)-1]; len(chain) > 1 && selfSigned(last) {
		out = chain[:len(chain)-1]
	}
	return slices.Clip(slices.Clone(out)), nil
}

func serial(c *x509.Certificate) string { return "(serial " + c.SerialNumber.Text(16) + ")" }

// anchor finds the path from the leaf to a trusted CA and returns the leaf's
// issuer.
func anchor(chain []*x509.Certificate, root *trustroot.TrustedRoot, now time.Time) (*x509.Certificate, error) {
	var errs []error
	valid := 0
	for _, ca := range root.CertificateAuthorities() {
		if !ca.ValidFor.Contains(now) {
			continue
		}
		valid++
		issuer, err := anchorAt(chain, ca, now)
		if err == nil {
			// The trusted chain's own links are checked once, on first use.
			err = ca.VerifyChain()
		}
		if err == nil {
			return issuer, nil
		}
		errs = append(errs, fmt.Errorf("CA %s: %w", caName(ca), err))
	}
	if valid == 0 {
		return nil, fmt.Errorf("the trusted root has no certificate authority valid at %s", now.UTC().Format(time.RFC3339))
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return nil, errors.New(strings.Join(msgs, "; "))
}

func caName(ca *trustroot.CertificateAuthority) string {
	if ca.URI != "" {
		return ca.URI
	}
	return fmt.Sprintf("%q", ca.Certificates[0].Subject.String())
}

func anchorAt(chain []*x509.Certificate, ca *trustroot.CertificateAuthority, now time.Time) (*x509.Certificate, error) {
	for i, c := range chain {
		if err := validAt(c, now); err != nil {
			return nil, fmt.Errorf("certificate %d %s", i, err)
		}
		for t, trusted := range ca.Certificates {
			if !signedBy(c, trusted) {
				continue
			}
			tail := chain[i+1:]
			if len(tail) > len(ca.Certificates)-t {
				return nil, fmt.Errorf("certificate %d is signed by the CA's certificate %d, but the response continues past the CA's root", i, t)
			}
			for k, rc := range tail {
				if !rc.Equal(ca.Certificates[t+k]) {
					return nil, fmt.Errorf("certificate %d is signed by the CA's certificate %d, but response certificate %d is not the CA's certificate %d", i, t, i+1+k, t+k)
				}
			}
			for k, tc := range ca.Certificates[t:] {
				if err := validAt(tc, now); err != nil {
					return nil, fmt.Errorf("the CA's certificate %d %s", t+k, err)
				}
			}
			if i == 0 {
				return trusted, nil
			}
			return chain[1], nil
		}
		if i+1 == len(chain) {
			return nil, fmt.Errorf("certificate %d (issuer %q) is not signed by any of its certificates", i, c.Issuer.String())
		}
		next := chain[i+1]
		if !next.IsCA || !next.BasicConstraintsValid {
			return nil, fmt.Errorf("certificate %d is not a CA certificate", i+1)
		}
		if !signedBy(c, next) {
			return nil, fmt.Errorf("certificate %d is not issued and signed by certificate %d", i, i+1)
		}
	}
	return nil, errors.New("no certificates") // unreachable: chain is not empty
}

func signedBy(c, parent *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, parent.RawSubject) && c.CheckSignatureFrom(parent) == nil
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

func validAt(c *x509.Certificate, now time.Time) error {
	switch {
	case now.Add(Leeway).Before(c.NotBefore):
		return fmt.Errorf("is not valid until %s", c.NotBefore.UTC().Format(time.RFC3339))
	case now.After(c.NotAfter):
		return fmt.Errorf("expired at %s", c.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkSCTs verifies every embedded SCT from a CT log of root, with
// verify's check (internal/sct.Check); here any SCT of a trusted log that
// does not verify fails.
func checkSCTs(leaf, issuer *x509.Certificate, root *trustroot.TrustedRoot) error {
	logs, err := sct.NewLogs(root.CTLogs(), nil)
	if err != nil {
		return err
	}
	checked, err := sct.Check(leaf, issuer, logs)
	if err != nil {
		return err
	}
	if len(checked.Failures) > 0 {
		return checked.Failures[0]
	}
	return nil
}
