package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/seed"
)

// verifyClient is a browser-like client of the upload form: a cookie jar
// and the token of the form it last loaded.
type verifyClient struct {
	f     *pubFixture
	c     *http.Client
	token string
}

var publicCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (f *pubFixture) verifyClient() *verifyClient {
	jar, _ := cookiejar.New(nil)
	vc := &verifyClient{f: f, c: &http.Client{Jar: jar}}
	resp, err := vc.c.Get(f.http.URL + "/verify")
	f.must(err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := publicCSRFField.FindStringSubmatch(string(b))
	if resp.StatusCode != 200 || m == nil {
		f.t.Fatalf("GET /verify: %d, no token\n%s", resp.StatusCode, b)
	}
	vc.token = m[1]
	return vc
}

// post uploads file as name; token "" leaves the field out; hdr are
// extra request headers.
func (vc *verifyClient) post(name string, file []byte, token string, hdr ...string) (*http.Response, string) {
	vc.f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		mw.WriteField("csrf", token)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, vc.f.http.URL+"/verify", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := vc.c.Do(req)
	vc.f.must(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestVerifyUpload(t *testing.T) {
	f := newPubFixture(t, fixtureOptions{cfg: func(c *Config) { c.MaxUpload = 256 << 10 }})
	r := f.issueResult("Giấy chứng nhận đăng ký hộ kinh doanh", 4)
	altered := bytes.Replace(r.signed, []byte("QUYET DINH so 123"), []byte("QUYET DINH so 124"), 1)
	if bytes.Equal(altered, r.signed) {
		t.Fatal("the result has no page text to alter")
	}
	outside := f.signPDF(onePagePDF(t), f.w.Members[seed.Head].Credential) // signed, but not a document kyso holds
	unsigned := onePagePDF(t)
	big := append(bytes.Clone(r.signed), bytes.Repeat([]byte("%"), 300<<10)...)
	vc := f.verifyClient()

	tests := []struct {
		name, file string
		body       []byte
		token      string
		hdr        []string
		status     int
		want       []string
		notWant    []string
	}{
		{"signed result kyso holds", "ket-qua.pdf", r.signed, vc.token, nil, 200,
			[]string{"Văn bản hợp lệ", "Trần Thị Bình", r.code, "Có giá trị pháp lý", "tệp trùng khớp từng byte", "ket-qua.pdf"}, nil},
		{"altered page content", "ket-qua-sua.pdf", altered, vc.token, nil, 200,
			[]string{"Văn bản không hợp lệ", "đã bị thay đổi sau khi ký", "Trần Thị Bình", "hệ thống không lưu giữ văn bản trùng khớp"}, []string{r.code}},
		{"signed elsewhere", "khac.pdf", outside, vc.token, nil, 200,
			[]string{"Văn bản hợp lệ", "Trần Thị Bình", "không xác nhận được nguồn gốc"}, nil},
		{"unsigned PDF", "chua-ky.pdf", unsigned, vc.token, nil, 200, []string{"Văn bản không hợp lệ", "không có chữ ký số"}, nil},
		{"not a PDF", "anh.png", []byte("\x89PNG\r\n\x1a\n not a pdf"), vc.token, nil, 415, []string{"không phải là tệp PDF", `name="csrf"`}, nil},
		{"empty file", "rong.pdf", nil, vc.token, nil, 400, []string{"Tệp rỗng"}, nil},
		{"over the limit", "lon.pdf", big, vc.token, nil, 413, []string{"vượt quá dung lượng cho phép (256 KB)"}, nil},
		{"hostile file name", `<img src=x onerror=alert(1)>.pdf`, r.signed, vc.token, nil, 200,
			[]string{"&lt;img src=x onerror=alert(1)&gt;.pdf"}, []string{"<img src=x"}},
		{"no token", "ket-qua.pdf", r.signed, "", nil, 403, []string{"Phiên làm việc của biểu mẫu đã hết hạn"}, []string{"Văn bản hợp lệ"}},
		{"wrong token", "ket-qua.pdf", r.signed, strings.Repeat("A", 43), nil, 403, []string{"đã hết hạn"}, nil},
		{"cross-site request", "ket-qua.pdf", r.signed, vc.token, []string{"Sec-Fetch-Site", "cross-site"}, 403,
			[]string{"không được gửi từ trang kiểm tra"}, nil},
		{"foreign Origin", "ket-qua.pdf", r.signed, vc.token, []string{"Origin", "https://evil.example"}, 403, []string{"không được gửi từ trang kiểm tra"}, nil},
		{"JSON", "ket-qua.pdf", r.signed, vc.token, []string{"Accept", "application/json"}, 200,
			[]string{`"verdict":"valid"`, `"known":true`, `"sha256":"` + r.result.SHA256 + `"`}, nil},
		{"JSON, not a PDF", "x.txt", []byte("hello"), vc.token, []string{"Accept", "application/json"}, 415,
			[]string{`"type":"https://kyso.vn/problems/not-pdf"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := vc.post(tc.file, tc.body, tc.token, tc.hdr...)
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

	t.Run("a cancelled dossier's result uploaded", func(t *testing.T) {
		_, err := f.eng.CheckOriginals(f.ctx, r.code, f.w.Members[seed.Intake].Actor, false, "Chữ ký trên bản gốc là giả")
		f.must(err)
		resp, body := vc.post("ket-qua.pdf", r.signed, vc.token, "Accept", "application/json")
		var v Verification
		f.must(json.Unmarshal([]byte(body), &v))
		if resp.StatusCode != 200 || v.Verdict != VerdictInvalid || !strings.Contains(v.Reason, "giả") || !v.Upload.Known {
			t.Fatalf("%d %+v", resp.StatusCode, v)
		}
	})
}
