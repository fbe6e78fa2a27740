package api

import (
	"bytes"
	"mime"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
)

func TestSafeFileName(t *testing.T) {
	for _, tc := range []struct{ in, title, want string }{
		{"don.pdf", "", "don.pdf"},
		{"../../etc/passwd", "", "passwd"},
		{`..\..\windows\system32\cmd.exe`, "", "cmd.exe"},
		{"/abs/path/x.pdf", "", "x.pdf"},
		{"a\r\nSet-Cookie: x=1.pdf", "", "aSet-Cookie: x=1.pdf"},
		{`say"hi".pdf`, "", "sayhi.pdf"},
		{"..", "Giấy đề nghị", "Giấy đề nghị.pdf"},
		{"", "", "document.pdf"},
		{".hidden", "", "hidden"},
		{"Giấy\u202eFDP.exe", "", "GiấyFDP.exe"}, // right-to-left override removed
		{strings.Repeat("a", 300) + ".pdf", "", strings.Repeat("a", 116) + ".pdf"},
	} {
		if got := safeFileName(tc.in, tc.title); got != tc.want {
			t.Errorf("safeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	cd := attachmentHeader("Giấy đề nghị; \"x\".pdf", "")
	typ, params, err := mime.ParseMediaType(cd)
	if err != nil || typ != "attachment" || params["filename"] != `Giấy đề nghị; x.pdf` {
		t.Fatalf("Content-Disposition %q parses as %q %v %v", cd, typ, params, err)
	}
}

func TestDownloadNames(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.processing()
	intake := e.session(e.vp.Members[seed.Intake].Staff.Username)
	r := intake.upload("/api/v1/dossiers/"+d.Code+"/documents",
		uploadMetadata{Source: dossier.SourceDesk, Title: "Bản scan", Name: "../../../etc/passwd\r\nX-Injected: 1"}, pdfBytes())
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var v dossier.DocumentVersion
	r.json(t, &v)
	if v.Name != "passwdX-Injected: 1" {
		t.Fatalf("stored name %q", v.Name)
	}
	dl := intake.get("/api/v1/documents/" + itoa(v.ID) + "/content")
	if dl.status != 200 || dl.header.Get("X-Injected") != "" || len(dl.body) != int(v.Size) {
		t.Fatalf("download: %d, headers %v", dl.status, dl.header)
	}
	_, params, err := mime.ParseMediaType(dl.header.Get("Content-Disposition"))
	if err != nil || strings.ContainsAny(params["filename"], `/\`) || strings.Contains(params["filename"], "..") {
		t.Fatalf("Content-Disposition %q", dl.header.Get("Content-Disposition"))
	}
	// A document uploaded as HTML is never served as HTML.
	r = intake.upload("/api/v1/dossiers/"+d.Code+"/documents",
		uploadMetadata{Source: dossier.SourceDesk, Title: "Trang", Name: "x.html", MediaType: "text/html"}, []byte("<script>alert(1)</script>"))
	if r.status != 201 {
		t.Fatalf("html upload: %d %s", r.status, r.body)
	}
	r.json(t, &v)
	dl = intake.get("/api/v1/documents/" + itoa(v.ID) + "/content")
	if ct := dl.header.Get("Content-Type"); ct != "application/octet-stream" || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") ||
		dl.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("html served as %q, %q", ct, dl.header.Get("Content-Disposition"))
	}
}

func TestUploadLimits(t *testing.T) {
	e := newEnv(t, envOptions{cfg: func(c *Config) { c.MaxUpload = 1 << 20 }})
	d := e.processing()
	intake := e.session(e.vp.Members[seed.Intake].Staff.Username)
	path := "/api/v1/dossiers/" + d.Code + "/documents"
	big := append(pdfBytes(), bytes.Repeat([]byte("x"), 2<<20)...)
	r := intake.upload(path, uploadMetadata{Source: dossier.SourceDesk, Title: "Quá lớn"}, big)
	if r.status != 413 || r.problem(t).Type != problemBase+"too-large" {
		t.Fatalf("oversized upload: %d %s", r.status, r.body)
	}
	// Chunked, without a Content-Length: refused while streaming.
	body, ct := multipartBody(t, uploadMetadata{Source: dossier.SourceDesk, Title: "Quá lớn"}, big)
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, struct{ *bytes.Reader }{bytes.NewReader(readAll(body))})
	req.Header.Set("Content-Type", ct)
	req.Header.Set(csrfHeader, intake.csrf)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: intake.cookie})
	resp, err := http.DefaultClient.Do(req)
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != 413 || req.ContentLength != 0 {
		t.Fatalf("chunked oversized upload: %d (length %d)", resp.StatusCode, req.ContentLength)
	}
	r = intake.upload(path, uploadMetadata{Source: dossier.SourceDesk, Title: "Không phải PDF"}, []byte("GIF89a not a pdf at all"))
	if r.status != 415 || r.problem(t).Type != problemBase+"not-pdf" {
		t.Fatalf("non-PDF declared as PDF: %d %s", r.status, r.body)
	}
	r = intake.do(http.MethodPost, path, strings.NewReader(`{"title":"x"}`), "application/json", nil)
	if r.status != 415 {
		t.Fatalf("JSON instead of multipart: %d", r.status)
	}
	r = intake.upload(path, map[string]any{"title": "x", "source": dossier.SourceDesk, "sneaky": 1}, pdfBytes())
	if r.status != 400 {
		t.Fatalf("unknown metadata field: %d %s", r.status, r.body)
	}
	verify := e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, ScopeVerify)
	r = verify.do(http.MethodPost, "/api/v1/verify", bytes.NewReader(big), "application/pdf", nil)
	if r.status != 413 {
		t.Fatalf("oversized verify: %d", r.status)
	}
	r = verify.do(http.MethodPost, "/api/v1/verify", strings.NewReader("hello"), "application/pdf", nil)
	if r.status != 415 {
		t.Fatalf("verify of a non-PDF: %d %s", r.status, r.body)
	}
	// Nothing was stored by the refused uploads.
	vs, err := e.eng.Documents(e.ctx, d.Code)
	e.must(err)
	if len(vs) != 0 {
		t.Fatalf("%d documents stored by refused uploads", len(vs))
	}
}

func readAll(r interface{ Read([]byte) (int, error) }) []byte {
	var b bytes.Buffer
	b.ReadFrom(r)
	return b.Bytes()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestZipBomb: a PDF whose cross-reference stream inflates to 512 MiB is
// refused within the PDF limits, in bounded memory and time, through the
// verification endpoint and the dossier upload alike.
func TestZipBomb(t *testing.T) {
	e := newEnv(t, envOptions{})
	bomb, err := os.ReadFile("testdata/xref-bomb.pdf")
	e.must(err)
	d := e.processing()
	intake := e.session(e.vp.Members[seed.Intake].Staff.Username)
	verify := e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, ScopeVerify)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	r1 := verify.do(http.MethodPost, "/api/v1/verify", bytes.NewReader(bomb), "application/pdf", nil)
	r2 := intake.upload("/api/v1/dossiers/"+d.Code+"/documents", uploadMetadata{Source: dossier.SourceDesk, Title: "Bom"}, bomb)
	took := time.Since(start)
	close(stop)
	<-done
	grew := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("verify: %d, upload: %d, %s, heap grew by at most %d MiB", r1.status, r2.status, took, grew>>20)
	if r1.status != 422 && r1.status != 200 {
		t.Errorf("verify of the bomb: %d %s", r1.status, r1.body)
	}
	if r2.status != 422 {
		t.Errorf("upload of the bomb: %d %s", r2.status, r2.body)
	}
	if grew > 32<<20 {
		t.Errorf("the heap grew by %d MiB: the bomb was inflated beyond the limits", grew>>20)
	}
	if took > 30*time.Second {
		t.Errorf("the bomb took %s", took)
	}
}

func TestIdempotentUpload(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.processing()
	intake := e.session(e.vp.Members[seed.Intake].Staff.Username)
	path := "/api/v1/dossiers/" + d.Code + "/documents"
	send := func(c *client, title string, file []byte) response {
		body, ct := multipartBody(t, uploadMetadata{Source: dossier.SourceDesk, Title: title}, file)
		return c.do(http.MethodPost, path, body, ct, map[string]string{"Idempotency-Key": "scan-0001"})
	}
	a := send(intake, "Bản scan 1", pdfBytes())
	b := send(intake, "Bản scan 1", pdfBytes())
	if a.status != 201 || b.status != 201 || !bytes.Equal(a.body, b.body) || b.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %d, same body %v, replayed %q", a.status, b.status, bytes.Equal(a.body, b.body), b.header.Get("Idempotent-Replayed"))
	}
	c := send(intake, "Bản scan 2", pdfBytes())
	if c.status != 422 || c.problem(t).Type != problemBase+"idempotency-mismatch" {
		t.Fatalf("same key, other body: %d %s", c.status, c.body)
	}
	// Another principal's key space is its own.
	other := e.session(e.vp.Members[seed.Intake].Staff.Username)
	other.cookie, other.csrf = "", ""
	other = e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, ScopeDossiersWrite)
	if r := send(other, "Bản scan 2", pdfBytes()); r.status != 201 {
		t.Fatalf("another principal, same key: %d %s", r.status, r.body)
	}
	vs, err := e.eng.Documents(e.ctx, d.Code)
	e.must(err)
	if len(vs) != 2 {
		t.Fatalf("%d documents stored; want 2 (one per principal)", len(vs))
	}
}
