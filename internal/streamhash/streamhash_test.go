package streamhash

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestRead(t *testing.T) {
	data := bytes.Repeat([]byte("sigil"), 3*bufferSize/5+7) // several reads, a partial last one
	got, err := Sum(context.Background(), iotest.HalfReader(bytes.NewReader(data)), crypto.SHA256, crypto.SHA512)
	if err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
	if !bytes.Equal(got[crypto.SHA256], s256[:]) || !bytes.Equal(got[crypto.SHA512], s512[:]) || len(got) != 2 {
		t.Fatalf("wrong digests %x", got)
	}
	// Data returned with io.EOF counts.
	got, err = Sum(context.Background(), iotest.DataErrReader(bytes.NewReader([]byte("abc"))), crypto.SHA256)
	if s := sha256.Sum256([]byte("abc")); err != nil || !bytes.Equal(got[crypto.SHA256], s[:]) {
		t.Fatalf("data with EOF: %x, %v", got, err)
	}
}

func TestReadErrors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := Sum(context.Background(), iotest.ErrReader(boom), crypto.SHA256); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Sum(ctx, bytes.NewReader([]byte("x")), crypto.SHA256); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
	if _, err := Sum(context.Background(), bytes.NewReader(nil)); err == nil {
		t.Error("no hash accepted")
	}
	if _, err := Sum(context.Background(), bytes.NewReader(nil), crypto.MD4); err == nil {
		t.Error("unavailable hash accepted")
	}
	// The context is checked between reads: a reader that cancels it
	// midway stops the hashing.
	ctx, cancel = context.WithCancel(context.Background())
	r := io.MultiReader(bytes.NewReader(make([]byte, bufferSize)), cancelReader{cancel}, bytes.NewReader(make([]byte, bufferSize)))
	if _, err := Sum(ctx, r, crypto.SHA256); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled midway: %v", err)
	}
}

type cancelReader struct{ cancel func() }

func (c cancelReader) Read(p []byte) (int, error) { c.cancel(); return 0, io.EOF }
