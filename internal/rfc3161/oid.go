package rfc3161

import (
	"crypto"
	"encoding/asn1"
)

// Raw contents (no tag or length) of the OBJECT IDENTIFIERs used here, so
// that they can be compared against the input without allocating.
var (
	oidSignedData = oidBytes(1, 2, 840, 113549, 1, 7, 2)
	oidTSTInfo    = oidBytes(1, 2, 840, 113549, 1, 9, 16, 1, 4)

	oidAttrContentType          = oidBytes(1, 2, 840, 113549, 1, 9, 3)
	oidAttrMessageDigest        = oidBytes(1, 2, 840, 113549, 1, 9, 4)
	oidAttrSigningCertificate   = oidBytes(1, 2, 840, 113549, 1, 9, 16, 2, 12)
	oidAttrSigningCertificateV2 = oidBytes(1, 2, 840, 113549, 1, 9, 16, 2, 47)

	oidSHA256 = oidBytes(2, 16, 840, 1, 101, 3, 4, 2, 1)
	oidSHA384 = oidBytes(2, 16, 840, 1, 101, 3, 4, 2, 2)
	oidSHA512 = oidBytes(2, 16, 840, 1, 101, 3, 4, 2, 3)

	oidRSAEncryption = oidBytes(1, 2, 840, 113549, 1, 1, 1)
	oidRSAPSS        = oidBytes(1, 2, 840, 113549, 1, 1, 10)
	oidMGF1          = oidBytes(1, 2, 840, 113549, 1, 1, 8)
	oidECPublicKey   = oidBytes(1, 2, 840, 10045, 2, 1)
	oidEd25519       = oidBytes(1, 3, 101, 112)

	derNull = []byte{0x05, 0x00}
)

// sigAlgorithms are the signature algorithm OIDs that name their hash.
var sigAlgorithms = []struct {
	oid    []byte
	scheme sigScheme
	hash   crypto.Hash
}{
	{oidBytes(1, 2, 840, 10045, 4, 3, 2), sigECDSA, crypto.SHA256},
	{oidBytes(1, 2, 840, 10045, 4, 3, 3), sigECDSA, crypto.SHA384},
	{oidBytes(1, 2, 840, 10045, 4, 3, 4), sigECDSA, crypto.SHA512},
	{oidBytes(1, 2, 840, 113549, 1, 1, 11), sigRSAPKCS1, crypto.SHA256},
	{oidBytes(1, 2, 840, 113549, 1, 1, 12), sigRSAPKCS1, crypto.SHA384},
	{oidBytes(1, 2, 840, 113549, 1, 1, 13), sigRSAPKCS1, crypto.SHA512},
}

func oidBytes(ids ...int) []byte {
	der, err := asn1.Marshal(asn1.ObjectIdentifier(ids))
	if err != nil || len(der) < 2 || der[1] >= 0x80 {
		panic("rfc3161: bad built-in OID")
	}
	return der[2:]
}

// allowedHash reports whether h is one of the allow-listed digests.
func allowedHash(h crypto.Hash) bool {
	return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
}

// hashFromAlgorithm maps a digest AlgorithmIdentifier to an allow-listed
// hash (SHA-256/384/512). Parameters must be absent or NULL. It returns 0
// for anything else.
func hashFromAlgorithm(oid, params []byte) crypto.Hash {
	if len(params) != 0 && string(params) != string(derNull) {
		return 0
	}
	switch string(oid) {
	case string(oidSHA256):
		return crypto.SHA256
	case string(oidSHA384):
		return crypto.SHA384
	case string(oidSHA512):
		return crypto.SHA512
	}
	return 0
}
