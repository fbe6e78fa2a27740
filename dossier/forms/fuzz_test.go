package forms_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier/forms"
)

// FuzzRender feeds arbitrary text into a letter's fields: rendering either
// refuses it as invalid data or produces a PDF with a signature box; it
// never panics or loops.
func FuzzRender(f *testing.F) {
	f.Add("Bà Nguyễn Thị Hằng", "chưa có kết quả xác minh", "Sở Tư pháp")
	f.Add("", "", "")
	f.Add("Ông\nA", "lý do\x00", "\xff\xfe")
	f.Add("😀😀😀", "漢字かな", "ĐỒNG ₫")
	f.Add("Supercalifragilisticexpialidocious-without-any-space-at-all-and-even-longer-than-a-line", "a", "b")
	set, err := forms.VersionByID("TT01-2018")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, addressee, reason, agency string) {
		a := apology()
		a.Addressee, a.Reason, a.Agency.Name = addressee, reason, agency
		var doc *forms.Document
		var err error
		done := make(chan struct{})
		go func() { defer close(done); doc, err = set.Render(a) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("rendering %q, %q, %q has not finished after 10 s", addressee, reason, agency)
		}
		if err != nil {
			if !errors.Is(err, forms.ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		if !bytes.HasPrefix(doc.PDF, []byte("%PDF-")) || doc.Signature.W <= 0 || doc.Signature.Page < 1 || doc.Signature.Page > doc.Pages {
			t.Fatalf("bad document: %d bytes, %+v, %d pages", len(doc.PDF), doc.Signature, doc.Pages)
		}
	})
}
