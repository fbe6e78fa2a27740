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
