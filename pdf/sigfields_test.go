package pdf_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kyso-vn/kyso/pdf"
)

func TestSignatureFields(t *testing.T) {
	for _, tc := range []struct {
		file  string
		names []string
	}{
		{"valid-single-bb.pdf", []string{"Signature1"}},
		{"valid-three-signatures.pdf", []string{"Signature1", "Signature2", "Signature3", "DocTimeStamp4"}},
		{"valid-doc-timestamp-only.pdf", []string{"DocTimeStamp1"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("..", "testdata", "attacks", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			r, err := pdf.Open(f, st.Size(), nil)
			if err != nil {
				t.Fatal(err)
			}
			fields, err := r.SignatureFields()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, sf := range fields {
				names = append(names, sf.Name)
				if sf.Value["ByteRange"] == nil || sf.Value["Contents"] == nil {
					t.Errorf("%s: /V is not a signature dictionary", sf.Name)
				}
			}
			if !slices.Equal(names, tc.names) {
				t.Fatalf("fields %v, want %v", names, tc.names)
			}
		})
	}
}
