package api

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	opstorage "github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/oauth2"

	"github.com/kyso-vn/kyso/internal/seed"
)

// provider is a real OpenID provider (zitadel/oidc's OP with its example
// storage and login page) on loopback.
type provider struct {
	issuer string
	srv    *http.Server
}

func startProvider(t *testing.T, ln net.Listener, issuer, redirect string, users map[string]string) *provider {
	t.Helper()
	type user struct {
		ID, Username, Password, FirstName, LastName, Email string
		EmailVerified                                      bool
	}
	m := map[string]user{}
	i := 0
	for name, pw := range users {
		i++
		id := "id" + itoa(int64(i))
		m[id] = user{ID: id, Username: name, Password: pw, FirstName: "Cán bộ", LastName: name, Email: name + "@vinh-phuc.gov.vn", EmailVerified: true}
	}
	b, _ := json.Marshal(m)
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := opstorage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := opstorage.NewStorageWithClients(us, map[string]*opstorage.Client{"kyso": opstorage.WebClient("kyso", "kyso-secret", redirect)})
	p := &provider{issuer: issuer, srv: &http.Server{Handler: exampleop.SetupServer(issuer, st, nil, false)}}
	go p.srv.Serve(ln)
	t.Cleanup(func() { p.srv.Close() })
	return p
}

func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

type oidcEnv struct {
	*env
	op *provider
}

func newOIDCEnv(t *testing.T) *oidcEnv {
	opLn, issuer := listen(t)
	kysoLn, kysoURL := listen(t)
	redirect := kysoURL + "/api/v1/auth/oidc/callback"
	head := "lanhdao62"
	op := startProvider(t, opLn, issuer, redirect, map[string]string{head: "mật-khẩu-sso-1", "nguoingoai": "mật-khẩu-sso-2"})
	e := newEnv(t, envOptions{ln: kysoLn, cfg: func(c *Config) {
		c.OIDC = &OIDCConfig{Issuer: issuer, ClientID: "kyso", ClientSecret: "kyso-secret", RedirectURL: redirect}
	}})
	if e.vp.Members[seed.Head].Staff.Username != head {
		t.Fatalf("the seeded head is %s", e.vp.Members[seed.Head].Staff.Username)
	}
	return &oidcEnv{env: e, op: op}
}

// browser follows redirects with a cookie jar, stopping at stop (a path
// on kyso) or at the provider's login page.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/console" || strings.HasPrefix(req.URL.Path, "/api/v1/auth/oidc/callback") && req.URL.Query().Get("stop") != "" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// loginAtProvider submits the provider's login form shown at page.
func loginAtProvider(t *testing.T, b *http.Client, page *url.URL, user, pw string) (*http.Response, error) {
	t.Helper()
	id := page.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("not the provider's login page: %s", page)
	}
	u := *page
	u.RawQuery = ""
	return b.PostForm(u.String(), url.Values{"username": {user}, "password": {pw}, "id": {id}})
}

func TestOIDCLogin(t *testing.T) {
	e := newOIDCEnv(t)
	b := browser(t)
	resp, err := b.Get(e.ts.URL + "/api/v1/auth/oidc/login?next=/console")
	e.must(err)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.String(), e.op.issuer) {
		t.Fatalf("not at the provider: %s", resp.Request.URL)
	}
	resp, err = loginAtProvider(t, b, resp.Request.URL, "lanhdao62", "mật-khẩu-sso-1")
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console" {
		t.Fatalf("callback: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	me, err := b.Get(e.ts.URL + "/api/v1/auth/me")
	e.must(err)
	var info sessionInfo
	json.NewDecoder(me.Body).Decode(&info)
	me.Body.Close()
	if me.StatusCode != 200 || info.Username != "lanhdao62" || info.Via != "oidc" {
		t.Fatalf("me after SSO: %d %+v", me.StatusCode, info)
	}
	// The callback URL cannot be replayed.
	callback := resp.Request.URL.String()
	r2, err := b.Get(callback)
	e.must(err)
	r2.Body.Close()
	if r2.StatusCode != 400 {
		t.Fatalf("replayed callback: %d", r2.StatusCode)
	}
	if evidenceTypes(t, e.env)[EventLogin] == 0 {
		t.Error("no auth.login entry for the SSO login")
	}
}

func TestOIDCRejections(t *testing.T) {
	e := newOIDCEnv(t)
	// An identity without a staff account.
	b := browser(t)
	resp, err := b.Get(e.ts.URL + "/api/v1/auth/oidc/login")
	e.must(err)
	resp.Body.Close()
	resp, err = loginAtProvider(t, b, resp.Request.URL, "nguoingoai", "mật-khẩu-sso-2")
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unknown staff: %d", resp.StatusCode)
	}
	// An unknown state.
	resp, err = b.Get(e.ts.URL + "/api/v1/auth/oidc/callback?code=abc&state=" + randomToken(32))
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("unknown state: %d", resp.StatusCode)
	}
	// The callback delivered to another browser (login CSRF).
	a := browser(t)
	resp, err = a.Get(e.ts.URL + "/api/v1/auth/oidc/login")
	e.must(err)
	resp.Body.Close()
	stopAtCallback := &http.Client{Jar: a.Jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), e.ts.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err = loginAtProvider(t, stopAtCallback, resp.Request.URL, "lanhdao62", "mật-khẩu-sso-1")
	e.must(err)
	resp.Body.Close()
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, e.ts.URL+"/api/v1/auth/oidc/callback") {
		t.Fatalf("expected the redirect to kyso's callback, got %d %s", resp.StatusCode, cb)
	}
	victim := browser(t)
	resp, err = victim.Get(cb)
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("callback in another browser: %d", resp.StatusCode)
	}
	// A nonce that does not match the flow's: the provider is asked with
	// nonce A, the flow expects nonce B (same state, PKCE and browser).
	f := oidcFlow{state: randomToken(32), binding: randomToken(32), nonce: "nonce-B-" + randomToken(8), verifier: oauth2.GenerateVerifier(), next: "/console"}
	e.must(e.srv.saveFlow(e.ctx, f))
	n := browser(t)
	u, _ := url.Parse(e.ts.URL)
	n.Jar.SetCookies(&url.URL{Scheme: "http", Host: u.Host, Path: "/api/v1/auth/oidc/"}, []*http.Cookie{{Name: oidcCookie, Value: f.binding, Path: "/api/v1/auth/oidc/"}})
	authURL := e.srv.oidc.oauth.AuthCodeURL(f.state, oidc.Nonce("nonce-A-"+randomToken(8)), oauth2.S256ChallengeOption(f.verifier))
	resp, err = n.Get(authURL)
	e.must(err)
	resp.Body.Close()
	resp, err = loginAtProvider(t, n, resp.Request.URL, "lanhdao62", "mật-khẩu-sso-1")
	e.must(err)
	var p Problem
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(p.Detail, "nonce") {
		t.Fatalf("nonce mismatch: %d %+v", resp.StatusCode, p)
	}
}

// TestOIDCWrongIssuer: a provider whose discovery names another issuer is
// refused when the server starts.
func TestOIDCWrongIssuer(t *testing.T) {
	ln, url := listen(t)
	startProvider(t, ln, "http://127.0.0.1:1", url+"/cb", map[string]string{"x": "y"}) // claims another issuer
	e := newEnv(t, envOptions{})
	cfg := e.srv.cfg
	cfg.OIDC = &OIDCConfig{Issuer: url, ClientID: "kyso", RedirectURL: "http://127.0.0.1/cb"}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("New with a provider of another issuer: %v", err)
	}
}
