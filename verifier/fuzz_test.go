package verifier

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
)

// seeds adds the pdf package's valid and broken test files, the attack
// corpus and the fuzz crashers kept as regression seeds.
func seeds(f *testing.F) {
	for _, pattern := range []string{"../pdf/testdata/valid/*.pdf", "../pdf/testdata/broken/*.pdf", "../testdata/attacks/*.pdf"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
}

// FuzzVerify: any input either fails to open with ErrUnreadable or yields
// a report; no panic, and limits bound time and memory.
func FuzzVerify(f *testing.F) {
	seeds(f)
	trust := certs.NewTrustStore()
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := &pdf.Options{MaxStreamSize: 8 << 20, MaxXRefSize: 1 << 20}
		rep, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Trust: trust, PDF: lim})
		if err != nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("error without ErrUnreadable: %v", err)
			}
			return
		}
		if rep.Indication == "" {
			t.Fatal("report without a verdict")
		}
		if rep.Indication == TotalPassed {
			t.Fatal("a fuzzed document passed without trust anchors")
		}
	})
}

// FuzzBER: the BER converter never panics, and what it returns is DER
// that converts to itself.
func FuzzBER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 'a', 0x04, 0x01, 'b', 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := berToDER(b)
		if err != nil {
			return
		}
		d2, err := berToDER(d)
		if err != nil || !bytes.Equal(d, d2) {
			t.Fatalf("DER output is not stable: %x -> %x (%v)", d, d2, err)
		}
	})
}

func TestBERToDER(t *testing.T) {
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
			got, err := berToDER(tc.in)
			if (err != nil) != tc.wantErr || !tc.wantErr && !bytes.Equal(got, tc.out) {
				t.Errorf("berToDER(%x) = %x, %v; want %x", tc.in, got, err, tc.out)
			}
			if err != nil && !errors.Is(err, errBER) {
				t.Errorf("error %v is not errBER", err)
			}
		})
	}
	// Deep nesting is refused, not a stack overflow.
	deep := bytes.Repeat([]byte{0x30, 0x80}, 10000)
	if _, err := berToDER(deep); err == nil {
		t.Error("deep nesting accepted")
	}
}
