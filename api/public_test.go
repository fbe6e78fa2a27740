package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/verifier"
)

func TestVerificationPage(t *testing.T) { testVerificationPage(t, fixtureOptions{}) }

// TestVerificationPagePostgres runs the same on PostgreSQL (a fresh
// schema of the test database ./scripts/test starts).
func TestVerificationPagePostgres(t *testing.T) {
	testVerificationPage(t, fixtureOptions{postgres: true})
}

func testVerificationPage(t *testing.T, o fixtureOptions) {
	f := newPubFixture(t, o)
	good := f.issueResult("Giấy chứng nhận đăng ký hộ kinh doanh", 4)
	forged := f.issueResult("Giấy chứng nhận đăng ký hộ kinh doanh (bị hủy)", 4)
	_, err := f.eng.CheckOriginals(f.ctx, forged.code, f.w.Members[seed.Intake].Actor, false, "Bản gốc giấy tờ pháp lý có dấu hiệu tẩy xóa")
	f.must(err)

	tests := []struct {
		name, path, accept string
		status             int
		want               []string // in the body
		notWant            []string
	}{
		{"valid result, HTML", "/v/" + good.vcode, "text/html", 200,
			[]string{`lang="vi"`, "Văn bản hợp lệ", "Trần Thị Bình", "Giám đốc Sở", "Sở Tư pháp tỉnh Vĩnh Phúc", "000.00.12.H62",
				good.code, "1.001612", "Giấy chứng nhận đăng ký hộ kinh doanh", "Đã kiểm chứng", "Có giá trị pháp lý",
				f.w.Applicant.Masked().Name, f.w.Applicant.Masked().IDNumber, "Đã ký kết quả", "Môi trường phát triển", "/v/" + good.vcode + "/qr.png", "/static/public/public."},
			[]string{"Hoàng Văn Em", f.w.Applicant.IDNumber, "/download", "<script"}},
		{"valid result, JSON", "/v/" + good.vcode, "application/json", 200,
			[]string{`"verdict":"valid"`, `"verdict_text":"Văn bản hợp lệ"`, `"name":"Trần Thị Bình"`, `"verified":true`, `"development":true`},
			[]string{"Hoàng Văn Em", `"download":`}},
		{"cancelled dossier", "/v/" + forged.vcode, "", 200,
			[]string{"Văn bản không hợp lệ", "Đã hủy kết quả (phát hiện giả mạo hồ sơ)", "tẩy xóa", "Trần Thị Bình"}, nil},
		{"unknown code", "/v/" + dossier.NewVerificationCode(), "", 404,
			[]string{`lang="vi"`, "Không tìm thấy văn bản", "Môi trường phát triển"}, []string{"Trần Thị Bình", good.code}},
		{"unknown code, JSON", "/v/" + dossier.NewVerificationCode(), "application/json", 404,
			[]string{`"verdict":"not_found"`, `"signers":[]`, `"document":null`}, nil},
		{"malformed code (acceptance check's 36 A's)", "/v/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", 404, []string{"Không tìm thấy văn bản"}, nil},
		{"malformed code, short", "/v/x", "", 404, []string{"Không tìm thấy văn bản"}, nil},
		{"code with a changed letter", "/v/" + flipLast(good.vcode), "", 404, []string{"Không tìm thấy văn bản"}, nil},
		{"QR of an unknown code", "/v/" + dossier.NewVerificationCode() + "/qr.png", "", 404, []string{"Không tìm thấy văn bản"}, nil},
		{"download not offered by Vĩnh Phúc", "/v/" + good.vcode + "/download", "", 403, []string{"Không cung cấp bản gốc"}, nil},
		{"download of an unknown code", "/v/" + dossier.NewVerificationCode() + "/download", "", 404, []string{"Không tìm thấy"}, nil},
		{"upload form", "/verify", "", 200, []string{`name="csrf"`, `<label for="file">`, `enctype="multipart/form-data"`}, nil},
		{"other static files", "/static/public/x.css", "", 404, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(tc.path, tc.accept)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q\n%s", s, body)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q", s)
				}
			}
		})
	}

	t.Run("JSON facts", func(t *testing.T) {
		_, body := f.get("/v/"+good.vcode, "application/json")
		var v Verification
		f.must(json.Unmarshal([]byte(body), &v))
		if v.Document.SHA256 != good.result.SHA256 || v.Dossier.Code != good.code || v.Issuer.Code != f.w.Units[seed.Agency].Code {
			t.Fatalf("document %+v dossier %+v issuer %+v", v.Document, v.Dossier, v.Issuer)
		}
		if len(v.Signers) != 2 || v.Signers[0].Name != "Trần Thị Bình" || v.Signers[0].Organisation || !v.Signers[1].Organisation ||
			v.Signers[0].TimeProof != "signature-timestamp" || v.Signers[0].SigningTime.IsZero() {
			t.Fatalf("signers %+v", v.Signers)
		}
		if v.Provenance == nil || v.Provenance.Status != dossier.StatusValid || len(v.Provenance.Conditions) != 2 {
			t.Fatalf("provenance %+v", v.Provenance)
		}
		// The inclusion proof checks offline against the signed checkpoint.
		e := v.Evidence
		cp, err := evidence.ParseCheckpoint([]byte(e.Checkpoint), f.log.Verifier())
		f.must(err)
		var proof [][]byte
		for _, p := range e.Proof {
			b, err := base64.StdEncoding.DecodeString(p)
			f.must(err)
			proof = append(proof, b)
		}
		if err := evidence.VerifyInclusion(cp, e.Entry, []byte(e.EntryBody), proof); err != nil || !e.Verified {
			t.Fatalf("inclusion: %v (verified %v)", err, e.Verified)
		}
		if !strings.Contains(e.EntryBody, `"type":"document.received"`) || !strings.Contains(e.EntryBody, good.result.SHA256) {
			t.Fatalf("entry %s", e.EntryBody)
		}
		// The signing time on the page is the time-stamp's, in Vietnam.
		_, html := f.get("/v/"+good.vcode, "")
		if want := v.Signers[0].SigningTime.In(vietnamZone()).Format("02/01/2006 15:04"); !strings.Contains(html, want) {
			t.Errorf("page lacks the signing time %s", want)
		}
	})

	t.Run("same headers for known and unknown codes", func(t *testing.T) {
		for _, accept := range []string{"", "application/json"} {
			known, _ := f.get("/v/"+good.vcode, accept)
			unknown, _ := f.get("/v/"+dossier.NewVerificationCode(), accept)
			malformed, _ := f.get("/v/%3Cscript%3E", accept)
			for _, r := range []*http.Response{unknown, malformed} {
				if got, want := headerNames(r), headerNames(known); got != want {
					t.Errorf("Accept %q: headers %s, known code %s", accept, got, want)
				}
				if r.Header.Get("Content-Type") != known.Header.Get("Content-Type") || r.Header.Get("Cache-Control") != known.Header.Get("Cache-Control") {
					t.Errorf("Accept %q: %s / %s vs %s / %s", accept, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"),
						known.Header.Get("Content-Type"), known.Header.Get("Cache-Control"))
				}
			}
		}
	})

	t.Run("same JSON members for known and unknown codes", func(t *testing.T) {
		keys := func(body string) string {
			var m map[string]json.RawMessage
			f.must(json.Unmarshal([]byte(body), &m))
			var k []string
			for key := range m {
				k = append(k, key)
			}
			return fmt.Sprint(sortStrings(k))
		}
		_, known := f.get("/v/"+good.vcode, "application/json")
		_, unknown := f.get("/v/"+dossier.NewVerificationCode(), "application/json")
		if keys(known) != keys(unknown) {
			t.Fatalf("known %s\nunknown %s", keys(known), keys(unknown))
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		for path, want := range map[string]int{"/v/" + good.vcode: 200, "/v/" + dossier.NewVerificationCode(): 404} {
			resp, err := f.http.Client().Head(f.http.URL + path)
			f.must(err)
			resp.Body.Close()
			if resp.StatusCode != want || resp.ContentLength <= 0 {
				t.Errorf("HEAD %s: %d, length %d", path, resp.StatusCode, resp.ContentLength)
			}
		}
	})

	t.Run("ETag and 304", func(t *testing.T) {
		r1, _ := f.get("/v/"+good.vcode, "")
		etag := r1.Header.Get("ETag")
		r2, body := f.get("/v/"+good.vcode, "", "If-None-Match", etag)
		if etag == "" || r2.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("ETag %q: %d %q", etag, r2.StatusCode, body)
		}
		rj, _ := f.get("/v/"+good.vcode, "application/json", "If-None-Match", etag)
		if rj.StatusCode != 200 {
			t.Fatalf("the HTML ETag matched the JSON variant: %d", rj.StatusCode)
		}
		ru, _ := f.get("/v/"+dossier.NewVerificationCode(), "", "If-None-Match", "*")
		if ru.StatusCode != 404 {
			t.Fatalf("unknown code with If-None-Match: %d", ru.StatusCode)
		}
	})

	t.Run("stylesheet", func(t *testing.T) {
		r, body := f.get(f.srv.public.cssPath, "")
		if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "verdict") {
			t.Fatalf("%d %v", r.StatusCode, r.Header)
		}
	})

	t.Run("QR code", func(t *testing.T) {
		r, body := f.get("/v/"+good.vcode+"/qr.png", "")
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
			t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if got := decodeQR(t, []byte(body)); got != f.http.URL+"/v/"+good.vcode {
			t.Fatalf("QR encodes %q", got)
		}
	})

	t.Run("a new event invalidates the cached page", func(t *testing.T) {
		_, body := f.get("/v/"+good.vcode, "")
		if !strings.Contains(body, "Đã ký kết quả") {
			t.Fatal("state before")
		}
		_, err := f.eng.ReadyForReturn(f.ctx, good.code, f.w.Members[seed.Seal].Actor)
		f.must(err)
		// Within publicRecheck the cached page may still be served; after
		// it, the stamp shows the new event and the page is rebuilt.
		time.Sleep(publicRecheck + 50*time.Millisecond)
		_, body = f.get("/v/"+good.vcode, "")
		if !strings.Contains(body, dossier.StateReady.Vietnamese()) {
			t.Fatalf("%s after the event, the page still shows the old state", publicRecheck)
		}
	})
}

func flipLast(code string) string {
	b := []byte(code)
	if b[len(b)-2] == 'A' {
		b[len(b)-2] = 'B'
	} else {
		b[len(b)-2] = 'A'
	}
	return string(b)
}

// headerNames lists a response's header names, less those that differ
// by nature (Date, the request ID).
func headerNames(r *http.Response) string {
	var names []string
	for k := range r.Header {
		if k != "Date" && k != "X-Request-Id" {
			names = append(names, k)
		}
	}
	return fmt.Sprint(sortStrings(names))
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestVerificationPageVoidDossier(t *testing.T) {
	f := newPubFixture(t, fixtureOptions{})
	r := f.issueResult("Giấy chứng nhận đăng ký hộ kinh doanh", 3)
	f.advance(16 * 24 * time.Hour)
	_, err := f.eng.Void(f.ctx, r.code, dossier.System)
	f.must(err)
	_, body := f.get("/v/"+r.vcode, "")
	for _, want := range []string{"Văn bản không hợp lệ", "Hồ sơ điện tử hết hiệu lực", "Quá 15 ngày"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestVerificationHostileTitle(t *testing.T) {
	f := newPubFixture(t, fixtureOptions{profile: "cao-bang", publicDownload: true})
	title := `Quyết định <script>alert(1)</script>"'><img src=x onerror=alert(2)>` + "\r\nX-Injected: 1 ../../etc/passwd"
	r := f.issueResult(title, 4)
	_, body := f.get("/v/"+r.vcode, "")
	for _, bad := range []string{"<script>alert(1)", "<img src=x", "onerror=alert(2)>"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(body, "Quyết định &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("page lacks the escaped title")
	}
	// The JSON variant keeps the title exactly.
	_, js := f.get("/v/"+r.vcode, "application/json")
	var v Verification
	f.must(json.Unmarshal([]byte(js), &v))
	if v.Document.Title != title {
		t.Errorf("JSON title %q", v.Document.Title)
	}

	// Download (Cao Bằng with public download on): the signed original,
	// under a file name that names no path and breaks no header.
	resp, pdf := f.get("/v/"+r.vcode+"/download", "")
	if resp.StatusCode != 200 || pdf != string(r.signed) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s, %d bytes (want %d)", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf), len(r.signed))
	}
	cd := resp.Header.Get("Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "attachment" {
		t.Fatalf("Content-Disposition %q: %v", cd, err)
	}
	name := params["filename"]
	if strings.ContainsAny(name, "/\\\"\r\n<>") || !strings.HasSuffix(name, ".pdf") || !strings.HasPrefix(name, "Quyết định") {
		t.Errorf("download name %q (header %q)", name, cd)
	}
	if resp.Header.Get("X-Injected") != "" {
		t.Error("header injected")
	}
	_, page := f.get("/v/"+r.vcode, "")
	if !strings.Contains(page, `href="/v/`+r.vcode+`/download"`) {
		t.Error("Cao Bằng page lacks the download link")
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Giấy chứng nhận.pdf", "Giấy chứng nhận.pdf"},
		{"Quyết định số 12/QĐ-UBND", "Quyết định số 12_QĐ-UBND.pdf"},
		{"../../etc/passwd", "_.._etc_passwd.pdf"},
		{`C:\Windows\evil".pdf`, "C__Windows_evil_.pdf"},
		{"a\r\nSet-Cookie: x=1", "a__Set-Cookie_ x=1.pdf"},
		{"", "van-ban.pdf"},
		{"...", "van-ban.pdf"},
	} {
		cd := publicDisposition(tc.in)
		_, params, err := mime.ParseMediaType(cd)
		if err != nil || params["filename"] != tc.want {
			t.Errorf("%q: %q → %q (%v), want %q", tc.in, cd, params["filename"], err, tc.want)
		}
		if strings.ContainsAny(cd, "\r\n") {
			t.Errorf("%q: header %q has a line break", tc.in, cd)
		}
	}
}

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"": false, "text/html": false, "application/json": true, "application/problem+json": true, "*/*": false,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": false,
		"application/json;q=0.5, text/html;q=0.9":                         false,
		"text/html;q=0.1, application/json":                               true,
		"application/json;q=0":                                            false,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := acceptsJSON(r); got != want {
			t.Errorf("Accept %q: %v, want %v", accept, got, want)
		}
	}
}

func TestRateExempt(t *testing.T) {
	ten := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		cfg  Config
		ip   string
		want bool
	}{
		{Config{DevMode: true}, "127.0.0.1", true},
		{Config{DevMode: true}, "::1", true},
		{Config{DevMode: true}, "203.0.113.9", false},
		{Config{}, "127.0.0.1", false},
		{Config{DevMode: true, RateExempt: []netip.Prefix{}}, "127.0.0.1", false},
		{Config{RateExempt: ten}, "10.1.2.3", true},
		{Config{RateExempt: ten}, "::ffff:10.1.2.3", true},
		{Config{RateExempt: ten}, "not an ip", false},
	} {
		p := &publicPages{exempt: rateExempt(tc.cfg)}
		if got := p.isExempt(tc.ip); got != tc.want {
			t.Errorf("dev %v exempt %v ip %s: %v", tc.cfg.DevMode, tc.cfg.RateExempt, tc.ip, got)
		}
	}
}

func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := zqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

func TestVerdict(t *testing.T) {
	ver := &dossier.DocumentVersion{Lineage: 7}
	signed := func(ind verifier.Indication, sub verifier.SubIndication) *verifier.Report {
		return &verifier.Report{Indication: ind, SubIndication: sub, Signatures: []*verifier.Signature{
			{Index: 1, Kind: "signature", Indication: ind, SubIndication: sub, Signer: &verifier.Signer{Name: "Trần Thị Bình"}}}}
	}
	passed := signed(verifier.TotalPassed, "")
	valid := &dossier.Assessment{Status: dossier.StatusValid, Conditions: []dossier.Condition{{Text: "Chữ ký số của cơ quan", Held: true}}}
	notValid := &dossier.Assessment{Status: dossier.StatusNotValid, Summary: "Chưa có giá trị pháp lý. Chưa đáp ứng: Chữ ký số của cơ quan."}
	owed := &dossier.Assessment{Status: dossier.StatusProcessingOnly, Summary: "Chỉ dùng làm căn cứ xử lý."}
	dossierIn := func(st dossier.State, result int64, reason string) *dossier.Dossier {
		return &dossier.Dossier{Code: "000.00.31.H62-250303-0001", State: st, Result: result, Events: []dossier.Event{{To: st, Reason: reason}}}
	}
	for _, tc := range []struct {
		name       string
		d          *dossier.Dossier
		rep        *verifier.Report
		a          *dossier.Assessment
		want, text string
	}{
		{"valid", dossierIn(dossier.StateSigned, 7, ""), passed, valid, VerdictValid, "Chữ ký số của cơ quan"},
		{"cancelled beats valid signatures", dossierIn(dossier.StateCancelled, 7, "Giả mạo"), passed, valid, VerdictInvalid, "Lý do: Giả mạo."},
		{"void", dossierIn(dossier.StateVoid, 7, "Quá 15 ngày"), passed, valid, VerdictInvalid, "hết hiệu lực"},
		{"altered after signing", dossierIn(dossier.StateSigned, 7, ""), signed(verifier.TotalFailed, verifier.HashFailure), valid, VerdictInvalid, "Trần Thị Bình): nội dung văn bản đã bị thay đổi"},
		{"revocation unknown", dossierIn(dossier.StateSigned, 7, ""), signed(verifier.Indeterminate, verifier.TryLater), valid, VerdictIndeterminate, "thử lại sau"},
		{"signatures valid, legal conditions not met", dossierIn(dossier.StateSigned, 7, ""), passed, notValid, VerdictInvalid, "Chưa đáp ứng"},
		{"processing only", dossierIn(dossier.StateSigned, 7, ""), passed, owed, VerdictIndeterminate, "căn cứ xử lý"},
		{"no assessment", dossierIn(dossier.StateSigned, 7, ""), passed, nil, VerdictIndeterminate, "chưa có đánh giá"},
		{"never validated", dossierIn(dossier.StateSigned, 7, ""), nil, valid, VerdictIndeterminate, "chưa được kiểm tra"},
		{"draft not signed yet", dossierIn(dossier.StateProcessing, 0, ""), &verifier.Report{Indication: verifier.TotalFailed}, nil, VerdictIndeterminate, "chưa được ký số"},
		{"recorded result without signatures", dossierIn(dossier.StateSigned, 7, ""), &verifier.Report{Indication: verifier.TotalFailed}, nil, VerdictInvalid, "không có chữ ký số"},
	} {
		v := *ver
		v.Assessment = tc.a
		got, reason := verdict(tc.d, &v, tc.rep)
		if got != tc.want || !strings.Contains(reason, tc.text) {
			t.Errorf("%s: %s %q; want %s containing %q", tc.name, got, reason, tc.want, tc.text)
		}
	}
}
