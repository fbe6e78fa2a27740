package forms_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier/forms"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

// TestSignApology signs a rendered apology letter as the head of the
// deciding agency, with the visible signature in the returned box, and has
// poppler validate it.
func TestSignApology(t *testing.T) {
	pdftotext := testenv.Tool(t, "pdftotext")
	pdfsig := testenv.Tool(t, "pdfsig")
	qpdf := testenv.Tool(t, "qpdf")
	certutil := testenv.Tool(t, "certutil")
	p := testpki.New(t, certs.DevPKIOptions{})
	nssdb := p.NSSDB(t, certutil)

	set, err := forms.Version(apology().ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	a := apology()
	doc, err := set.Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Signer != forms.RoleAgencyHead || doc.Signer.Organisation() {
		t.Fatalf("the late-return apology is signed by %q", doc.Signer)
	}
	dir := t.TempDir()
	if d := os.Getenv("KYSO_FORMS_OUT"); d != "" {
		dir = d // keep the PDFs to look at
	}
	in, out := filepath.Join(dir, "apology.pdf"), filepath.Join(dir, "apology-signed.pdf")
	if err := os.WriteFile(in, doc.PDF, 0o644); err != nil {
		t.Fatal(err)
	}
	b := doc.Signature
	_, err = signer.SignFile(context.Background(), in, out, &signer.Options{
		Credential: p.Credential(t, "head"),
		Level:      signer.LevelBT,
		TSA:        p.TSA(),
		Reason:     "Ký phiếu xin lỗi " + a.Number,
		Appearance: &signer.Appearance{
			Kind: signer.Personal, Page: b.Page, Rect: signer.Rect{X: b.X, Y: b.Y, W: b.W, H: b.H},
			Name: a.Signatory.Name, Title: a.Signatory.Title, Unit: a.Agency.Name,
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	sig, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nssdb, out).CombinedOutput()
	if !strings.Contains(string(sig), "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig does not validate the signed letter:\n%s", sig)
	}
	if !strings.Contains(string(sig), "Certificate Validation: Certificate is Trusted.") {
		t.Errorf("pdfsig does not trust the dev chain:\n%s", sig)
	}
	if o, err := exec.Command(qpdf, "--check", out).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, o)
	}

	// The widget sits exactly on the box.
	rect := widgetRect(t, out, b.Page)
	want := [4]float64{b.X, b.Y, b.X + b.W, b.Y + b.H}
	for i := range rect {
		if math.Abs(rect[i]-want[i]) > 0.01 {
			t.Fatalf("widget /Rect %v, want %v", rect, want)
		}
	}
	// And what it shows is inside the box, clear of the letter's text.
	var pageH float64
	inside := 0
	for _, w := range words(t, pdftotext, out) {
		if w.page != b.Page {
			continue
		}
		pageH = w.pageH
		top, bottom := pageH-(b.Y+b.H), pageH-b.Y
		overlaps := w.xMax > b.X && w.xMin < b.X+b.W && w.yMax > top && w.yMin < bottom
		if !overlaps {
			continue
		}
		if w.xMin < b.X-0.5 || w.xMax > b.X+b.W+0.5 || w.yMin < top-0.5 || w.yMax > bottom+0.5 {
			t.Errorf("word %q crosses the signature box's edge", w.text)
		}
		inside++
	}
	text := strings.Join(strings.Fields(run(t, pdftotext, "-f", "1", "-l", "1", out, "-")), " ")
	if !strings.Contains(text, "Ký bởi: Hoàng Văn Nam") {
		t.Errorf("the appearance's text is not on the page:\n%s", text)
	}
	if inside < 4 {
		t.Errorf("only %d words inside the signature box; the appearance is not there", inside)
	}
}

// widgetRect returns the /Rect of the signature widget on a page.
func widgetRect(t *testing.T, file string, page int) [4]float64 {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := pdf.Open(f, st.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := r.Page(page - 1)
	if err != nil {
		t.Fatal(err)
	}
	annots, err := r.Resolve(pg.Dict["Annots"])
	if err != nil {
		t.Fatal(err)
	}
	arr, _ := annots.(pdf.Array)
	for _, a := range arr {
		obj, err := r.Resolve(a)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := obj.(pdf.Dict)
		if d["Subtype"] != pdf.Name("Widget") {
			continue
		}
		rect, err := r.Resolve(d["Rect"])
		if err != nil {
			t.Fatal(err)
		}
		ra, _ := rect.(pdf.Array)
		var out [4]float64
		for i := 0; i < 4 && i < len(ra); i++ {
			switch v := ra[i].(type) {
			case pdf.Integer:
				out[i] = float64(v)
			case pdf.Real:
				out[i] = float64(v)
			}
		}
		return out
	}
	t.Fatalf("no widget annotation on page %d", page)
	return [4]float64{}
}
