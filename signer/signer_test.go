package signer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pdfsignverify "github.com/digitorus/pdfsign/verify"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

// signFunc signs in to out with one key backend.
type signFunc func(t *testing.T, in, out string, opts *signer.Options) *signer.Result

func signFile(t *testing.T, in, out string, opts *signer.Options) *signer.Result {
	t.Helper()
	res, err := signer.SignFile(context.Background(), in, out, opts)
	if err != nil {
		t.Fatalf("sign %s: %v", filepath.Base(in), err)
	}
	return res
}

// signExternal prepares without the key, signs ToBeSigned as a remote
// holder would, carries the session through JSON, and completes.
func signExternal(t *testing.T, in, out string, opts *signer.Options) *signer.Result {
	t.Helper()
	key := opts.Credential.Signer
	o := *opts
	o.Credential = &signer.Credential{Certificate: opts.Credential.Certificate, Chain: opts.Credential.Chain}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	s, err := signer.Prepare(context.Background(), f, st.Size(), &o)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	js, _ := json.Marshal(s)
	var back signer.Session
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	so, err := back.SignerOpts()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.Sign(rand.Reader, back.ToBeSigned, so)
	if err != nil {
		t.Fatal(err)
	}
	res, err := signer.CompleteFile(context.Background(), in, out, &back, sig, &o)
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	return res
}

// pdfsigSignature is one signature as poppler's pdfsig reports it.
type pdfsigSignature struct {
	Field, Type, Validation, Certificate string
}

// runPdfsig runs pdfsig with an NSS database trusting the dev root.
func runPdfsig(t *testing.T, nssdb, file string) []pdfsigSignature {
	t.Helper()
	out, _ := exec.Command(testenv.Tool(t, "pdfsig"), "-nssdir", "sql:"+nssdb, file).CombinedOutput()
	var sigs []pdfsigSignature
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Signature #"):
			sigs = append(sigs, pdfsigSignature{})
		case len(sigs) == 0:
		case strings.HasPrefix(line, "- Signature Field Name:"):
			sigs[len(sigs)-1].Field = strings.TrimSpace(strings.TrimPrefix(line, "- Signature Field Name:"))
		case strings.HasPrefix(line, "- Signature Type:"):
			sigs[len(sigs)-1].Type = strings.TrimSpace(strings.TrimPrefix(line, "- Signature Type:"))
		case strings.HasPrefix(line, "- Signature Validation:"):
			sigs[len(sigs)-1].Validation = strings.TrimSpace(strings.TrimPrefix(line, "- Signature Validation:"))
		case strings.HasPrefix(line, "- Certificate Validation:"):
			sigs[len(sigs)-1].Certificate = strings.TrimSpace(strings.TrimPrefix(line, "- Certificate Validation:"))
		}
	}
	if len(sigs) == 0 {
		t.Fatalf("pdfsig found no signature in %s:\n%s", file, out)
	}
	return sigs
}

func qpdfCheck(t *testing.T, file string) {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "qpdf"), "--check", file).CombinedOutput()
	if err != nil {
		t.Errorf("qpdf --check %s: %v\n%s", filepath.Base(file), err, out)
	}
}

// pdfsignAccepts runs the seed project's verifier, trusting embedded roots.
// It cannot check RFC 3161 document time-stamps, so the signers at the
// indices in docTS (in field order, as pdfsig lists them) are left out.
func pdfsignAccepts(t *testing.T, file string, docTS map[int]bool) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := pdfsignverify.DefaultVerifyOptions()
	o.AllowUntrustedRoots = true
	o.RequiredEKUs = nil
	resp, err := pdfsignverify.VerifyFileWithOptions(f, o)
	if err != nil {
		t.Errorf("pdfsign verify %s: %v", filepath.Base(file), err)
		return
	}
	for i, s := range resp.Signers {
		if !s.ValidSignature && !docTS[i] {
			t.Errorf("pdfsign verify %s: signer %d (%s) not valid", filepath.Base(file), i, s.Name)
		}
	}
}

// fixture is a served dev PKI, an NSS database trusting it, and inputs.
type fixture struct {
	pki   *testpki.PKI
	nssdb string
	dir   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p := testpki.New(t, certs.DevPKIOptions{})
	return &fixture{pki: p, nssdb: p.NSSDB(t, testenv.Tool(t, "certutil")), dir: t.TempDir()}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// input makes one of the test documents and returns its path.
func (f *fixture) input(t *testing.T, kind string) string {
	t.Helper()
	out := f.path(kind + ".pdf")
	switch kind {
	case "pdf13":
		must(t, testpdf.File(out, testpdf.Options{Version: "1.3", Pages: 2}))
	case "pdf20":
		must(t, testpdf.File(out, testpdf.Options{Version: "2.0"}))
	case "xrefstream":
		src := f.path("xs-src.pdf")
		must(t, testpdf.File(src, testpdf.Options{Version: "1.7", Pages: 3, TextFields: []string{"so_ho_so"}}))
		run(t, "qpdf", "--object-streams=generate", "--min-version=1.5", src, out)
	case "formfields":
		must(t, testpdf.File(out, testpdf.Options{TextFields: []string{"ho_ten", "ngay_sinh", "dia_chi"}}))
	case "rotated":
		must(t, testpdf.File(out, testpdf.Options{Rotate: 90}))
	case "pdfsig-signed":
		src := f.path("ps-src.pdf")
		must(t, testpdf.File(src, testpdf.Options{TextFields: []string{"ghi_chu"}}))
		db := t.TempDir()
		run(t, "certutil", "-N", "-d", "sql:"+db, "--empty-password")
		run(t, "pk12util", "-i", filepath.Join(f.pki.Dir, "intake.p12"), "-d", "sql:"+db, "-W", "")
		nick := strings.TrimSpace(nickname(t, db))
		run(t, "pdfsig", "-add-signature", "-nssdir", "sql:"+db, "-nss-pwd", "", "-nick", nick, src, out)
	case "pdfsign-signed":
		src := f.path("pk-src.pdf")
		must(t, testpdf.File(src, testpdf.Options{}))
		signWithPdfsign(t, f, src, out)
	default:
		t.Fatalf("unknown input %s", kind)
	}
	return out
}

func nickname(t *testing.T, db string) string {
	out := run(t, "certutil", "-L", "-d", "sql:"+db)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "u,u,u") {
			return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), "u,u,u"))
		}
	}
	t.Fatalf("no user certificate in NSS database:\n%s", out)
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, tool string, args ...string) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, tool), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestInteroperability signs several real documents up to three times in
// a row, at every level and with every file-based and external key
// backend, and checks the result in poppler, qpdf and pdfsign.
func TestInteroperability(t *testing.T) {
	f := newFixture(t)
	backends := map[string]signFunc{"pem": signFile, "external": signExternal}
	type step struct {
		who     string
		level   signer.Level
		backend string
		visible bool
	}
	chains := map[string][]step{
		"pdf13":          {{"intake", signer.LevelBB, "pem", false}},
		"pdf20":          {{"head", signer.LevelBT, "external", true}, {"seal", signer.LevelBLT, "pem", true}},
		"xrefstream":     {{"intake", signer.LevelBB, "external", false}, {"head", signer.LevelBT, "pem", true}, {"seal", signer.LevelBLTA, "pem", true}},
		"formfields":     {{"head", signer.LevelBLTA, "pem", true}, {"seal", signer.LevelBLTA, "external", false}},
		"rotated":        {{"head", signer.LevelBT, "pem", true}},
		"pdfsig-signed":  {{"head", signer.LevelBT, "pem", true}, {"seal", signer.LevelBB, "pem", false}},
		"pdfsign-signed": {{"seal", signer.LevelBLT, "pem", true}},
	}
	for kind, steps := range chains {
		t.Run(kind, func(t *testing.T) {
			in := f.input(t, kind)
			before := runPdfsigCount(t, f, in)
			orig, _ := os.ReadFile(in)
			fieldsBefore := fieldNames(t, in)
			cur := in
			for i, s := range steps {
				out := f.path(fmt.Sprintf("%s-%d.pdf", kind, i+1))
				opts := &signer.Options{Credential: f.pki.Credential(t, s.who), Level: s.level, TSA: f.pki.TSA(),
					Reason: "Phê duyệt kết quả", Location: "Vĩnh Phúc"}
				if s.visible {
					opts.Appearance = &signer.Appearance{Kind: kindOf(s.who), Page: 1, Rect: signer.Rect{X: 40 + 20*float64(i), Y: 60 + 100*float64(i), W: 250, H: 80},
						Name: certs.SubjectOf(opts.Credential.Certificate).CommonName, Title: "Giám đốc", Unit: "Sở Tư pháp"}
				}
				res := backends[s.backend](t, cur, out, opts)
				if res.Level != s.level {
					t.Errorf("step %d reached %v, want %v", i, res.Level, s.level)
				}
				prev, _ := os.ReadFile(cur)
				now, _ := os.ReadFile(out)
				if !bytes.HasPrefix(now, prev) {
					t.Fatalf("step %d: the previous bytes are not a prefix of the result", i)
				}
				cur = out
			}
			final, _ := os.ReadFile(cur)
			if !bytes.HasPrefix(final, orig) {
				t.Fatal("original bytes changed")
			}
			qpdfCheck(t, cur)
			sigs := runPdfsig(t, f.nssdb, cur)
			docTS := map[int]bool{}
			cades := 0
			for i, s := range sigs {
				if s.Type == "ETSI.RFC3161" || strings.Contains(s.Field, "DocTimeStamp") {
					docTS[i] = true
					continue
				}
				cades++
				if s.Validation != "Signature is Valid." {
					t.Errorf("pdfsig: %s: %s", s.Field, s.Validation)
				}
				if strings.HasPrefix(s.Field, "Signature") && s.Type == "ETSI.CAdES.detached" && s.Certificate != "Certificate is Trusted." {
					t.Errorf("pdfsig: %s certificate: %s", s.Field, s.Certificate)
				}
			}
			pdfsignAccepts(t, cur, docTS)
			if cades != before+len(steps) {
				t.Errorf("pdfsig sees %d CMS signatures, want %d", cades, before+len(steps))
			}
			for name := range fieldsBefore {
				if !fieldNames(t, cur)[name] {
					t.Errorf("form field %q lost", name)
				}
			}
		})
	}
}

func runPdfsigCount(t *testing.T, f *fixture, file string) int {
	out, _ := exec.Command(testenv.Tool(t, "pdfsig"), "-nssdir", "sql:"+f.nssdb, file).CombinedOutput()
	return strings.Count(string(out), "Signature #")
}

func kindOf(who string) signer.AppearanceKind {
	if who == "seal" {
		return signer.Organisation
	}
	return signer.Personal
}

// fieldNames lists the top-level AcroForm field names.
func fieldNames(t *testing.T, file string) map[string]bool {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	r, err := pdf.Open(fh, st.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := r.Catalog()
	names := map[string]bool{}
	af, _ := r.Resolve(cat["AcroForm"])
	d, _ := af.(pdf.Dict)
	fs, _ := r.Resolve(d["Fields"])
	arr, _ := fs.(pdf.Array)
	for _, x := range arr {
		o, _ := r.Resolve(x)
		if fd, ok := o.(pdf.Dict); ok {
			if s, ok := fd["T"].(pdf.String); ok {
				names[s.Text()] = true
			}
		}
	}
	return names
}

// TestVisibleVietnamese checks that a visible signature renders where it
// was put and that its text extracts with exact diacritics.
func TestVisibleVietnamese(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "pdf13")
	out := f.path("visible.pdf")
	signFile(t, in, out, &signer.Options{Credential: f.pki.Credential(t, "head"), Level: signer.LevelBT, TSA: f.pki.TSA(),
		Appearance: &signer.Appearance{Kind: signer.Personal, Page: 2, Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90},
			Name: "Trần Thị Bình", Title: "Giám đốc", Unit: "Sở Tư pháp", QR: "https://kyso.example/v/abc"}})
	text := run(t, "pdftotext", "-f", "2", "-l", "2", out, "-")
	for _, want := range []string{"Trần Thị Bình", "Giám đốc", "Sở Tư pháp", "+07:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	// The appearance's fonts are embedded subsets (emb yes, sub yes), and
	// qpdf finds the file's structure sound.
	for _, l := range strings.Split(run(t, "pdffonts", out), "\n")[2:] {
		if f := strings.Fields(l); len(f) >= 5 && strings.Contains(f[0], "DejaVu") && !strings.Contains(l, "yes yes") {
			t.Errorf("pdffonts: not an embedded subset: %s", l)
		}
	}
	if fonts := run(t, "pdffonts", out); !strings.Contains(fonts, "+DejaVuSans-Bold") || !strings.Contains(fonts, "+DejaVuSans ") {
		t.Errorf("pdffonts lacks the appearance fonts:\n%s", fonts)
	}
	run(t, "qpdf", "--check", out)
	if t1 := run(t, "pdftotext", "-f", "1", "-l", "1", out, "-"); strings.Contains(t1, "Trần") {
		t.Error("the appearance landed on page 1")
	}
	// Rendered at 72 dpi, the box (x 300-550, y 80-170 from the bottom of
	// an 842 pt page) holds ink; the area left of it does not.
	prefix := filepath.Join(f.dir, "render")
	run(t, "pdftoppm", "-png", "-r", "72", "-f", "2", "-l", "2", out, prefix)
	if dir := os.Getenv("KYSO_KEEP_RENDER"); dir != "" {
		run(t, "pdftoppm", "-png", "-r", "200", "-f", "2", "-l", "2", "-x", "830", "-y", "1860", "-W", "720", "-H", "300", out, filepath.Join(dir, "visible"))
	}
	matches, _ := filepath.Glob(prefix + "*.png")
	if len(matches) != 1 {
		t.Fatalf("pdftoppm wrote %v", matches)
	}
	pf, _ := os.Open(matches[0])
	img, err := png.Decode(pf)
	pf.Close()
	if err != nil {
		t.Fatal(err)
	}
	ink := func(x0, y0, x1, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if r+g+b < 3*0xc000 {
					n++
				}
			}
		}
		return n
	}
	if in := ink(300, 842-170, 550, 842-80); in < 500 {
		t.Errorf("only %d dark pixels inside the signature box", in)
	}
	if outside := ink(20, 842-170, 280, 842-80); outside > 0 {
		t.Errorf("%d dark pixels beside the signature box", outside)
	}
}

// TestBadInput feeds the signer what it must refuse, and checks that no
// output file appears.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	good := f.input(t, "pdf13")
	head := f.pki.Credential(t, "head")
	expired, err := f.pki.Issue("expired", certs.IssueRequest{Kind: certs.KindPersonal, Subject: certs.Subject{CommonName: "Lê Văn Hết Hạn"},
		NotBefore: time.Now().AddDate(-3, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1)})
	must(t, err)
	tlsOnly, err := f.pki.Issue("tls", certs.IssueRequest{Kind: certs.KindTLSServer, Subject: certs.Subject{CommonName: "localhost"}})
	must(t, err)
	other := f.pki.Credential(t, "intake")

	write := func(name string, b []byte) string {
		p := f.path(name)
		must(t, os.WriteFile(p, b, 0o644))
		return p
	}
	goodBytes, _ := os.ReadFile(good)
	notPDF := write("notpdf.pdf", []byte("Đây không phải là PDF\n"))
	truncated := write("truncated.pdf", goodBytes[:len(goodBytes)-60])
	badXref := write("badxref.pdf", bytes.Replace(goodBytes, []byte("startxref\n"), []byte("startxref\n9"), 1))
	encrypted := write("encrypted.pdf", []byte(strings.Replace(string(goodBytes), "/Root 1 0 R", "/Root 1 0 R /Encrypt << /Filter /Standard >>", 1)))
	certifiedP1 := f.path("certified-p1.pdf")
	signFile(t, good, certifiedP1, &signer.Options{Credential: head, Certify: 1})
	signedOnce := f.path("signed-once.pdf")
	signFile(t, good, signedOnce, &signer.Options{Credential: head})

	tests := []struct {
		name    string
		in      string
		opts    signer.Options
		wantErr error
		wantMsg string
	}{
		{"not a PDF", notPDF, signer.Options{Credential: head}, pdf.ErrNotPDF, ""},
		{"truncated", truncated, signer.Options{Credential: head}, pdf.ErrXRef, ""},
		{"corrupted xref", badXref, signer.Options{Credential: head}, pdf.ErrXRef, ""},
		{"encrypted", encrypted, signer.Options{Credential: head}, pdf.ErrEncrypted, ""},
		{"certified P=1", certifiedP1, signer.Options{Credential: other}, signer.ErrCertified, ""},
		{"certify a signed document", signedOnce, signer.Options{Credential: other, Certify: 2}, signer.ErrAlreadySigned, ""},
		{"key does not match certificate", good, signer.Options{Credential: &signer.Credential{Signer: other.Signer, Certificate: head.Certificate}}, signer.ErrSignatureValue, ""},
		{"expired certificate", good, signer.Options{Credential: &signer.Credential{Signer: expired.Key, Certificate: expired.Certificate}}, signer.ErrInvalidCert, "valid from"},
		{"TLS-only certificate", good, signer.Options{Credential: &signer.Credential{Signer: tlsOnly.Key, Certificate: tlsOnly.Certificate}}, signer.ErrInvalidCert, "document signing"},
		{"TSA unreachable", good, signer.Options{Credential: head, Level: signer.LevelBT, TSA: &signer.TSA{URL: "http://127.0.0.1:1/tsa"}}, signer.ErrTSA, "unreachable"},
		{"B-T without TSA", good, signer.Options{Credential: head, Level: signer.LevelBT}, signer.ErrBadOptions, ""},
		{"page out of range", good, signer.Options{Credential: head, Appearance: &signer.Appearance{Page: 7, Rect: signer.Rect{W: 100, H: 50}}}, signer.ErrPageOutOfRange, "2 pages"},
		{"field name taken", f.input(t, "formfields"), signer.Options{Credential: head, FieldName: "ho_ten"}, signer.ErrFieldExists, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := f.path("out-" + strings.ReplaceAll(tc.name, " ", "-") + ".pdf")
			opts := tc.opts
			_, err := signer.SignFile(context.Background(), tc.in, out, &opts)
			if err == nil {
				t.Fatal("signed")
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q lacks %q", err, tc.wantMsg)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("an output file was left: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(f.dir, ".out-*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	// Expired and TLS-only certificates sign when explicitly allowed.
	out := f.path("allowed.pdf")
	signFile(t, good, out, &signer.Options{Credential: &signer.Credential{Signer: expired.Key, Certificate: expired.Certificate}, AllowInvalidCert: true})
}

// TestCertificationAndLocks checks DocMDP and FieldMDP dictionaries and the
// sequencing rules around certification.
func TestCertificationAndLocks(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "formfields")
	cert := f.path("certified.pdf")
	signFile(t, in, cert, &signer.Options{Credential: f.pki.Credential(t, "seal"), Certify: 2})
	second := f.path("second.pdf")
	signFile(t, cert, second, &signer.Options{Credential: f.pki.Credential(t, "head"),
		Lock: &signer.FieldLock{Action: "Include", Fields: []string{"ho_ten", "ngay_sinh"}}})

	b, _ := os.ReadFile(second)
	for _, want := range []string{"/TransformMethod /DocMDP", "/P 2", "/Perms", "/TransformMethod /FieldMDP", "/Action /Include", "/SigFieldLock"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("signed file lacks %s", want)
		}
	}
	// A second certification is refused.
	if _, err := signer.SignFile(context.Background(), second, f.path("x.pdf"), &signer.Options{Credential: f.pki.Credential(t, "seal"), Certify: 1}); !errors.Is(err, signer.ErrAlreadySigned) {
		t.Errorf("second certification: %v", err)
	}
	sigs := runPdfsig(t, f.nssdb, second)
	if len(sigs) != 2 || sigs[0].Validation != "Signature is Valid." || sigs[1].Validation != "Signature is Valid." {
		t.Errorf("pdfsig: %+v", sigs)
	}
}

// TestExternalSessionChecks covers expiry, a changed document and a wrong
// signature value in the two-phase flow.
func TestExternalSessionChecks(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "pdf13")
	head := f.pki.Credential(t, "head")
	fh, _ := os.Open(in)
	st, _ := fh.Stat()
	s, err := signer.Prepare(context.Background(), fh, st.Size(), &signer.Options{Credential: &signer.Credential{Certificate: head.Certificate, Chain: head.Chain}})
	fh.Close()
	must(t, err)
	so, _ := s.SignerOpts()
	sig, err := head.Signer.Sign(rand.Reader, s.ToBeSigned, so)
	must(t, err)

	wrong, err := f.pki.Credential(t, "intake").Signer.Sign(rand.Reader, s.ToBeSigned, so)
	must(t, err)
	if _, err := signer.CompleteFile(context.Background(), in, f.path("w.pdf"), s, wrong, nil); !errors.Is(err, signer.ErrSignatureValue) {
		t.Errorf("wrong signer: %v", err)
	}
	changed := f.path("changed.pdf")
	b, _ := os.ReadFile(in)
	b[100] ^= 1
	must(t, os.WriteFile(changed, b, 0o644))
	if _, err := signer.CompleteFile(context.Background(), changed, f.path("c.pdf"), s, sig, nil); !errors.Is(err, signer.ErrSessionMismatch) {
		t.Errorf("changed document: %v", err)
	}
	old := *s
	old.Expires = time.Now().Add(-time.Second)
	if _, err := signer.CompleteFile(context.Background(), in, f.path("e.pdf"), &old, sig, nil); !errors.Is(err, signer.ErrSessionExpired) {
		t.Errorf("expired session: %v", err)
	}
	for _, p := range []string{"w.pdf", "c.pdf", "e.pdf"} {
		if _, err := os.Stat(f.path(p)); err == nil {
			t.Errorf("%s written despite the error", p)
		}
	}
	out := f.path("ok.pdf")
	if _, err := signer.CompleteFile(context.Background(), in, out, s, sig, nil); err != nil {
		t.Fatal(err)
	}
	if sigs := runPdfsig(t, f.nssdb, out); sigs[0].Validation != "Signature is Valid." {
		t.Errorf("pdfsig: %+v", sigs)
	}
}
