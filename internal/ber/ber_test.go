package ber

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzToDER: the BER converter never panics, and what it returns is DER
// that converts to itself.
func FuzzToDER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 'a', 0x04, 0x01, 'b', 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ToDER(b)
		if err != nil {
			return
		}
		d2, err := ToDER(d)
		if err != nil || !bytes.Equal(d, d2) {
			t.Fatalf("DER output is not stable: %x -> %x (%v)", d, d2, err)
		}
	})
}

func TestToDER(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
		wantErr bool
	}{
		{"definite stays", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		{"indefinite sequence", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		{"constructed octet string", []byte{0x24, 0x80, 0x04, 0x01, 'a', 0x04, 0x01, 'b', 0x00, 0x00}, []byte{0x04, 0x02, 'a', 'b'}, false},
		{"padding after", []byte{0x30, 0x00, 0x00, 0x00}, []byte{0x30, 0x00}, false},
		{"junk after", []byte{0x30, 0x00, 0x01}, nil, true},
		{"missing end of contents", []byte{0x30, 0x80, 0x02, 0x01, 0x05}, nil, true},
		{"length beyond data", []byte{0x30, 0x05, 0x02}, nil, true},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ToDER(tc.in)
			if (err != nil) != tc.wantErr || !tc.wantErr && !bytes.Equal(got, tc.out) {
				t.Errorf("ToDER(%x) = %x, %v; want %x", tc.in, got, err, tc.out)
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
		})
	}
	// Deep nesting is refused, not a stack overflow.
	deep := bytes.Repeat([]byte{0x30, 0x80}, 10000)
	if _, err := ToDER(deep); err == nil {
		t.Error("deep nesting accepted")
	}
}
