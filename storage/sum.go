package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// Sum is the SHA-256 of an object's bytes: its name.
type Sum [sha256.Size]byte

// SumOf returns the SHA-256 of b.
func SumOf(b []byte) Sum { return sha256.Sum256(b) }

// ParseSum parses a lowercase or uppercase hex SHA-256.
func ParseSum(s string) (Sum, error) {
	var sum Sum
	if len(s) != 2*len(sum) {
		return sum, fmt.Errorf("malformed SHA-256 %q: want %d hex digits", s, 2*len(sum))
	}
	if _, err := hex.Decode(sum[:], []byte(s)); err != nil {
		return sum, fmt.Errorf("malformed SHA-256 %q: %w", s, err)
	}
	return sum, nil
}

// String returns the lowercase hex form.
func (s Sum) String() string { return hex.EncodeToString(s[:]) }

// IsZero reports whether s is all zeros (unset).
func (s Sum) IsZero() bool { return s == Sum{} }

// verifyingReader hashes what it reads and fails at EOF when the bytes do not
// hash to want, or when fewer or more than size bytes came.
type verifyingReader struct {
	r     io.ReadCloser
	h     hash.Hash
	want  Sum
	size  int64 // -1: unknown
	n     int64
	store string
	err   error
}

func newVerifyingReader(r io.ReadCloser, want Sum, size int64, store string) *verifyingReader {
	return &verifyingReader{r: r, h: sha256.New(), want: want, size: size, store: store}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		var got Sum
		v.h.Sum(got[:0])
		if got != v.want || (v.size >= 0 && v.n != v.size) {
			v.err = &StoreError{Store: v.store, Op: "get", Key: v.want.String(),
				Err: fmt.Errorf("%w (read %d bytes hashing to %s)", ErrCorrupt, v.n, got)}
			return n, v.err
		}
	}
	if err != nil && err != io.EOF {
		err = &StoreError{Store: v.store, Op: "get", Key: v.want.String(), Err: err}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.r.Close() }
