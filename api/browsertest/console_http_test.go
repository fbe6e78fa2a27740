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
	"time"

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
	// An online submission waits in the intake queue with its one-hour
	// timer (the deadline in a data attribute for the page's countdown).
	online, err := e.eng.Submit(e.ctx, e.w.Citizen, dossier.Application{Unit: e.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 3,
		Channel: dossier.ChannelOnline, Applicant: e.w.Applicant})
	e.must(err)
	_, _, queue := in.do("GET", "/console/intake", nil)
	row := between(queue, online.Code+"</a>", "</tr>")
	if !strings.Contains(row, `class="timer`) || !strings.Contains(row, `data-deadline="`+online.IntakeDeadline.UTC().Format(time.RFC3339)+`"`) ||
		!strings.Contains(row, "Còn ") && !strings.Contains(row, "Quá hạn ") || !strings.Contains(row, "Trực tuyến") {
		t.Fatalf("intake queue row of %s:\n%s", online.Code, row)
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

// TestConsoleProcessingSteps drives the dossier page's forms through the
// processing path: a supplement request pauses the clock, the extension's
// apology letter is drafted and lands in the seal keeper's queue, sealed
// it extends the dossier (late), the result is signed and recorded, and
// the desk returns it after the fee and the originals check.
func TestConsoleProcessingSteps(t *testing.T) {
	e := newEnv(t, nil)
	intake, specialist := e.member(seed.Intake), e.member(seed.Specialist)
	d, err := e.eng.Submit(e.ctx, intake.Actor, dossier.Application{Unit: e.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 3,
		Channel: dossier.ChannelDesk, Applicant: e.w.Applicant})
	e.must(err)
	login := func(m *seed.Member) *staffClient {
		sc := e.client()
		if status, body := sc.login(m.Staff.Username, password); status != http.StatusSeeOther {
			t.Fatalf("login %s: %d %s", m.Staff.Username, status, body)
		}
		return sc
	}
	in, sp, hd, sl := login(intake), login(specialist), login(e.member(seed.Head)), login(e.member(seed.Seal))
	page := "/console/dossiers/" + d.Code
	step := func(sc *staffClient, action string, form url.Values) {
		t.Helper()
		if status, body := sc.post(page+"/"+action, form); status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", action, status, body)
		}
	}
	state := func() *dossier.Dossier {
		t.Helper()
		nd, err := e.eng.Dossier(e.ctx, d.Code)
		e.must(err)
		return nd
	}
	step(in, "accept", url.Values{"reason": {"Hồ sơ hợp lệ"}})
	step(in, "transfer", url.Values{"to": {e.w.Units[seed.Agency].Code}})

	// A supplement during processing pauses the clock; the page says so.
	step(sp, "supplement", url.Values{"items": {"Bản sao CCCD rõ nét\nGiấy xác nhận nơi cư trú"}, "reason": {"Bản sao không đọc được"}})
	if nd := state(); !nd.Paused || nd.State != dossier.StateSupplement {
		t.Fatalf("after the supplement request: state %s paused %v", nd.State, nd.Paused)
	}
	_, _, body := sp.do("GET", page, nil)
	if !strings.Contains(body, "Tạm dừng tính thời gian (chờ bổ sung)") || !strings.Contains(body, "Giấy xác nhận nơi cư trú") {
		t.Fatalf("the dossier page does not show the paused clock and the items:\n%s", body)
	}
	// A second request is refused by rule (once), with the citation.
	if status, body := sp.post(page+"/supplement", url.Values{"items": {"x"}}); status != http.StatusConflict || !strings.Contains(body, "Quy định không cho phép bước này") {
		t.Fatalf("second supplement request: %d\n%s", status, body)
	}
	_, err = e.eng.Supplement(e.ctx, d.Code, intake.Actor, []dossier.DocumentInput{{Role: dossier.DocSupplement, Source: dossier.SourceDesk,
		Component: "TP2", Title: "Bản sao CCCD", Body: bytes.NewReader(testpdf.Bytes(testpdf.Options{Pages: 1}))}})
	e.must(err)

	// The extension: the apology letter is drafted and routed to the seal keeper.
	nd := state()
	newDate := nd.Deadline.AddDate(0, 0, 7).In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02T15:04")
	step(sp, "letter", url.Values{"kind": {dossier.LetterExtension}, "reason": {"Cần xác minh thêm thông tin"}, "new_appointment": {newDate}})
	_, _, q := sl.do("GET", "/console/sign/seal", nil)
	if !strings.Contains(q, "Phiếu xin lỗi · hồ sơ <a href=\"/console/dossiers/"+d.Code) || !strings.Contains(q, "Thư xin lỗi gia hạn có chữ ký số của cơ quan") {
		t.Fatalf("the seal keeper's queue lacks the extension letter:\n%s", q)
	}
	m := regexp.MustCompile(`/console/documents/(\d+)/sign`).FindStringSubmatch(q)
	if m == nil {
		t.Fatal("no sign form in the seal queue")
	}
	if status, body := sl.post("/console/documents/"+m[1]+"/sign", url.Values{"queue": {"seal"}}); status != http.StatusSeeOther {
		t.Fatalf("sealing the letter: %d\n%s", status, body)
	}
	_, _, body = sp.do("GET", page, nil)
	lm := regexp.MustCompile(`name="letter" aria-label="Thư xin lỗi"><option value="(\d+)"`).FindStringSubmatch(body)
	if lm == nil {
		t.Fatalf("the dossier page offers no signed extension letter:\n%s", body)
	}
	step(sp, "extend", url.Values{"letter": {lm[1]}})
	if nd := state(); !nd.Late || nd.Extensions != 1 {
		t.Fatalf("after the extension: late %v extensions %d", nd.Late, nd.Extensions)
	}

	// The result: attached by the specialist (multipart), signed, sealed, recorded.
	res, err := e.eng.AddDocument(e.ctx, d.Code, specialist.Actor, dossier.DocumentInput{Role: dossier.DocResult, Source: dossier.SourceIssued,
		Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: bytes.NewReader(testpdf.Bytes(testpdf.Options{Pages: 1}))})
	e.must(err)
	sign := "/console/documents/" + strconv.FormatInt(res.ID, 10) + "/sign"
	_, _, q = sl.do("GET", "/console/sign/seal", nil)
	if !strings.Contains(q, "Chờ lãnh đạo ký trước") {
		t.Fatalf("the seal queue should hold the result until the head signs:\n%s", q)
	}
	if status, _ := hd.post(sign, url.Values{"queue": {"head"}}); status != http.StatusSeeOther {
		t.Fatalf("head: %d", status)
	}
	if status, _ := sl.post(sign, url.Values{"queue": {"seal"}}); status != http.StatusSeeOther {
		t.Fatalf("seal: %d", status)
	}
	step(sp, "result", url.Values{"document": {strconv.FormatInt(res.Lineage, 10)}})
	step(sl, "ready", nil)
	step(in, "fee", url.Values{"amount": {"100.000"}, "receipt": {"BL-0001"}})
	step(in, "originals", url.Values{"match": {"yes"}, "note": {"Bản gốc khớp"}})
	step(in, "return", nil)
	nd = state()
	if nd.State != dossier.StateReturned || nd.FeePaid != 100000 || !nd.OriginalsOK {
		t.Fatalf("returned: state %s fee %d originals %v", nd.State, nd.FeePaid, nd.OriginalsOK)
	}
	_, _, body = in.do("GET", page, nil)
	for _, want := range []string{"Đã trả kết quả", "Gia hạn giải quyết", "Đối chiếu bản gốc", "100.000 ₫", "Phiếu xin lỗi", "Có giá trị pháp lý"} {
		if !strings.Contains(body, want) {
			t.Errorf("the returned dossier's page lacks %q", want)
		}
	}
	// The archivist exports the returned dossier: the page lists it, the
	// button downloads a package, the hand-over shows.
	ar := login(e.member(seed.Archivist))
	if status, _, body := ar.do("GET", "/console/archive", nil); status != 200 || !strings.Contains(body, d.Code) || !strings.Contains(body, "Chưa nộp lưu") {
		t.Fatalf("archive page: %d, lists %s unexported: %v", status, d.Code, strings.Contains(body, "Chưa nộp lưu"))
	}
	form := url.Values{"csrf_token": {ar.csrf}}
	if status, hdr, b := ar.do("POST", "/console/archive/"+d.Code+"/export", form); status != 200 || hdr.Get("Content-Type") != "application/x-tar" || len(b) < 1024 {
		t.Fatalf("archive export: %d %s (%d bytes)", status, hdr.Get("Content-Type"), len(b))
	}
	if _, _, body := ar.do("GET", "/console/archive", nil); !strings.Contains(body, "Đã nộp lưu") {
		t.Error("the archive page does not show the hand-over")
	}
	if status, _ := in.post("/console/archive/"+d.Code+"/export", nil); status != http.StatusForbidden {
		t.Errorf("export by the intake officer: %d", status)
	}
	// Separator sheets for the procedure's components are a PDF.
	if status, hdr, b := in.do("GET", "/console/separators.pdf?profile=vinh-phuc&procedure=1.001612", nil); status != 200 ||
		hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(b, "%PDF-") {
		t.Errorf("separator sheets: %d %s", status, hdr.Get("Content-Type"))
	}
}
