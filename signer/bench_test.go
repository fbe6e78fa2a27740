package signer_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
)

// BenchmarkSign100KB measures the service case: a 100 KB document, a file
// key, B-B.
func BenchmarkSign100KB(b *testing.B) {
	dir := b.TempDir()
	p, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{})
	if err != nil {
		b.Fatal(err)
	}
	id, _ := p.Identity(certs.IdentityHead)
	in := filepath.Join(dir, "in.pdf")
	if err := testpdf.File(in, testpdf.Options{ImageBytes: 100 << 10}); err != nil {
		b.Fatal(err)
	}
	opts := &signer.Options{Credential: &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: p.Chain()}}
	out := filepath.Join(dir, "out.pdf")
	b.ResetTimer()
	for b.Loop() {
		if _, err := signer.SignFile(context.Background(), in, out, opts); err != nil {
			b.Fatal(err)
		}
	}
}
