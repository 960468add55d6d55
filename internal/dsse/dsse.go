// Package dsse implements the DSSE v1 pre-authentication encoding.
package dsse

import (
	"crypto"
	"io"
	"strconv"
)

// PAE returns the DSSE v1 pre-authentication encoding of payloadType and
// payload: "DSSEv1 <len> <type> <len> <payload>".
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, headerSize(payloadType)+len(payload))
	b = appendHeader(b, payloadType, len(payload))
	return append(b, payload...)
}

// Digest returns the h digest of the pre-authentication encoding of
// payloadType and payload without making a copy of the payload, or nil if h
// is not available.
func Digest(h crypto.Hash, payloadType string, payload []byte) []byte {
	if !h.Available() {
		return nil
	}
	d := h.New()
	WritePAE(d, payloadType, payload)
	return d.Sum(nil)
}

// WritePAE writes the pre-authentication encoding of payloadType and payload
// to w, a hash, without making a copy of the payload.
func WritePAE(w io.Writer, payloadType string, payload []byte) {
	var buf [64]byte
	w.Write(appendHeader(buf[:0], payloadType, len(payload)))
	w.Write(payload)
}

func headerSize(payloadType string) int {
	return len("DSSEv1 ") + 20 + 1 + len(payloadType) + 1 + 20 + 1
}

func appendHeader(b []byte, payloadType string, n int) []byte {
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, ' ')
}
