package verifier_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pdfsign "github.com/digitorus/pdfsign/sign"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

type fixture struct {
	pki *testpki.PKI
	dir string
}

func newFixture(t *testing.T) *fixture {
	return &fixture{pki: testpki.New(t, certs.DevPKIOptions{}), dir: t.TempDir()}
}

func (f *fixture) path(n string) string { return filepath.Join(f.dir, n) }

func (f *fixture) base(t *testing.T, name string, o testpdf.Options) string {
	t.Helper()
	p := f.path(name)
	if err := testpdf.File(p, o); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) sign(t *testing.T, in, out, who string, o signer.Options) string {
	t.Helper()
	o.Credential = f.pki.Credential(t, who)
	if o.TSA == nil {
		o.TSA = f.pki.TSA()
	}
	if _, err := signer.SignFile(context.Background(), in, out, &o); err != nil {
		t.Fatalf("sign %s: %v", out, err)
	}
	return out
}

func (f *fixture) verify(t *testing.T, file string, o verifier.Options) *verifier.Report {
	t.Helper()
	if o.Trust == nil {
		o.Trust = f.pki.TrustStore()
	}
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	rep, err := verifier.Verify(context.Background(), fh, st.Size(), o)
	if err != nil {
		t.Fatalf("verify %s: %v", filepath.Base(file), err)
	}
	return rep
}

func TestHonestSignaturesPass(t *testing.T) {
	f := newFixture(t)
	in := f.base(t, "in.pdf", testpdf.Options{Pages: 2, TextFields: []string{"ho_ten"}})
	a := f.sign(t, in, f.path("a.pdf"), "intake", signer.Options{Level: signer.LevelBB})
	b := f.sign(t, a, f.path("b.pdf"), "head", signer.Options{Level: signer.LevelBT,
		Appearance: &signer.Appearance{Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90}, Name: "Trần Thị Bình"}})
	c := f.sign(t, b, f.path("c.pdf"), "seal", signer.Options{Level: signer.LevelBLTA})

	rep := f.verify(t, c, verifier.Options{Revocation: certs.RevocationSoft})
	if rep.Indication != verifier.TotalPassed {
		t.Fatalf("verdict %s/%s: %s", rep.Indication, rep.SubIndication, rep.Reason)
	}
	if len(rep.Signatures) != 4 {
		t.Fatalf("%d signatures, want 3 + a document time-stamp", len(rep.Signatures))
	}
	wantLevel := []string{"B-T", "B-T", "B-LTA", ""} // the first two are proven by the document time-stamp
	for i, s := range rep.Signatures {
		if s.Indication != verifier.TotalPassed {
			t.Errorf("signature %d: %s/%s %v", i+1, s.Indication, s.SubIndication, s.Errors)
		}
		if s.Level != wantLevel[i] {
			t.Errorf("signature %d level %q, want %q", i+1, s.Level, wantLevel[i])
		}
		if s.Modifications == nil || !s.Modifications.Allowed {
			t.Errorf("signature %d: modifications %+v", i+1, s.Modifications)
		}
	}
	if s := rep.Signatures[1].Signer; s.Name != "Trần Thị Bình" || s.Title != "Giám đốc" || s.IDKind != "CCCD" || s.Organisation {
		t.Errorf("signer %+v", s)
	}
	if s := rep.Signatures[2].Signer; !s.Organisation || s.AgencyCode != "000.00.31.H62" {
		t.Errorf("seal signer %+v", s)
	}
	if rep.Signatures[1].BestTimeProof != "signature-timestamp" || rep.Signatures[0].BestTimeProof != "document-timestamp" {
		t.Errorf("time proofs %s, %s", rep.Signatures[1].BestTimeProof, rep.Signatures[0].BestTimeProof)
	}
	// The seal's revocation data is embedded, so hard mode passes it offline.
	hard := f.verify(t, c, verifier.Options{Revocation: certs.RevocationHard})
	if s := hard.Signatures[2]; s.Indication != verifier.TotalPassed {
		t.Errorf("B-LTA seal in hard mode: %s %v", s.Indication, s.Errors)
	}
	// Policy: a head's signature then the same unit's seal at B-LT.
	pol, err := verifier.LoadPolicy("result")
	if err != nil {
		t.Fatal(err)
	}
	if r := f.verify(t, c, verifier.Options{Policy: pol}); !r.Policy.Passed {
		t.Errorf("result policy: %+v", r.Policy)
	}
	if r := f.verify(t, b, verifier.Options{Policy: pol}); r.Policy.Passed {
		t.Error("result policy passed without the seal")
	}
}

// TestDetectsTampering changes signed documents in the ways an attacker
// would and checks the verdict and its reason.
func TestDetectsTampering(t *testing.T) {
	f := newFixture(t)
	in := f.base(t, "in.pdf", testpdf.Options{TextFields: []string{"so_tien"}})
	signed := f.sign(t, in, f.path("signed.pdf"), "head", signer.Options{Level: signer.LevelBT})
	orig, _ := os.ReadFile(signed)

	write := func(name string, b []byte) string {
		p := f.path(name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(orig)
	i := bytes.Index(flipped, []byte("QUYET DINH so 123"))
	flipped[i+14] = '9' // 123 -> 923 in the signed page content
	replacedContent := appendUpdate(t, signed, "replacedContent.pdf", func(r *pdf.Reader, u *pdf.Update) {
		pg, _ := r.Page(0)
		ref := pg.Dict["Contents"].(pdf.Ref)
		u.SetStream(ref, pdf.Dict{}, []byte("BT /F1 18 Tf 72 720 Td (QUYET DINH so 999/QD-UBND) Tj ET"))
	})
	flippedRef := appendUpdate(t, signed, "flippedRef.pdf", func(r *pdf.Reader, u *pdf.Update) {
		pg, _ := r.Page(0)
		nref := u.Alloc()
		u.SetStream(nref, pdf.Dict{}, []byte("BT /F1 18 Tf 72 720 Td (TU CHOI) Tj ET"))
		d := pdf.Dict{}
		for k, v := range pg.Dict {
			d[k] = v
		}
		d["Contents"] = nref
		u.Set(pg.Ref, d)
	})
	freeText := appendUpdate(t, signed, "freeText.pdf", func(r *pdf.Reader, u *pdf.Update) {
		pg, _ := r.Page(0)
		a := u.Alloc()
		u.Set(a, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("FreeText"), "Rect": pdf.Array{pdf.Integer(60), pdf.Integer(700), pdf.Integer(500), pdf.Integer(740)},
			"Contents": pdf.LitString("DA HUY"), "DA": pdf.LitString("/Helv 20 Tf 0 g")})
		d := pdf.Dict{}
		for k, v := range pg.Dict {
			d[k] = v
		}
		annots, _ := d["Annots"].(pdf.Array)
		d["Annots"] = append(append(pdf.Array{}, annots...), a)
		u.Set(pg.Ref, d)
	})
	formFill := appendUpdate(t, signed, "formFill.pdf", func(r *pdf.Reader, u *pdf.Update) {
		cat, _ := r.Catalog()
		af, _ := r.Resolve(cat["AcroForm"])
		fields := af.(pdf.Dict)["Fields"].(pdf.Array)
		ref := fields[0].(pdf.Ref)
		o, _ := r.Get(ref)
		d := pdf.Dict{}
		for k, v := range o.(pdf.Dict) {
			d[k] = v
		}
		d["V"] = pdf.LitString("5.000.000")
		u.Set(ref, d)
	})
	junk := write("junk.pdf", append(bytes.Clone(orig), []byte("\n9 0 obj\n<< /Type /Page >>\nendobj\n")...))

	tests := []struct {
		name string
		file string
		ind  verifier.Indication
		sub  verifier.SubIndication
		msg  string
	}{
		{"signed byte changed", write("flipped.pdf", flipped), verifier.TotalFailed, verifier.HashFailure, "digest"},
		{"page content replaced in an update", replacedContent, verifier.TotalFailed, verifier.DisallowedModification, "stream"},
		{"page content reference flipped", flippedRef, verifier.TotalFailed, verifier.DisallowedModification, "/Contents changed"},
		{"FreeText annotation added", freeText, verifier.TotalFailed, verifier.DisallowedModification, "FreeText"},
		{"bytes appended without xref", junk, verifier.TotalFailed, verifier.DisallowedModification, "bytes after the last revision"},
		{"form filled (allowed)", formFill, verifier.TotalPassed, "", ""},
		{"untouched", signed, verifier.TotalPassed, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := f.verify(t, tc.file, verifier.Options{})
			if rep.Indication != tc.ind || rep.SubIndication != tc.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s", rep.Indication, rep.SubIndication, rep.Reason, tc.ind, tc.sub)
			}
			if !strings.Contains(rep.Reason, tc.msg) {
				t.Errorf("reason %q lacks %q", rep.Reason, tc.msg)
			}
		})
	}
}

// appendUpdate writes a copy of file with one more incremental update.
func appendUpdate(t *testing.T, file, name string, edit func(*pdf.Reader, *pdf.Update)) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	u := pdf.NewUpdate(r)
	edit(r, u)
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(file), name)
	if err := os.WriteFile(out, append(b, buf.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTrustAndTime(t *testing.T) {
	f := newFixture(t)
	in := f.base(t, "in.pdf", testpdf.Options{})
	bb := f.sign(t, in, f.path("bb.pdf"), "head", signer.Options{Level: signer.LevelBB})
	bt := f.sign(t, in, f.path("bt.pdf"), "head", signer.Options{Level: signer.LevelBT})
	other := testpki.New(t, certs.DevPKIOptions{})
	head, _ := f.pki.Identity("head")
	later := head.Certificate.NotAfter.Add(24 * time.Hour)

	tests := []struct {
		name string
		file string
		opts verifier.Options
		ind  verifier.Indication
		sub  verifier.SubIndication
	}{
		{"trusted", bb, verifier.Options{}, verifier.TotalPassed, ""},
		{"other trust anchors", bb, verifier.Options{Trust: other.TrustStore()}, verifier.Indeterminate, verifier.NoCertificateChainFound},
		{"no trust anchors", bb, verifier.Options{Trust: certs.NewTrustStore()}, verifier.Indeterminate, verifier.NoCertificateChainFound},
		{"after expiry without a time-stamp", bb, verifier.Options{At: later}, verifier.Indeterminate, verifier.OutOfBoundsNoPOE},
		{"after expiry with a time-stamp", bt, verifier.Options{At: later}, verifier.TotalPassed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := f.verify(t, tc.file, tc.opts)
			if rep.Indication != tc.ind || rep.SubIndication != tc.sub {
				t.Errorf("got %s/%s (%s), want %s/%s", rep.Indication, rep.SubIndication, rep.Reason, tc.ind, tc.sub)
			}
		})
	}
	// Revoked before signing: online revocation finds it.
	if err := f.pki.Revoke("intake", 1, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rv := f.sign(t, in, f.path("revoked.pdf"), "intake", signer.Options{Level: signer.LevelBT})
	rep := f.verify(t, rv, verifier.Options{AllowOnline: true})
	if rep.Indication != verifier.TotalFailed || rep.SubIndication != verifier.Revoked {
		t.Errorf("revoked signer: %s/%s (%s)", rep.Indication, rep.SubIndication, rep.Reason)
	}
}

// TestAgreesWithPdfsig checks that on honest files signed by kyso, pdfsign
// and poppler itself, kyso's integrity verdict equals pdfsig's.
func TestAgreesWithPdfsig(t *testing.T) {
	f := newFixture(t)
	pdfsig := testenv.Tool(t, "pdfsig")
	in := f.base(t, "in.pdf", testpdf.Options{TextFields: []string{"a"}})
	files := []string{
		f.sign(t, in, f.path("kyso-bb.pdf"), "head", signer.Options{}),
		f.sign(t, f.path("kyso-bb.pdf"), f.path("kyso-2.pdf"), "seal", signer.Options{Level: signer.LevelBLT}),
	}
	// poppler's own signature.
	db := t.TempDir()
	run := func(name string, args ...string) {
		if out, err := exec.Command(testenv.Tool(t, name), args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("certutil", "-N", "-d", "sql:"+db, "--empty-password")
	run("pk12util", "-i", filepath.Join(f.pki.Dir, "intake.p12"), "-d", "sql:"+db, "-W", "")
	out, _ := exec.Command(testenv.Tool(t, "certutil"), "-L", "-d", "sql:"+db).CombinedOutput()
	nick := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "u,u,u") {
			nick = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), "u,u,u"))
		}
	}
	// poppler 22.12 cannot add ETSI.CAdES signatures: adbe.pkcs7.detached, once alone, once after kyso.
	run("pdfsig", "-add-signature", "-nssdir", "sql:"+db, "-nss-pwd", "", "-nick", nick, in, f.path("pdfsig.pdf"))
	run("pdfsig", "-add-signature", "-nssdir", "sql:"+db, "-nss-pwd", "", "-nick", nick, f.path("kyso-2.pdf"), f.path("kyso-then-pdfsig.pdf"))
	files = append(files, f.path("pdfsig.pdf"), f.path("kyso-then-pdfsig.pdf"))
	// MuPDF signs an existing empty signature field.
	empty := appendUpdate(t, in, "empty-field.pdf", func(r *pdf.Reader, u *pdf.Update) {
		pg, _ := r.Page(0)
		w := u.Alloc()
		u.Set(w, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"), "T": pdf.LitString("MuPDF"),
			"Rect": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Integer(0), pdf.Integer(0)}, "P": pg.Ref, "F": pdf.Integer(132)})
		d := pdf.Dict{}
		for k, v := range pg.Dict {
			d[k] = v
		}
		d["Annots"] = pdf.Array{w}
		u.Set(pg.Ref, d)
		cat, _ := r.Catalog()
		c := pdf.Dict{}
		for k, v := range cat {
			c[k] = v
		}
		af := c["AcroForm"].(pdf.Dict)
		c["AcroForm"] = pdf.Dict{"Fields": append(append(pdf.Array{}, af["Fields"].(pdf.Array)...), w), "SigFlags": pdf.Integer(3)}
		u.Set(r.Trailer()["Root"].(pdf.Ref), c)
	})
	er, _ := os.ReadFile(empty)
	rd, _ := pdf.Open(bytes.NewReader(er), int64(len(er)), nil)
	cat, _ := rd.Catalog()
	fields := cat["AcroForm"].(pdf.Dict)["Fields"].(pdf.Array)
	num := fields[len(fields)-1].(pdf.Ref).Num
	run("mutool", "sign", "-s", filepath.Join(f.pki.Dir, "intake.p12"), "-P", "", "-o", f.path("mutool.pdf"), empty, fmt.Sprint(num))
	files = append(files, f.path("mutool.pdf"))
	// The seed project's signer.
	id, _ := f.pki.Identity("intake")
	if err := pdfsign.SignFile(in, f.path("pdfsign.pdf"), pdfsign.SignData{
		Signature: pdfsign.SignDataSignature{Info: pdfsign.SignDataSignatureInfo{Name: "pdfsign", Date: time.Now()}, CertType: pdfsign.ApprovalSignature},
		Signer:    id.Key, DigestAlgorithm: crypto.SHA256, Certificate: id.Certificate,
		CertificateChains: [][]*x509.Certificate{{id.Certificate, f.pki.Intermediate.Certificate, f.pki.Root.Certificate}},
	}); err != nil {
		t.Fatal(err)
	}
	files = append(files, f.path("pdfsign.pdf"))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			out, _ := exec.Command(pdfsig, "-nocert", file).CombinedOutput()
			popplerValid := strings.Count(string(out), "Signature is Valid.")
			popplerAll := strings.Count(string(out), "Signature #")
			rep := f.verify(t, file, verifier.Options{})
			kysoValid := 0
			for _, s := range rep.Signatures {
				if s.Kind == "signature" && s.Indication != verifier.TotalFailed {
					kysoValid++
				}
			}
			if popplerValid != popplerAll || kysoValid != popplerValid {
				t.Errorf("pdfsig: %d of %d valid; kyso: %d integrity-valid (%s %s)\n%s", popplerValid, popplerAll, kysoValid, rep.Indication, rep.Reason, out)
			}
		})
	}
}
