package browsertest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
)

// staffClient is a plain HTTP client with a cookie jar, logged in through
// the login form.
type staffClient struct {
	e    *env
	c    *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

func (e *env) client() *staffClient {
	jar, _ := cookiejar.New(nil)
	return &staffClient{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (sc *staffClient) do(method, path string, form url.Values) (int, http.Header, string) {
	sc.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, sc.e.ts.URL+path, body)
	sc.e.must(err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", sc.e.ts.URL)
	}
	resp, err := sc.c.Do(req)
	sc.e.must(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		sc.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (sc *staffClient) login(username, pw string) (int, string) {
	status, _, body := sc.do("POST", "/login", url.Values{"username": {username}, "password": {pw}, "next": {"/console"}})
	if status == http.StatusSeeOther {
		sc.do("GET", "/console", nil) // picks up the CSRF token
	}
	return status, body
}

func (sc *staffClient) post(path string, form url.Values) (int, string) {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", sc.csrf)
	}
	status, _, body := sc.do("POST", path, form)
	return status, body
}

// TestConsoleLoginErrors: Vietnamese errors for a wrong password, the
// lockout message after repeated failures (even with the right password),
// and pages that need a session redirect to the login page with next=.
func TestConsoleLoginErrors(t *testing.T) {
	e := newEnv(t, nil)
	sc := e.client()
	status, hdr, _ := sc.do("GET", "/console/intake", nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login?next=%2Fconsole%2Fintake" {
		t.Fatalf("anonymous console page: %d %s", status, hdr.Get("Location"))
	}
	user := e.member(seed.Intake).Staff.Username
	status, body := sc.login(user, "sai mật khẩu")
	if status != http.StatusUnauthorized || !strings.Contains(body, "Tên đăng nhập hoặc mật khẩu không đúng.") {
		t.Fatalf("wrong password: %d\n%s", status, body)
	}
	for range 4 {
		sc.login(user, "sai mật khẩu")
	}
	status, body = sc.login(user, password)
	if status != http.StatusLocked || !strings.Contains(body, "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần liên tiếp") {
		t.Fatalf("locked account with the right password: %d\n%s", status, body)
	}
	// Another account logs in; the page shows who, and logout ends it.
	sc2 := e.client()
	if status, _ := sc2.login(e.member(seed.Head).Staff.Username, password); status != http.StatusSeeOther {
		t.Fatalf("head login: %d", status)
	}
	_, _, home := sc2.do("GET", "/console", nil)
	if !strings.Contains(home, "Trần Thị Bình") || !strings.Contains(home, "Lãnh đạo · Sở Tư pháp tỉnh Vĩnh Phúc") {
		t.Fatalf("home page does not name the user:\n%s", home)
	}
	if status, _ := sc2.post("/logout", nil); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	if status, _, _ := sc2.do("GET", "/console", nil); status != http.StatusSeeOther {
		t.Fatalf("after logout: %d", status)
	}
}

// TestConsoleAuthorisation: the server refuses what the UI hides — a
// form without the CSRF token, steps of another role, signing a result
// personally when not the head and applying the seal when not the seal
// keeper, queues of roles the user lacks, dossiers of other units.
func TestConsoleAuthorisation(t *testing.T) {
	e := newEnv(t, nil)
	intake, specialist, head, seal := e.member(seed.Intake), e.member(seed.Specialist), e.member(seed.Head), e.member(seed.Seal)
	d, err := e.eng.Submit(e.ctx, intake.Actor, dossier.Application{Unit: e.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2,
		Channel: dossier.ChannelDesk, Applicant: e.w.Applicant})
	e.must(err)
	login := func(m *seed.Member) *staffClient {
		sc := e.client()
		if status, body := sc.login(m.Staff.Username, password); status != http.StatusSeeOther {
			t.Fatalf("login %s: %d %s", m.Staff.Username, status, body)
		}
		return sc
	}
	in, sp, hd, sl := login(intake), login(specialist), login(head), login(seal)

	// CSRF: a state change without the token is refused and changes nothing.
	if status, _ := in.post("/console/dossiers/"+d.Code+"/accept", url.Values{"csrf_token": {"wrong"}}); status != http.StatusForbidden {
		t.Fatalf("accept with a wrong CSRF token: %d", status)
	}
	if nd, _ := e.eng.Dossier(e.ctx, d.Code); nd.State != dossier.StateReceived {
		t.Fatalf("state %s after a refused request", nd.State)
	}
	// The specialist of the agency cannot accept at the centre's desk; the
	// dossier is not theirs yet (404, no existence leak).
	if status, _ := sp.post("/console/dossiers/"+d.Code+"/accept", nil); status != http.StatusNotFound {
		t.Fatalf("specialist accepting: %d", status)
	}
	if status, _, _ := sp.do("GET", "/console/dossiers/"+d.Code, nil); status != http.StatusNotFound {
		t.Fatalf("specialist sees another unit's dossier: %d", status)
	}
	// The intake officer accepts and transfers.
	for _, step := range []struct {
		path string
		form url.Values
	}{{"accept", url.Values{"reason": {"Hồ sơ hợp lệ"}}}, {"transfer", url.Values{"to": {e.w.Units[seed.Agency].Code}}}} {
		if status, body := in.post("/console/dossiers/"+d.Code+"/"+step.path, step.form); status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.path, status, body)
		}
	}
	// The intake officer may not attach a result at the agency.
	res, err := e.eng.AddDocument(e.ctx, d.Code, specialist.Actor, dossier.DocumentInput{Role: dossier.DocResult, Source: dossier.SourceIssued,
		Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: bytes.NewReader(testpdf.Bytes(testpdf.Options{Pages: 1}))})
	e.must(err)
	sign := "/console/documents/" + strconv.FormatInt(res.ID, 10) + "/sign"
	// Only the head signs a result personally: the specialist (who has a
	// personal server key) is refused from any queue.
	for _, q := range []string{"head", "seal", ""} {
		if status, body := sp.post(sign, url.Values{"queue": {q}}); status != http.StatusForbidden {
			t.Fatalf("specialist signing a result (queue %q): %d\n%s", q, status, body)
		}
	}
	// The seal keeper may not sign from the head's queue, nor the head apply the seal.
	if status, _ := sl.post(sign, url.Values{"queue": {"head"}}); status != http.StatusForbidden {
		t.Fatalf("seal keeper from the head's queue: %d", status)
	}
	if status, _ := hd.post(sign, url.Values{"queue": {"seal"}}); status != http.StatusForbidden {
		t.Fatalf("head from the seal queue: %d", status)
	}
	if v, _ := e.eng.Latest(e.ctx, res.Lineage); v.Version != 1 {
		t.Fatalf("a refused signature made version %d", v.Version)
	}
	// The head signs, the seal keeper seals: each from their queue.
	if status, body := hd.post(sign, url.Values{"queue": {"head"}}); status != http.StatusSeeOther {
		t.Fatalf("head signing: %d\n%s", status, body)
	}
	if status, body := sl.post(sign, url.Values{"queue": {"seal"}}); status != http.StatusSeeOther {
		t.Fatalf("seal keeper sealing: %d\n%s", status, body)
	}
	v, err := e.eng.Latest(e.ctx, res.Lineage)
	e.must(err)
	if v.Assessment.Status != dossier.StatusValid || len(v.Inspection.Signatures) != 2 {
		t.Fatalf("after head and seal: %s", v.Assessment.Summary)
	}
	// Queues of roles the user lacks.
	for _, tc := range []struct {
		c    *staffClient
		path string
	}{{sp, "/console/sign/head"}, {hd, "/console/sign/seal"}, {hd, "/console/intake"}, {in, "/console/reports"}, {in, "/console/archive"}} {
		if status, _, _ := tc.c.do("GET", tc.path, nil); status != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", tc.path, status)
		}
	}
	// Reports for the head: the month's counts and downloads.
	_, _, rep := hd.do("GET", "/console/reports", nil)
	if !strings.Contains(rep, "Báo cáo tình hình giải quyết hồ sơ tháng") {
		t.Fatalf("reports page:\n%s", rep)
	}
	if status, hdr, body := hd.do("GET", "/console/reports/monthly.csv", nil); status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || body == "" {
		t.Fatalf("CSV: %d %s", status, hdr.Get("Content-Type"))
	}
	if status, hdr, _ := hd.do("GET", "/console/reports/monthly.json", nil); status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON: %d %s", status, hdr.Get("Content-Type"))
	}
}
