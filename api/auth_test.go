package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/storage"
)

func TestPasswordHashPHC(t *testing.T) {
	h, err := hashPassword("đúng-mật-khẩu-1", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s: want the PHC argon2id format with the default parameters", h)
	}
	h2, _ := hashPassword("đúng-mật-khẩu-1", DefaultArgon2)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not per hash")
	}
	for _, tc := range []struct {
		pw, hash    string
		ok, renew   bool
		malformed   bool
		description string
	}{
		{"đúng-mật-khẩu-1", h, true, false, false, "right password"},
		{"đúng-mật-khẩu-2", h, false, false, false, "wrong password"},
		{"", h, false, false, false, "empty password"},
		{"x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 43), false, true, false, "weak parameters"},
		{"x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 43), false, false, true, "argon2i, not argon2id"},
		{"x", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 43), false, false, true, "unbounded memory"},
		{"x", "$argon2id$v=19$m=19456,t=2,p=1$$", false, false, true, "no salt"},
		{"x", "plain", false, false, true, "not PHC"},
	} {
		ok, renew, err := verifyPassword(tc.pw, tc.hash, DefaultArgon2)
		if (err != nil) != tc.malformed || ok != tc.ok || (err == nil && renew != tc.renew) {
			t.Errorf("%s: ok %v renew %v err %v", tc.description, ok, renew, err)
		}
	}
	if err := checkPasswordRules("ngắn"); err == nil {
		t.Error("a 4-character password passed the rules")
	}
}

func TestLoginLogoutAndEvidence(t *testing.T) {
	e := newEnv(t, envOptions{})
	user := e.vp.Members[seed.Intake].Staff.Username
	e.must(SetPassword(e.ctx, e.eng, dossier.System, user, "mật-khẩu-tiếp-nhận"))
	anon := e.anonymous()
	if r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "sai-mật-khẩu-1"}); r.status != 401 {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
	if r := anon.post("/api/v1/auth/login", loginRequest{Username: "khongtontai", Password: "sai-mật-khẩu-1"}); r.status != 401 {
		t.Fatalf("unknown user: %d %s", r.status, r.body)
	}
	r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-tiếp-nhận"})
	if r.status != 200 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	var info sessionInfo
	r.json(t, &info)
	cookie := ""
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
				t.Errorf("cookie flags: %+v", c)
			}
		}
	}
	if cookie == "" || info.CSRFToken == "" || info.Username != user || len(info.Roles) != 1 {
		t.Fatalf("login answer %+v, cookie %q", info, cookie)
	}
	c := &client{e: e, cookie: cookie, csrf: info.CSRFToken}
	if r := c.get("/api/v1/auth/me"); r.status != 200 {
		t.Fatalf("me: %d", r.status)
	}
	if r := c.post("/api/v1/auth/logout", nil); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := c.get("/api/v1/auth/me"); r.status != 401 {
		t.Fatalf("after logout: %d", r.status)
	}
	types := evidenceTypes(t, e)
	for _, want := range []string{EventPasswordSet, EventLoginFailed, EventLogin, EventLogout} {
		if types[want] == 0 {
			t.Errorf("no %s entry in the evidence log (have %v)", want, types)
		}
	}
	// No secret in the log.
	raw := evidenceDump(t, e)
	for _, secret := range []string{"mật-khẩu-tiếp-nhận", "sai-mật-khẩu-1", cookie, info.CSRFToken, "khongtontai"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the evidence log holds %q", secret)
		}
	}
}

func evidenceTypes(t *testing.T, e *env) map[string]int {
	t.Helper()
	n, err := e.log.Size(e.ctx)
	e.must(err)
	out := map[string]int{}
	for i := uint64(0); i < n; i++ {
		en, err := e.log.Entry(e.ctx, i)
		e.must(err)
		out[en.Type]++
	}
	return out
}

func evidenceDump(t *testing.T, e *env) string {
	t.Helper()
	n, err := e.log.Size(e.ctx)
	e.must(err)
	var b strings.Builder
	for i := uint64(0); i < n; i++ {
		en, err := e.log.Entry(e.ctx, i)
		e.must(err)
		b.Write(en.Body)
	}
	return b.String()
}

func TestLockout(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	e := newEnv(t, envOptions{auth: AuthConfig{LockoutThreshold: 5, LockoutPeriod: 15 * time.Minute, Now: clock}})
	user := e.vp.Members[seed.Head].Staff.Username
	e.must(SetPassword(e.ctx, e.eng, dossier.System, user, "mật-khẩu-lãnh-đạo"))
	anon := e.anonymous()
	for i := range 5 {
		if r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "đoán-sai-lần-" + string(rune('0'+i))}); r.status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-lãnh-đạo"})
	if r.status != http.StatusLocked || r.problem(t).Type != problemBase+"locked" || r.header.Get("Retry-After") == "" {
		t.Fatalf("the right password during the lockout: %d %s", r.status, r.body)
	}
	now = now.Add(16 * time.Minute)
	if r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-lãnh-đạo"}); r.status != 200 {
		t.Fatalf("after the lockout: %d %s", r.status, r.body)
	}
	// The success cleared the count: four failures do not lock.
	for range 4 {
		anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "vẫn-sai-mật-khẩu"})
	}
	if r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-lãnh-đạo"}); r.status != 200 {
		t.Fatalf("four failures after a success locked the account: %d", r.status)
	}
	// An admin's new password clears a lockout.
	for range 5 {
		anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "lại-sai-mật-khẩu"})
	}
	admin := e.session(e.vp.Members[seed.Admin].Staff.Username)
	if r := admin.post("/api/v1/admin/staff/"+user+"/password", passwordRequest{Password: "mật-khẩu-mới-123"}); r.status != 204 {
		t.Fatalf("set password: %d %s", r.status, r.body)
	}
	if r := anon.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-mới-123"}); r.status != 200 {
		t.Fatalf("after the reset: %d %s", r.status, r.body)
	}
	types := evidenceTypes(t, e)
	if types[EventLockout] != 2 || types[EventLoginLocked] != 1 {
		t.Fatalf("evidence: %d lockouts, %d refused while locked; want 2 and 1", types[EventLockout], types[EventLoginLocked])
	}
}

func TestLoginRateLimitPerIP(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.loginLimit = NewLimiter("login", 0.01, 3)
	anon := e.anonymous()
	var last int
	for range 4 {
		last = anon.post("/api/v1/auth/login", loginRequest{Username: "ai-do", Password: "mật-khẩu-bất-kỳ"}).status
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("4th attempt from one address with a burst of 3: %d", last)
	}
}

func TestSessionTimeouts(t *testing.T) {
	now := time.Now()
	e := newEnv(t, envOptions{auth: AuthConfig{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour, Now: func() time.Time { return now }}})
	c := e.session(e.vp.Members[seed.Specialist].Staff.Username)
	for range 5 { // 100 minutes of activity, every 20 minutes
		now = now.Add(20 * time.Minute)
		if r := c.get("/api/v1/auth/me"); r.status != 200 {
			t.Fatalf("active session refused at +%s: %d", time.Since(now), r.status)
		}
	}
	now = now.Add(21 * time.Minute) // past the absolute limit (121 min)
	if r := c.get("/api/v1/auth/me"); r.status != 401 {
		t.Fatalf("after the absolute timeout: %d", r.status)
	}
	c = e.session(e.vp.Members[seed.Specialist].Staff.Username)
	now = now.Add(31 * time.Minute)
	if r := c.get("/api/v1/auth/me"); r.status != 401 {
		t.Fatalf("after 31 idle minutes: %d", r.status)
	}
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t, envOptions{})
	user := e.vp.Members[seed.Intake].Staff.Username
	e.must(SetPassword(e.ctx, e.eng, dossier.System, user, "mật-khẩu-tiếp-nhận"))
	login := func(planted string) (string, int) {
		c := &client{e: e, cookie: planted}
		r := c.post("/api/v1/auth/login", loginRequest{Username: user, Password: "mật-khẩu-tiếp-nhận"})
		return setCookieValue(&headerWriter{r.header}, sessionCookie), r.status
	}
	// A value the attacker made up is not a session, before or after login.
	planted := randomToken(32)
	got, status := login(planted)
	if status != 200 || got == "" || got == planted {
		t.Fatalf("login with a planted cookie: status %d, new cookie %q", status, got)
	}
	if r := (&client{e: e, cookie: planted}).get("/api/v1/auth/me"); r.status != 401 {
		t.Fatalf("the planted cookie works after login: %d", r.status)
	}
	// A real session the attacker holds (their own login) planted in the
	// victim's browser is replaced and revoked at the victim's login.
	attacker := e.session(e.vp.Members[seed.Specialist].Staff.Username)
	got, _ = login(attacker.cookie)
	if got == attacker.cookie {
		t.Fatal("login kept the presented session ID")
	}
	if r := attacker.get("/api/v1/auth/me"); r.status != 401 {
		t.Fatalf("the planted session still works: %d", r.status)
	}
	if r := (&client{e: e, cookie: got}).get("/api/v1/auth/me"); r.status != 200 {
		t.Fatalf("the new session: %d", r.status)
	}
}

type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(int)             {}

func TestCSRF(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.deskDossier()
	intake := e.session(e.vp.Members[seed.Intake].Staff.Username)
	path := "/api/v1/dossiers/" + d.Code + "/accept"
	// A cross-site form post: the browser sends the cookie (SameSite=Lax
	// would not, but older browsers and same-site attackers might), no token.
	form := url.Values{"reason": {"ok"}}.Encode()
	noToken := &client{e: e, cookie: intake.cookie}
	r := noToken.do(http.MethodPost, path, strings.NewReader(form), "application/x-www-form-urlencoded", map[string]string{"Origin": "https://evil.example"})
	if r.status != 403 || r.problem(t).Type != problemBase+"csrf" {
		t.Fatalf("cross-site form post: %d %s", r.status, r.body)
	}
	// Same origin but no token.
	if r := noToken.post(path, reasonRequest{Reason: "ok"}); r.status != 403 {
		t.Fatalf("no CSRF token: %d %s", r.status, r.body)
	}
	// A token of another session.
	other := e.session(e.vp.Members[seed.Intake].Staff.Username)
	wrong := &client{e: e, cookie: intake.cookie, csrf: other.csrf}
	if r := wrong.post(path, reasonRequest{Reason: "ok"}); r.status != 403 {
		t.Fatalf("another session's CSRF token: %d", r.status)
	}
	// The right token, but from another origin.
	if r := intake.do(http.MethodPost, path, strings.NewReader(`{}`), "application/json", map[string]string{"Origin": "https://evil.example"}); r.status != 403 {
		t.Fatalf("right token, foreign Origin: %d", r.status)
	}
	if r := intake.do(http.MethodPost, path, strings.NewReader(`{}`), "application/json", map[string]string{"Referer": "https://evil.example/page"}); r.status != 403 {
		t.Fatalf("right token, foreign Referer: %d", r.status)
	}
	// The HTML form field works, as does the header from our own origin.
	ok := &client{e: e, cookie: intake.cookie}
	r = ok.do(http.MethodPost, path, strings.NewReader(url.Values{csrfField: {intake.csrf}}.Encode()), "application/x-www-form-urlencoded",
		map[string]string{"Origin": e.ts.URL})
	if r.status != 415 { // passed the CSRF check; the API wants JSON
		t.Fatalf("form field token: %d %s", r.status, r.body)
	}
	if r := intake.do(http.MethodPost, path, strings.NewReader(`{"reason":"Hồ sơ hợp lệ"}`), "application/json", map[string]string{"Origin": e.ts.URL}); r.status != 200 {
		t.Fatalf("right token and origin: %d %s", r.status, r.body)
	}
	// Tokens need no CSRF token.
	tok := e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, ScopeDossiersWrite, ScopeDossiersRead)
	d2 := e.deskDossier()
	if r := tok.post("/api/v1/dossiers/"+d2.Code+"/accept", reasonRequest{}); r.status != 200 {
		t.Fatalf("bearer token: %d %s", r.status, r.body)
	}
	// Login from another origin (login CSRF) is refused.
	e.must(SetPassword(e.ctx, e.eng, dossier.System, e.vp.Members[seed.Intake].Staff.Username, "mật-khẩu-tiếp-nhận"))
	r = e.anonymous().do(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"`+e.vp.Members[seed.Intake].Staff.Username+`","password":"mật-khẩu-tiếp-nhận"}`),
		"application/json", map[string]string{"Origin": "https://evil.example"})
	if r.status != 403 {
		t.Fatalf("cross-origin login: %d", r.status)
	}
	if evidenceTypes(t, e)[EventDenied] < 5 {
		t.Error("CSRF refusals are not in the evidence log")
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin := e.session(e.vp.Members[seed.Admin].Staff.Username)
	r := admin.post("/api/v1/admin/tokens", TokenRequest{Name: "Cổng DVC quốc gia", Scopes: []string{ScopeDossiersSubmit, ScopeDossiersRead}, Portal: true, Expires: "1h"})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var ct createdToken
	r.json(t, &ct)
	if !strings.HasPrefix(ct.Secret, TokenPrefix) || len(ct.Secret) != 48 {
		t.Fatalf("secret %q", ct.Secret)
	}
	portal := &client{e: e, token: ct.Secret}
	sub := submitRequest{Unit: e.vp.Units[seed.Centre].Code, Procedure: "1.001612", Level: 3, Channel: dossier.ChannelOnline, Applicant: e.vp.Applicant}
	if r := portal.post("/api/v1/dossiers", sub); r.status != 201 {
		t.Fatalf("portal submit: %d %s", r.status, r.body)
	}
	sub.Channel = dossier.ChannelDesk
	if r := portal.post("/api/v1/dossiers", sub); r.status != 403 {
		t.Fatalf("portal desk submit: %d", r.status)
	}
	// The secret is stored hashed only.
	var n int
	e.must(e.store.Meta.View(e.ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM auth_tokens WHERE sha256 = $1 OR name = $1", ct.Secret).Scan(&n)
	}))
	if n != 0 {
		t.Fatal("the token secret is stored")
	}
	list := admin.get("/api/v1/admin/tokens")
	if list.status != 200 || strings.Contains(string(list.body), ct.Secret) {
		t.Fatalf("list: %d (secret shown: %v)", list.status, strings.Contains(string(list.body), ct.Secret))
	}
	if r := admin.del("/api/v1/admin/tokens/" + ct.ID); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := portal.get("/api/v1/dossiers"); r.status != 401 {
		t.Fatalf("revoked token: %d", r.status)
	}
	for _, bad := range []string{"kyso_", "Basic abc", "kyso_" + strings.Repeat("A", 43)} {
		c := &client{e: e}
		hdr := map[string]string{"Authorization": "Bearer " + bad}
		if strings.HasPrefix(bad, "Basic") {
			hdr["Authorization"] = bad
		}
		if r := c.do(http.MethodGet, "/api/v1/dossiers", nil, "", hdr); r.status != 401 {
			t.Errorf("Authorization %q: %d", bad, r.status)
		}
	}
	// Bad requests for tokens.
	for _, req := range []TokenRequest{
		{Name: "x", Scopes: []string{"everything"}, Portal: true},
		{Name: "x", Scopes: []string{ScopeVerify}},
		{Name: "x", Scopes: []string{ScopeAdmin}, Portal: true},
		{Name: "x", Scopes: []string{ScopeVerify}, Portal: true, Expires: "forever"},
	} {
		if r := admin.post("/api/v1/admin/tokens", req); r.status != 422 {
			t.Errorf("token request %+v: %d %s", req, r.status, r.body)
		}
	}
	_ = json.Marshal
}
