package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/miekg/pkcs11"
)

// oidP256 is the named curve secp256r1 (prime256v1), as CKA_EC_PARAMS holds
// it: a DER OBJECT IDENTIFIER.
var oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}

// Token is a logged-in session with one PKCS#11 token.
type Token struct {
	ctx     *pkcs11.Ctx
	session pkcs11.SessionHandle
	mu      sync.Mutex // a PKCS#11 session serves one call at a time
}

// OpenToken loads the PKCS#11 module, finds the token labelled label and
// logs in to it as the user with pin.
func OpenToken(module, label, pin string) (*Token, error) {
	ctx := pkcs11.New(module)
	if ctx == nil {
		return nil, fmt.Errorf("cannot load PKCS#11 module %s", module)
	}
	if err := ctx.Initialize(); err != nil {
		ctx.Destroy()
		return nil, fmt.Errorf("C_Initialize: %w", err)
	}
	t := &Token{ctx: ctx}
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("C_GetSlotList: %w", err)
	}
	for _, s := range slots {
		info, err := ctx.GetTokenInfo(s)
		if err != nil || info.Label != label {
			continue
		}
		t.session, err = ctx.OpenSession(s, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("C_OpenSession: %w", err)
		}
		if err := ctx.Login(t.session, pkcs11.CKU_USER, pin); err != nil {
			t.Close()
			return nil, fmt.Errorf("C_Login: %w", err)
		}
		return t, nil
	}
	t.Close()
	return nil, fmt.Errorf("no token labelled %q", label)
}

// Close logs out and unloads the module.
func (t *Token) Close() {
	if t.session != 0 {
		t.ctx.Logout(t.session)
		t.ctx.CloseSession(t.session)
	}
	t.ctx.Finalize()
	t.ctx.Destroy()
}

// GenerateKey makes an ECDSA P-256 key pair in the token, labelled label.
// The private key is sensitive and not extractable: it never leaves the
// token.
func (t *Token) GenerateKey(label string) error {
	params, err := asn1.Marshal(oidP256)
	if err != nil {
		return err
	}
	id := []byte(label)
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	priv := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, err = t.ctx.GenerateKeyPair(t.session, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}, pub, priv)
	if err != nil {
		return fmt.Errorf("C_GenerateKeyPair: %w", err)
	}
	return nil
}

// ErrNoKey is returned by Key when the token holds no key pair with the label.
var ErrNoKey = errors.New("no key pair with that label")

// Key finds the ECDSA P-256 key pair labelled label and returns it as a
// crypto.Signer. Only the public key is read; signing happens in the token.
func (t *Token) Key(label string) (*Key, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	privH, err := t.find(pkcs11.CKO_PRIVATE_KEY, label)
	if err != nil {
		return nil, err
	}
	pubH, err := t.find(pkcs11.CKO_PUBLIC_KEY, label)
	if err != nil {
		return nil, err
	}
	attrs, err := t.ctx.GetAttributeValue(t.session, pubH, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil),
	})
	if err != nil {
		return nil, fmt.Errorf("C_GetAttributeValue: %w", err)
	}
	var curve asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(attrs[0].Value, &curve); err != nil || len(rest) > 0 || !curve.Equal(oidP256) {
		return nil, fmt.Errorf("key %q is not on P-256", label)
	}
	// CKA_EC_POINT is the DER OCTET STRING of the uncompressed point.
	var point []byte
	if rest, err := asn1.Unmarshal(attrs[1].Value, &point); err != nil || len(rest) > 0 {
		point = attrs[1].Value // some tokens store the raw point
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", label, err)
	}
	return &Key{t: t, priv: privH, pub: pub}, nil
}

func (t *Token) find(class uint, label string) (pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	if err := t.ctx.FindObjectsInit(t.session, tmpl); err != nil {
		return 0, fmt.Errorf("C_FindObjectsInit: %w", err)
	}
	objs, _, err := t.ctx.FindObjects(t.session, 2)
	t.ctx.FindObjectsFinal(t.session)
	switch {
	case err != nil:
		return 0, fmt.Errorf("C_FindObjects: %w", err)
	case len(objs) == 0:
		return 0, fmt.Errorf("%w: %q", ErrNoKey, label)
	case len(objs) > 1:
		return 0, fmt.Errorf("several objects labelled %q", label)
	}
	return objs[0], nil
}

// Key is an ECDSA P-256 private key in a PKCS#11 token. It implements
// crypto.Signer; the private key never leaves the token.
type Key struct {
	t    *Token
	priv pkcs11.ObjectHandle
	pub  *ecdsa.PublicKey
}

var _ crypto.Signer = (*Key)(nil)

// Public returns the key's public half.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Sign signs a digest with CKM_ECDSA in the token and returns the signature
// ASN.1 DER-encoded, as crypto/ecdsa does. The random source is the token's.
func (k *Key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != 0 && len(digest) != opts.HashFunc().Size() {
		return nil, fmt.Errorf("pkcs11: %d-byte digest for %v", len(digest), opts.HashFunc())
	}
	k.t.mu.Lock()
	defer k.t.mu.Unlock()
	if err := k.t.ctx.SignInit(k.t.session, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, k.priv); err != nil {
		return nil, fmt.Errorf("C_SignInit: %w", err)
	}
	raw, err := k.t.ctx.Sign(k.t.session, digest)
	if err != nil {
		return nil, fmt.Errorf("C_Sign: %w", err)
	}
	// PKCS#11 returns r || s, each as long as the curve order.
	if len(raw) != 64 {
		return nil, fmt.Errorf("pkcs11: %d-byte ECDSA signature, want 64", len(raw))
	}
	r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// PrivateAttributes reports the private key's CKA_SENSITIVE and
// CKA_EXTRACTABLE attributes.
func (k *Key) PrivateAttributes() (sensitive, extractable bool, err error) {
	k.t.mu.Lock()
	defer k.t.mu.Unlock()
	attrs, err := k.t.ctx.GetAttributeValue(k.t.session, k.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil),
	})
	if err != nil {
		return false, false, err
	}
	return len(attrs[0].Value) == 1 && attrs[0].Value[0] != 0, len(attrs[1].Value) == 1 && attrs[1].Value[0] != 0, nil
}

// ReadPrivateValue tries to read the private scalar (CKA_VALUE) out of the
// token; a sensitive key refuses.
func (k *Key) ReadPrivateValue() error {
	k.t.mu.Lock()
	defer k.t.mu.Unlock()
	_, err := k.t.ctx.GetAttributeValue(k.t.session, k.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	return err
}
