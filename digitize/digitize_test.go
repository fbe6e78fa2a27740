package digitize

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

var captured = time.Date(2025, 7, 1, 9, 15, 30, 0, time.FixedZone("ICT", 7*3600))

func baseOptions(out string) *Options {
	return &Options{OutDir: out, Time: captured, Operator: Operator{Name: "Nguyễn Văn An", Account: "an.nv@motcua"},
		Common: map[string]string{FieldDossierCode: "000.00.01.H12-250701-0001"}}
}

func TestJPEGPassThroughPDFA(t *testing.T) {
	dir := t.TempDir()
	scan := jpegBytes(t, scanImage(2480, 3508, false))
	opts := baseOptions(dir)
	opts.Components = []Metadata{{Fields: map[string]string{FieldComponentCode: "TP01", FieldComponentName: "Giấy chứng nhận quyền sử dụng đất", FieldIssueDate: "2020-05-04"}}}
	b, err := Process(context.Background(), []Input{{Name: "scan.jpg", Data: scan}}, opts)
	if err != nil || b.Err() != nil {
		t.Fatalf("Process: %v / %v", err, b.Err())
	}
	d := b.Documents[0]
	if d.Record.Step != StepStored || len(d.Record.History) != 4 {
		t.Fatalf("step %v, history %v", d.Record.Step, d.Record.History)
	}
	dict, data := pageImage(t, d.PDF, 0)
	if !bytes.Equal(data, scan) || dict["Filter"] != any(pdfNameT("DCTDecode")) {
		t.Fatalf("the JPEG was not passed through unchanged (filter %v, %d vs %d bytes)", dict["Filter"], len(data), len(scan))
	}
	checkPDF(t, d.Path)
	for _, want := range []string{"<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>",
		"<kyso:component_code>TP01</kyso:component_code>", "<kyso:result_code>000.00.01.H12-250701-0001.SH01</kyso:result_code>",
		"Giấy chứng nhận quyền sử dụng đất", "/GTS_PDFA1", "<pdfaProperty:name>issue_date</pdfaProperty:name>"} {
		if !bytes.Contains(d.PDF, []byte(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	side, err := os.ReadFile(filepath.Join(dir, d.Name+".json"))
	if err != nil || !bytes.Contains(side, []byte(`"step": "stored"`)) {
		t.Fatalf("sidecar: %v %s", err, side)
	}
	if s := d.Record.Sources[0]; s.DPI != 300 || s.DPISource != "paper size" {
		t.Errorf("DPI %v from %q, want 300 from the A4 shape", s.DPI, s.DPISource)
	}
	// 100 % scale: an A4 page (595×842 pt) plus the footer band.
	if !bytes.Contains(d.PDF, []byte("/MediaBox [0 0 595.2 901.92]")) {
		t.Errorf("unexpected page size")
	}
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		out, _ := exec.Command(pt, d.Path, "-").Output()
		for _, want := range []string{"số hóa từ bản giấy", "Nguyễn Văn An", "2025-07-01T09:15:30+07:00"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("footer text lacks %q:\n%s", want, out)
			}
		}
	}
}

// TestBadInputs: each bad file is refused with its own error; the good
// file of the same batch is made, and nothing else is left in the folder.
func TestBadInputs(t *testing.T) {
	good := jpegBytes(t, scanImage(827, 1165, false)) // A4 at 200 dpi
	lowRes := jpegBytes(t, scanImage(1240, 1754, false))
	truncated := good[:len(good)/2]
	var encPDF []byte
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		dir := t.TempDir()
		var b bytes.Buffer
		testpdf.Write(&b, testpdf.Options{})
		os.WriteFile(filepath.Join(dir, "in.pdf"), b.Bytes(), 0o600)
		if out, err := exec.Command(qpdf, "--encrypt", "u", "o", "256", "--", filepath.Join(dir, "in.pdf"), filepath.Join(dir, "enc.pdf")).CombinedOutput(); err != nil {
			t.Fatalf("qpdf --encrypt: %v %s", err, out)
		}
		encPDF, _ = os.ReadFile(filepath.Join(dir, "enc.pdf"))
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty.jpg", []byte{}, ErrEmpty},
		{"notes.txt", []byte("hello, not a scan"), ErrUnsupported},
		{"broken.jpg", []byte("\xff\xd8\xff\xe0garbage"), ErrCorrupt},
		{"truncated.jpg", truncated, ErrCorrupt},
		{"bomb.png", pngWithSize(t, 25000, 20000), ErrTooLarge},
		{"lowres.jpg", lowRes, ErrLowResolution},
		{"gif.gif", []byte("GIF89a\x01\x00\x01\x00"), ErrUnsupported},
		{"encrypted.pdf", encPDF, ErrEncrypted},
	}
	dir := t.TempDir()
	inputs := []Input{{Name: "good.jpg", Data: good}}
	for _, c := range cases {
		if c.data == nil {
			continue
		}
		inputs = append(inputs, Input{Name: c.name, Data: c.data})
	}
	b, err := Process(context.Background(), inputs, baseOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.data == nil {
				t.Skip("qpdf not installed")
			}
			for _, f := range b.Files {
				if f.Name != c.name {
					continue
				}
				var fe *FileError
				if !errors.As(f.Err, &fe) || !errors.Is(f.Err, c.want) || !strings.HasPrefix(f.Err.Error(), c.name+": ") {
					t.Fatalf("error %v, want a FileError naming the file wrapping %v", f.Err, c.want)
				}
				return
			}
			t.Fatal("no report")
		})
	}
	if len(b.Documents) != 1 || b.Documents[0].Err != nil || b.Documents[0].Record.Sources[0].File != "good.jpg" {
		t.Fatalf("documents: %+v", b.Documents)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("%d files in the output folder, want the good PDF and its record", len(ents))
	}
	// The bomb is refused from its header: a 2 MB limit would be hit by
	// any decoding attempt, and the whole test stays fast.
	p := DefaultProfile()
	p.MinDPI = 400
	b, _ = Process(context.Background(), []Input{{Name: "x.jpg", Data: good}}, &Options{Profile: p, Operator: Operator{Name: "A"}})
	if !errors.Is(b.Err(), ErrLowResolution) || !strings.Contains(b.Err().Error(), "400 dpi") {
		t.Errorf("threshold from the profile: %v", b.Err())
	}
	p = CopyProfile()
	b, _ = Process(context.Background(), []Input{{Name: "bw.tif", Data: writeTIFF([]testTIFFPage{bilevelTIFFPage(scanImage(827, 1165, false), 200)})}}, &Options{Profile: p, Operator: Operator{Name: "A"}})
	if !errors.Is(b.Err(), ErrColourMode) {
		t.Errorf("SAO Y profile with a bilevel scan: %v", b.Err())
	}
}

// TestTIFFAndSplits: a multi-page TIFF and JPEGs split by ranges, blank
// sheets and separator sheets.
func TestTIFFAndSplits(t *testing.T) {
	page := scanImage(827, 1165, false)
	blank := scanImage(827, 1165, true)
	tif := writeTIFF([]testTIFFPage{grayTIFFPage(page, 200), bilevelTIFFPage(page, 200), grayTIFFPage(page, 200)})
	j := func(img *imageRGBA) Input { return Input{Name: "p.jpg", Data: jpegBytes(t, img)} }
	sep := func(code string) Input {
		return Input{Name: "sep-" + code + ".png", Data: pngBytes(t, separatorScan(t, code, "Tên "+code))}
	}
	cases := []struct {
		name   string
		inputs []Input
		mode   SplitMode
		ranges string
		pages  []int
		codes  []string
	}{
		{"per file", []Input{{Name: "a.tif", Data: tif}, j(page)}, SplitPerFile, "", []int{3, 1}, nil},
		{"ranges", []Input{{Name: "a.tif", Data: tif}, j(page)}, SplitRanges, "1-2,3-4", []int{2, 2}, nil},
		{"blank", []Input{j(page), j(page), j(blank), j(page), j(blank), j(page)}, SplitBlank, "", []int{2, 1, 1}, nil},
		{"separator", []Input{sep("TP01"), j(page), j(page), sep("TP02"), j(blank), j(page)}, SplitSeparator, "", []int{2, 1}, []string{"TP01", "TP02"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := baseOptions("")
			opts.Split, opts.Ranges = c.mode, c.ranges
			b, err := Process(context.Background(), c.inputs, opts)
			if err != nil || b.Err() != nil {
				t.Fatalf("Process: %v / %v", err, b.Err())
			}
			var pages []int
			for _, d := range b.Documents {
				pages = append(pages, d.Record.Pages)
			}
			if !equalInts(pages, c.pages) {
				t.Fatalf("pages per document %v, want %v", pages, c.pages)
			}
			for i, code := range c.codes {
				if got := b.Documents[i].Record.Metadata.Get(FieldComponentCode); got != code {
					t.Errorf("document %d: component %q, want %q from the separator", i, got, code)
				}
			}
		})
	}
	// The bilevel TIFF page is embedded losslessly at 1 bit per pixel.
	b, _ := Process(context.Background(), []Input{{Name: "a.tif", Data: tif}}, baseOptions(""))
	dict, _ := pageImage(t, b.Documents[0].PDF, 1)
	if dict["BitsPerComponent"] != any(pdfInt(1)) || b.Documents[0].Record.Sources[1].Colour != "bilevel" {
		t.Errorf("bilevel page: %v", dict)
	}
	// Ranges over a batch with an unreadable file are refused: the page
	// numbers after it are unknown.
	opts := baseOptions("")
	opts.Split, opts.Ranges = SplitRanges, "1-2"
	if _, err := Process(context.Background(), []Input{{Name: "bad.jpg", Data: []byte("x")}, {Name: "a.tif", Data: tif}}, opts); !errors.Is(err, ErrBadSplit) {
		t.Errorf("ranges with a failed file: %v", err)
	}
}

func TestG4PassThrough(t *testing.T) {
	g4, err := os.ReadFile("testdata/bw-gopher.ccitt_group4")
	if err != nil {
		t.Fatal(err)
	}
	tif := writeTIFF([]testTIFFPage{{w: 153, h: 55, bps: 1, spp: 1, compression: 4, photometric: 0, dpi: 200, data: g4}})
	dir := t.TempDir()
	b, err := Process(context.Background(), []Input{{Name: "g4.tif", Data: tif}}, baseOptions(dir))
	if err != nil || b.Err() != nil {
		t.Fatalf("%v %v", err, b.Err())
	}
	dict, data := pageImage(t, b.Documents[0].PDF, 0)
	if !bytes.Equal(data, g4) || dict["Filter"] != any(pdfNameT("CCITTFaxDecode")) {
		t.Fatalf("G4 data not passed through: %v", dict)
	}
	checkPDF(t, b.Documents[0].Path)
	// Corrupt G4 data is refused.
	bad := writeTIFF([]testTIFFPage{{w: 153, h: 55, bps: 1, spp: 1, compression: 4, dpi: 200, data: []byte{0, 0, 0, 1, 2, 3}}})
	b, _ = Process(context.Background(), []Input{{Name: "bad.tif", Data: bad}}, baseOptions(""))
	if !errors.Is(b.Err(), ErrCorrupt) {
		t.Errorf("corrupt G4: %v", b.Err())
	}
}

func TestExclusionReuseAndSteps(t *testing.T) {
	scan := Input{Name: "a.jpg", Data: jpegBytes(t, scanImage(827, 1165, false))}
	opts := baseOptions("")
	opts.Components = []Metadata{{Exclude: ExcludePhotocopy}}
	b, _ := Process(context.Background(), []Input{scan}, opts)
	if !errors.Is(b.Documents[0].Err, ErrExcluded) || b.Documents[0].PDF != nil {
		t.Errorf("excluded document: %v", b.Documents[0].Err)
	}
	opts = baseOptions("")
	opts.Components = []Metadata{{Fields: map[string]string{FieldComponentCode: "TP01"}}}
	opts.Existing = func(_ context.Context, m Metadata) (*Record, error) {
		if m.Get(FieldComponentCode) == "TP01" {
			return &Record{ResultCode: "OLD.SH01"}, nil
		}
		return nil, nil
	}
	b, _ = Process(context.Background(), []Input{scan}, opts)
	if d := b.Documents[0]; !d.Reused() || d.Record.ReusedFrom != "OLD.SH01" || d.PDF != nil || b.Err() != nil {
		t.Errorf("reuse: %+v %v", d.Record, d.Err)
	}
	opts.Components[0].Rescan = true
	b, _ = Process(context.Background(), []Input{scan}, opts)
	if b.Documents[0].Err != nil || b.Documents[0].PDF == nil {
		t.Errorf("rescan: %v", b.Documents[0].Err)
	}
	opts.Components[0].Fields[FieldIssueDate] = "04/05/2020"
	b, _ = Process(context.Background(), []Input{scan}, opts)
	if !errors.Is(b.Documents[0].Err, ErrBadMetadata) {
		t.Errorf("bad date: %v", b.Documents[0].Err)
	}
	var r Record
	for _, s := range []Step{StepCaptured, StepExtracted, StepCoded, StepStored} {
		if err := r.Advance(s, captured); err != nil {
			t.Fatal(err)
		}
	}
	r2 := Record{}
	if err := r2.Advance(StepCoded, captured); !errors.Is(err, ErrStep) {
		t.Errorf("skipping steps: %v", err)
	}
}

func TestAssignmentCovers(t *testing.T) {
	a := &Assignment{Number: "12/QĐ-TTPVHCC", Date: captured.AddDate(0, -1, 0), SignedBy: "Giám đốc",
		Staff: []string{"an.nv@motcua"}, ValidFrom: captured.AddDate(0, -1, 0), ValidTo: captured.AddDate(1, 0, 0)}
	op := Operator{Name: "Nguyễn Văn An", Account: "an.nv@motcua"}
	cases := []struct {
		name string
		a    *Assignment
		op   Operator
		at   time.Time
		want bool
	}{
		{"in force", a, op, captured, true},
		{"none", nil, op, captured, false},
		{"before", a, op, captured.AddDate(0, -2, 0), false},
		{"after", a, op, captured.AddDate(2, 0, 0), false},
		{"someone else", a, Operator{Name: "Trần Thị Bình", Account: "binh"}, captured, false},
	}
	for _, c := range cases {
		if got, why := c.a.Covers(c.op, c.at); got != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, got, why, c.want)
		}
	}
}

// TestSignBatch signs a batch with one credential and, separately, with
// the two-phase flow (one round trip for N digests), and checks the
// signatures and the legal-validity assessment.
func TestSignBatch(t *testing.T) {
	pki := testpki.New(t, certs.DevPKIOptions{})
	cred := pki.Credential(t, "intake")
	name := cred.Certificate.Subject.CommonName
	scans := []Input{
		{Name: "a.jpg", Data: jpegBytes(t, scanImage(827, 1165, false))},
		{Name: "b.jpg", Data: jpegBytes(t, scanImage(827, 1165, false))},
	}
	assign := &Assignment{Number: "12/QĐ-TTPVHCC", Date: captured.AddDate(0, -1, 0), SignedBy: "Giám đốc Trung tâm",
		Staff: []string{"intake@motcua"}, ValidFrom: captured.AddDate(0, -1, 0)}
	opts := func(dir string) *Options {
		o := baseOptions(dir)
		o.Time = time.Now()
		o.Operator = Operator{Name: name, Account: "intake@motcua"}
		o.Assignment = assign
		return o
	}
	so := &SignOptions{Credential: cred, Level: signer.LevelBT, TSA: pki.TSA()}

	t.Run("one credential", func(t *testing.T) {
		dir := t.TempDir()
		o := opts(dir)
		o.Sign = so
		b, err := Process(context.Background(), scans, o)
		if err != nil || b.Err() != nil {
			t.Fatalf("%v %v", err, b.Err())
		}
		for _, d := range b.Documents {
			if !d.Record.Validity.Valid || d.Record.Signature == nil {
				t.Fatalf("%s: %+v", d.Name, d.Record.Validity)
			}
			verify(t, pki, d.Path)
			checkPDF(t, d.Path)
		}
	})
	t.Run("two-phase", func(t *testing.T) {
		b, err := Process(context.Background(), scans, opts(""))
		if err != nil {
			t.Fatal(err)
		}
		certOnly := &SignOptions{Credential: &signer.Credential{Certificate: cred.Certificate, Chain: cred.Chain}, Level: signer.LevelBT, TSA: pki.TSA()}
		bs, err := PrepareBatch(context.Background(), b.Documents, certOnly)
		if err != nil {
			t.Fatal(err)
		}
		// The key holder signs all N digests at once.
		var sigs [][]byte
		for _, tbs := range bs.ToBeSigned() {
			s, err := cred.Signer.Sign(rand.Reader, tbs, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			sigs = append(sigs, s)
		}
		if len(sigs) != 2 {
			t.Fatalf("%d digests", len(sigs))
		}
		if err := CompleteBatch(context.Background(), b.Documents, bs, sigs, certOnly); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, d := range b.Documents {
			if err := d.Store(dir); err != nil {
				t.Fatal(err)
			}
			if !d.Record.Validity.Valid {
				t.Errorf("%s: %s", d.Name, d.Record.Validity.Reason)
			}
			verify(t, pki, d.Path)
			if err := d.Store(dir); err == nil {
				t.Error("a stored document was overwritten")
			}
		}
	})
	t.Run("no assignment", func(t *testing.T) {
		o := opts("")
		o.Assignment, o.Sign = nil, so
		b, _ := Process(context.Background(), scans[:1], o)
		v := b.Documents[0].Record.Validity
		if v.Valid || !strings.Contains(v.Reason, "Đ9.3b") {
			t.Errorf("without an assignment: %+v", v)
		}
	})
	t.Run("B-B refused", func(t *testing.T) {
		o := opts("")
		o.Sign = &SignOptions{Credential: cred, Level: signer.LevelBB}
		if _, err := Process(context.Background(), scans[:1], o); !errors.Is(err, ErrSigning) {
			t.Errorf("B-B: %v", err)
		}
	})
}

func verify(t *testing.T, pki *testpki.PKI, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	rep, err := verifier.Verify(context.Background(), f, st.Size(), verifier.Options{Trust: pki.TrustStore(), Revocation: certs.RevocationSoft})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != verifier.TotalPassed {
		t.Fatalf("%s: %s/%s: %s", filepath.Base(path), rep.Indication, rep.SubIndication, rep.Reason)
	}
}

func TestOCR(t *testing.T) {
	tess := testenv.Tool(t, "tesseract")
	pdftoppm := testenv.Tool(t, "pdftoppm")
	pdftotext := testenv.Tool(t, "pdftotext")
	// A paper with Vietnamese text: drawn with fpdf, rasterised at 300 dpi.
	dir := t.TempDir()
	src := filepath.Join(dir, "paper.pdf")
	var buf bytes.Buffer
	if err := WriteSeparatorSheets(&buf, []Separator{{Code: "TP01", Name: "Giấy chứng nhận quyền sử dụng đất"}}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, buf.Bytes(), 0o600)
	if out, err := exec.Command(pdftoppm, "-r", "300", "-gray", "-png", "-y", "2250", "-H", "700", "-W", "2480", src, filepath.Join(dir, "scan")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	scan, err := os.ReadFile(filepath.Join(dir, "scan-1.png"))
	if err != nil {
		t.Fatal(err)
	}
	o := baseOptions(dir)
	o.OCR, o.Tesseract = true, tess
	b, err := Process(context.Background(), []Input{{Name: "scan.png", Data: scan}}, o)
	if err != nil || b.Err() != nil {
		t.Fatalf("%v %v", err, b.Err())
	}
	d := b.Documents[0]
	if !d.Record.OCR || len(d.Record.Warnings) > 1 {
		t.Fatalf("OCR not done: %v", d.Record.Warnings)
	}
	out, _ := exec.Command(pdftotext, d.Path, "-").Output()
	if !strings.Contains(string(out), "chứng nhận") {
		t.Fatalf("no OCR text layer:\n%s", out)
	}
	checkPDF(t, d.Path)
	// Without tesseract, kyso says so and goes on.
	o = baseOptions("")
	o.OCR, o.Tesseract = true, filepath.Join(dir, "no-such-tesseract")
	b, _ = Process(context.Background(), []Input{{Name: "scan.png", Data: scan}}, o)
	if b.Documents[0].Err != nil || len(b.Documents[0].Record.Warnings) == 0 {
		t.Errorf("missing tesseract: %v %v", b.Documents[0].Err, b.Documents[0].Record.Warnings)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPDFInput: a scanner's PDF keeps its pages as they are (as forms).
func TestPDFInput(t *testing.T) {
	var b bytes.Buffer
	if err := testpdf.Write(&b, testpdf.Options{Pages: 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := Process(context.Background(), []Input{{Name: "scan.pdf", Data: b.Bytes()}}, baseOptions(dir))
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %v", err, res.Err())
	}
	d := res.Documents[0]
	if d.Record.Pages != 2 || d.Record.Sources[1].Format != "PDF" {
		t.Fatalf("record: %+v", d.Record.Sources)
	}
	// Only qpdf: the input's own content (here an unembedded Helvetica)
	// is kept as it is, so PDF/A rules about it are the input's to meet.
	if out, err := exec.Command(testenv.Tool(t, "qpdf"), "--check", d.Path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	if pt, err := exec.LookPath("pdftotext"); err == nil {
		out, _ := exec.Command(pt, d.Path, "-").Output()
		if !strings.Contains(string(out), "trang 2/2") {
			t.Errorf("text:\n%s", out)
		}
	}
}
