// Package dsse implements the DSSE v1 pre-authentication encoding.
package dsse

import "strconv"

// PAE returns the DSSE v1 pre-authentication encoding of payloadType and
// payload: "DSSEv1 <len> <type> <len> <payload>".
func PAE(payloadType string, payload []byte) []byte {
	n := len("DSSEv1 ") + 20 + 1 + len(payloadType) + 1 + 20 + 1 + len(payload)
	b := make([]byte, 0, n)
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	b = append(b, payload...)
	return b
}
