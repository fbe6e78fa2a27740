// Package interop_test checks kyso's PAdES signatures against independent implementations,
// and kyso's verifier against signatures they make: poppler (pdfsig), the seed project's
// verifier (github.com/digitorus/pdfsign/verify), Apache PDFBox 2 with BouncyCastle (the Java
// program in pdfbox/), pdfcpu (signature validation and structure validation), qpdf --check,
// and kyso's own verifier. TestInteropMatrix fills the matrix of README.md; run it with
// KYSO_INTEROP_MATRIX=FILE to write the table it observed to FILE.
package interop_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	pdfsignverify "github.com/digitorus/pdfsign/verify"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// row is one document of the matrix.
type row struct {
	name string
	file string
	// sigs counts the signatures and document time-stamps in the file.
	sigs int
	// byPDFBox lists, in revision order, the signatures PDFBox made; kyso made the others.
	byPDFBox []int
	// pdfcpuJudges: pdfcpu reaches a verdict on every signature. It does not for files with
	// a DSS /VRI dictionary (kyso's B-LT and B-LTA): it reports "DSS dict entry VRI:
	// unsupported" and leaves the validity unknown.
	pdfcpuJudges bool
	// tampered: one byte inside the signed ranges was changed; every verifier must reject.
	tampered bool
}

// columns of the matrix, in README order.
var columns = []string{"pdfsig", "pdfsign", "PDFBox", "pdfcpu signatures", "pdfcpu validate", "qpdf --check", "kyso verifier"}

// matrix collects one cell per row and column.
type matrix struct {
	mu    sync.Mutex
	rows  []string
	cells map[string]map[string]string
}

func (m *matrix) set(row, col, cell string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cells[row] == nil {
		m.cells[row] = map[string]string{}
	}
	m.cells[row][col] = strings.ReplaceAll(cell, "|", "\\|")
}

func (m *matrix) markdown() string {
	var b strings.Builder
	b.WriteString("| document | " + strings.Join(columns, " | ") + " |\n|---|")
	b.WriteString(strings.Repeat("---|", len(columns)) + "\n")
	for _, r := range m.rows {
		b.WriteString("| " + r)
		for _, c := range columns {
			v := m.cells[r][c]
			if v == "" {
				v = "—"
			}
			b.WriteString(" | " + v)
		}
		b.WriteString(" |\n")
	}
	return b.String()
}

// TestInteropMatrix signs documents with kyso at every level, in a sequence of three, and on
// top of PDFBox's signatures, and asks every peer about each of them.
func TestInteropMatrix(t *testing.T) {
	ctx := context.Background()
	pki := testpki.New(t, certs.DevPKIOptions{})
	build := buildPDFBox(t) // compiles while kyso signs
	cpu := newPdfcpu(t, filepath.Join(pki.Dir, "root.crt"), filepath.Join(pki.Dir, "intermediate.crt"))
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }

	in := path("in.pdf")
	if err := testpdf.File(in, testpdf.Options{Pages: 2, TextFields: []string{"ho_ten"}}); err != nil {
		t.Fatal(err)
	}
	visible := func(i int, who string) *signer.Appearance {
		kind := signer.Personal
		if who == "seal" {
			kind = signer.Organisation
		}
		return &signer.Appearance{Kind: kind, Page: 1, Rect: signer.Rect{X: 40, Y: 60 + 100*float64(i), W: 250, H: 80},
			Name: "Trần Thị Bình", Title: "Giám đốc", Unit: "Sở Tư pháp"}
	}
	kysoSign := func(src, dst, who string, level signer.Level, ap *signer.Appearance) {
		t.Helper()
		res, err := signer.SignFile(ctx, src, dst, &signer.Options{Credential: pki.Credential(t, who), Level: level,
			TSA: pki.TSA(), Reason: "Phê duyệt kết quả", Location: "Vĩnh Phúc", Appearance: ap})
		if err != nil {
			t.Fatalf("kyso sign %s %v: %v", filepath.Base(dst), level, err)
		}
		if res.Level != level {
			t.Fatalf("kyso sign %s: reached %v, want %v", filepath.Base(dst), res.Level, level)
		}
	}

	var rows []row
	// (a) kyso's files at every level; B-LTA adds a document time-stamp.
	kysoSign(in, path("bb.pdf"), "head", signer.LevelBB, nil)
	kysoSign(in, path("bt.pdf"), "head", signer.LevelBT, visible(0, "head"))
	kysoSign(in, path("blt.pdf"), "head", signer.LevelBLT, nil)
	kysoSign(in, path("blta.pdf"), "head", signer.LevelBLTA, nil)
	rows = append(rows,
		row{name: "kyso B-B", file: path("bb.pdf"), sigs: 1, pdfcpuJudges: true},
		row{name: "kyso B-T, visible", file: path("bt.pdf"), sigs: 1, pdfcpuJudges: true},
		row{name: "kyso B-LT", file: path("blt.pdf"), sigs: 1},
		row{name: "kyso B-LTA (signature + document time-stamp)", file: path("blta.pdf"), sigs: 2},
	)
	// Three signers in a row: B-B, B-T visible, B-LTA.
	kysoSign(in, path("seq1.pdf"), "intake", signer.LevelBB, nil)
	kysoSign(path("seq1.pdf"), path("seq2.pdf"), "head", signer.LevelBT, visible(1, "head"))
	kysoSign(path("seq2.pdf"), path("seq3.pdf"), "seal", signer.LevelBLTA, visible(2, "seal"))
	rows = append(rows, row{name: "kyso ×3: B-B, B-T visible, B-LTA seal", file: path("seq3.pdf"), sigs: 4})

	// (b) PDFBox signs first, kyso second.
	pb, err := build.wait()
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(pki.Dir, "intake.p12")
	pb.sign(t, in, path("pdfbox-pkcs7.pdf"), p12, "adbe.pkcs7.detached")
	pb.sign(t, in, path("pdfbox-cades.pdf"), p12, "ETSI.CAdES.detached")
	kysoSign(path("pdfbox-pkcs7.pdf"), path("pdfbox-pkcs7-kyso.pdf"), "head", signer.LevelBT, visible(1, "head"))
	kysoSign(path("pdfbox-cades.pdf"), path("pdfbox-cades-kyso.pdf"), "seal", signer.LevelBLTA, visible(1, "seal"))
	rows = append(rows,
		row{name: "PDFBox adbe.pkcs7.detached", file: path("pdfbox-pkcs7.pdf"), sigs: 1, byPDFBox: []int{0}, pdfcpuJudges: true},
		row{name: "PDFBox ETSI.CAdES.detached", file: path("pdfbox-cades.pdf"), sigs: 1, byPDFBox: []int{0}, pdfcpuJudges: true},
		row{name: "PDFBox adbe.pkcs7.detached, then kyso B-T visible", file: path("pdfbox-pkcs7-kyso.pdf"), sigs: 2, byPDFBox: []int{0}, pdfcpuJudges: true},
		row{name: "PDFBox ETSI.CAdES.detached, then kyso B-LTA seal", file: path("pdfbox-cades-kyso.pdf"), sigs: 3, byPDFBox: []int{0}},
	)

	// Control: a kyso B-B file with one signed byte changed. Every verifier must reject it,
	// which shows that each column really checks the signature.
	b, err := os.ReadFile(path("bb.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("trang 1)"))
	if i < 0 {
		t.Fatal("page text not found in bb.pdf")
	}
	b[i+6] = '7'
	if err := os.WriteFile(path("bb-tampered.pdf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	rows = append(rows, row{name: "control: kyso B-B, one signed byte changed", file: path("bb-tampered.pdf"), sigs: 1, tampered: true})

	m := &matrix{cells: map[string]map[string]string{}}
	for _, r := range rows {
		m.rows = append(m.rows, r.name)
	}
	trust := pki.TrustStore()
	t.Run("peers", func(t *testing.T) {
		for _, r := range rows {
			t.Run(strings.NewReplacer(" ", "_", ",", "", ":", "").Replace(r.name), func(t *testing.T) {
				t.Parallel()
				docTS := checkPdfsig(t, m, r)
				checkPdfsign(t, m, r, docTS)
				checkPDFBox(t, m, r, pb)
				checkPdfcpu(t, m, r, cpu)
				checkQpdf(t, m, r)
				checkKyso(t, m, r, trust)
			})
		}
	})
	t.Logf("interop matrix:\n%s", m.markdown())
	if out := os.Getenv("KYSO_INTEROP_MATRIX"); out != "" {
		if err := os.WriteFile(out, []byte(m.markdown()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// checkPdfsig: poppler must find every signature and call each CMS signature valid; it
// lists document time-stamps without verifying them. It returns which signatures (in
// poppler's order) are document time-stamps.
func checkPdfsig(t *testing.T, m *matrix, r row) map[int]bool {
	sigs, out := runPdfsig(t, r.file)
	docTS := map[int]bool{}
	var valid, cms int
	var bad []string
	for i, s := range sigs {
		if s.docTimestamp() {
			docTS[i] = true
			continue
		}
		cms++
		if s.Validation == "Signature is Valid." {
			valid++
		} else {
			bad = append(bad, fmt.Sprintf("%s: %s", s.Field, s.Validation))
		}
	}
	cell := fmt.Sprintf("✓ %d/%d valid", valid, cms)
	if len(bad) > 0 {
		cell = "✗ " + strings.Join(bad, "; ")
	}
	if len(docTS) > 0 {
		cell += fmt.Sprintf(" (%d doc TS: not verified)", len(docTS))
	}
	m.set(r.name, "pdfsig", cell)
	switch {
	case len(sigs) != r.sigs:
		t.Errorf("pdfsig lists %d signatures, want %d:\n%s", len(sigs), r.sigs, out)
	case r.tampered && len(bad) == 0:
		t.Errorf("pdfsig accepts the tampered file:\n%s", out)
	case !r.tampered && len(bad) > 0:
		t.Errorf("pdfsig rejects: %s\n%s", strings.Join(bad, "; "), out)
	}
	return docTS
}

// checkPdfsign: the seed project's verifier (it cannot check document time-stamps).
func checkPdfsign(t *testing.T, m *matrix, r row, docTS map[int]bool) {
	f, err := os.Open(r.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := pdfsignverify.DefaultVerifyOptions()
	o.AllowUntrustedRoots = true
	o.RequiredEKUs = nil
	resp, err := pdfsignverify.VerifyFileWithOptions(f, o)
	if err != nil {
		m.set(r.name, "pdfsign", "✗ "+oneLine(err.Error()))
		if !r.tampered {
			t.Errorf("pdfsign verify: %v", err)
		}
		return
	}
	var valid, n int
	var bad []string
	for i, s := range resp.Signers {
		if docTS[i] {
			continue
		}
		n++
		if s.ValidSignature {
			valid++
		} else {
			bad = append(bad, fmt.Sprintf("signer %d (%s) not valid", i+1, s.Name))
		}
	}
	cell := fmt.Sprintf("✓ %d/%d valid", valid, n)
	if len(bad) > 0 {
		cell = "✗ " + strings.Join(bad, "; ")
	}
	if len(docTS) > 0 {
		cell += fmt.Sprintf(" (%d doc TS: not checked)", len(docTS))
	}
	m.set(r.name, "pdfsign", cell)
	switch {
	case len(resp.Signers) != r.sigs:
		t.Errorf("pdfsign lists %d signers, want %d", len(resp.Signers), r.sigs)
	case r.tampered && len(bad) == 0:
		t.Errorf("pdfsign accepts the tampered file")
	case !r.tampered && len(bad) > 0:
		t.Errorf("pdfsign: %s", strings.Join(bad, "; "))
	}
}

// checkPDFBox: KysoPdfBox verify (byte ranges, CMS signatures, time-stamp tokens).
func checkPDFBox(t *testing.T, m *matrix, r row, pb *pdfbox) {
	lines, code, out := pb.verify(r.file)
	var valid int
	var bad []string
	for _, l := range lines {
		if l.Valid {
			valid++
		} else {
			bad = append(bad, l.Text)
		}
	}
	cell := fmt.Sprintf("✓ %d/%d valid", valid, len(lines))
	if len(bad) > 0 || code != 0 {
		cell = "✗ " + strings.Join(bad, "; ")
	}
	m.set(r.name, "PDFBox", cell)
	switch {
	case r.tampered:
		if code != 1 || len(bad) == 0 {
			t.Errorf("PDFBox accepts the tampered file (exit %d):\n%s", code, out)
		}
	case code != 0 || len(bad) > 0 || valid != r.sigs:
		t.Errorf("PDFBox verify (exit %d), want %d VALID:\n%s", code, r.sigs, out)
	}
}

// checkPdfcpu: "pdfcpu signatures validate" and "pdfcpu validate".
func checkPdfcpu(t *testing.T, m *matrix, r row, cpu *pdfcpu) {
	sigs, code, out := cpu.validateSignatures(r.file)
	count := map[string]int{}
	var reasons []string
	for _, s := range sigs {
		count[s.Status]++
		if s.Status != "signature is valid" && !slices.Contains(reasons, s.Reason) {
			reasons = append(reasons, s.Reason)
		}
	}
	const valid, invalid, unknown = "signature is valid", "signature is invalid", "validity of the signature is unknown"
	vri := strings.Contains(out, "DSS dict entry VRI: unsupported")
	var cell string
	switch {
	case count[invalid] > 0:
		cell = fmt.Sprintf("✗ %d/%d invalid: %s", count[invalid], len(sigs), strings.Join(reasons, "; "))
	case count[valid] == len(sigs) && len(sigs) > 0:
		cell = fmt.Sprintf("✓ %d/%d valid", count[valid], len(sigs))
	default:
		cell = fmt.Sprintf("? %d/%d valid, %d unknown: %s", count[valid], len(sigs), count[unknown], strings.Join(reasons, "; "))
		if vri {
			cell += ` ("DSS dict entry VRI: unsupported")`
		}
	}
	if n := strings.Count(out, "not locally validated"); n > 0 {
		cell += fmt.Sprintf(" (%d doc TS: not locally validated)", n)
	}
	m.set(r.name, "pdfcpu signatures", cell)
	switch {
	case code != 0:
		t.Errorf("pdfcpu signatures validate: exit %d\n%s", code, out)
	case len(sigs) != r.sigs:
		t.Errorf("pdfcpu lists %d signatures, want %d:\n%s", len(sigs), r.sigs, out)
	case r.tampered:
		if count[invalid] == 0 {
			t.Errorf("pdfcpu does not call the tampered file invalid:\n%s", out)
		}
	case count[invalid] > 0:
		t.Errorf("pdfcpu calls a signature invalid:\n%s", out)
	case r.pdfcpuJudges && count[valid] != len(sigs):
		t.Errorf("pdfcpu does not call every signature valid:\n%s", out)
	case !r.pdfcpuJudges && !vri:
		t.Errorf("pdfcpu leaves a signature unjudged without the known DSS /VRI reason:\n%s", out)
	}

	vout, vcode := cpu.validate(r.file)
	if vcode == 0 && strings.Contains(vout, "validation ok") {
		m.set(r.name, "pdfcpu validate", "✓ ok")
	} else {
		m.set(r.name, "pdfcpu validate", "✗ "+oneLine(vout))
		t.Errorf("pdfcpu validate (exit %d):\n%s", vcode, vout)
	}
}

// checkQpdf: qpdf --check must report no error and no warning (exit 0).
func checkQpdf(t *testing.T, m *matrix, r row) {
	out, code := runQpdfCheck(t, r.file)
	if code == 0 {
		m.set(r.name, "qpdf --check", "✓ ok")
		return
	}
	m.set(r.name, "qpdf --check", fmt.Sprintf("✗ exit %d", code))
	t.Errorf("qpdf --check (exit %d):\n%s", code, out)
}

// chainOrRevocation are the INDETERMINATE sub-indications a PDFBox signature may get from
// kyso's verifier: PDFBox embeds no revocation data and no time-stamp.
var chainOrRevocation = []verifier.SubIndication{
	verifier.TryLater, verifier.NoCertificateChainFound, verifier.CertificateChainGeneralFailure,
	verifier.ChainConstraintsFailure, verifier.OutOfBoundsNoPOE, verifier.RevocationOutOfBoundsNoPOE,
}

// checkKyso: kyso's verifier with the dev PKI as trust anchor. kyso's signatures must be
// TOTAL-PASSED; PDFBox's may be INDETERMINATE for chain or revocation reasons only.
func checkKyso(t *testing.T, m *matrix, r row, trust *certs.TrustStore) {
	f, err := os.Open(r.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verifier.Verify(context.Background(), f, st.Size(), verifier.Options{Trust: trust})
	if err != nil {
		m.set(r.name, "kyso verifier", "✗ "+oneLine(err.Error()))
		t.Errorf("kyso verify: %v", err)
		return
	}
	var parts []string
	for i, s := range rep.Signatures {
		who := "kyso"
		if slices.Contains(r.byPDFBox, i) {
			who = "PDFBox"
		}
		what := string(s.Indication)
		if s.SubIndication != "" {
			what += "/" + string(s.SubIndication)
		}
		if s.Level != "" {
			what += " " + s.Level
		}
		if s.Kind == "document-timestamp" {
			what = "doc TS " + what
		}
		parts = append(parts, fmt.Sprintf("%s: %s", who, what))
		msg := fmt.Sprintf("signature %d (%s, %s %s): %s/%s errors %q warnings %q", i, who, s.Field, s.SubFilter,
			s.Indication, s.SubIndication, s.Errors, s.Warnings)
		switch {
		case r.tampered:
			if s.Indication != verifier.TotalFailed {
				t.Errorf("kyso verifier does not fail the tampered file: %s", msg)
			}
		case who == "kyso" && s.Indication != verifier.TotalPassed:
			t.Errorf("kyso verifier: %s", msg)
		case who == "PDFBox" && s.Indication == verifier.Indeterminate && !slices.Contains(chainOrRevocation, s.SubIndication),
			who == "PDFBox" && s.Indication == verifier.TotalFailed:
			t.Errorf("kyso verifier on PDFBox's signature: %s", msg)
		}
	}
	mark := "✓"
	if rep.Indication != verifier.TotalPassed {
		mark = map[verifier.Indication]string{verifier.TotalFailed: "✗", verifier.Indeterminate: "?"}[rep.Indication]
	}
	m.set(r.name, "kyso verifier", mark+" "+strings.Join(parts, "; "))
	if len(rep.Signatures) != r.sigs {
		t.Errorf("kyso verifier finds %d signatures, want %d", len(rep.Signatures), r.sigs)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
