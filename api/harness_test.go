package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

var ict = time.FixedZone("ICT", 7*3600)

// weekdays is a working-time calendar for tests: every day 00:00–24:00
// counts, so deadlines do not depend on when the test runs (the real
// calendar is dossier/calendar; the engine's rules are tested there and
// in package dossier).
type weekdays struct{}

func (weekdays) DayLength() time.Duration { return 24 * time.Hour }
func (weekdays) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	return t.Add(d), nil
}
func (weekdays) WorkingTimeBetween(a, b time.Time) (time.Duration, error) { return b.Sub(a), nil }
func (weekdays) IntakeDeadline(t time.Time) (time.Time, error)            { return t.Add(time.Hour), nil }
func calendars(string) (dossier.Calendar, error)                          { return weekdays{}, nil }
func (stubLetters) Render(ctx context.Context, l *dossier.Letter) (*dossier.RenderedLetter, error) {
	return &dossier.RenderedLetter{PDF: testpdf.Bytes(testpdf.Options{Pages: 1}), Page: 1, X: 300, Y: 80, Width: 250, Height: 90,
		Title: "Phiếu xin lỗi và hẹn lại ngày trả kết quả"}, nil
}

// stubLetters renders a one-page PDF (the real forms are dossier/forms).
type stubLetters struct{}

// env is a kyso server on real storage, a real evidence log and a served
// development PKI, seeded with two provinces: vp (the dossiers' own
// units) and cb (staff of other units).
type env struct {
	t      *testing.T
	ctx    context.Context
	store  *storage.Store
	log    *evidence.Log
	eng    *dossier.Engine
	pki    *testpki.PKI
	srv    *Server
	ts     *httptest.Server
	vp, cb *seed.World
	keys   string
}

type envOptions struct {
	backend string // sqlite (default) or postgres (with MinIO)
	auth    AuthConfig
	cfg     func(*Config)
	ln      net.Listener // serve on this listener (its URL known in advance)
}

// golden is a seeded SQLite data directory made once per test binary
// (seeding issues some 30 RSA certificates, seconds of work): every
// SQLite env starts from a copy of it. PostgreSQL envs seed afresh.
var golden struct {
	once   sync.Once
	dir    string
	pki    *testpki.PKI
	vp, cb *seed.World
	err    error
}

func buildGolden() {
	g := &golden
	g.dir, g.err = os.MkdirTemp("", "kyso-api-golden-")
	if g.err != nil {
		return
	}
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	p, err := certs.InitDevPKI(filepath.Join(g.dir, "pki"), certs.DevPKIOptions{BaseURL: srv.URL, Now: time.Now().Add(-48 * time.Hour)})
	if err != nil {
		g.err = err
		return
	}
	h.Store(http.Handler(certs.NewResponder(p)))
	g.pki = &testpki.PKI{DevPKI: p, Server: srv}
	ctx := context.Background()
	st, lg, eng, err := openEnvStore(ctx, storage.Config{DataDir: filepath.Join(g.dir, "data")}, g.pki)
	if err != nil {
		g.err = err
		return
	}
	defer st.Close()
	_ = lg
	if g.vp, g.err = seed.Build(ctx, eng, p, "vinh-phuc", time.Now()); g.err != nil {
		return
	}
	if g.cb, g.err = seed.Build(ctx, eng, p, "cao-bang", time.Now()); g.err != nil {
		return
	}
	for _, w := range []*seed.World{g.vp, g.cb} {
		for _, m := range w.Members {
			if g.err = keystore.Dir(filepath.Join(g.dir, "data", "keys")).Store(m.Staff.Username, m.Credential); g.err != nil {
				return
			}
		}
	}
}

func openEnvStore(ctx context.Context, sc storage.Config, pki *testpki.PKI) (*storage.Store, *evidence.Log, *dossier.Engine, error) {
	sc.Migrations = append(append(dossier.Migrations(), Migrations()...), wire.ArchiveMigrations()...)
	st, err := storage.Open(ctx, sc)
	if err != nil {
		return nil, nil, nil, err
	}
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(sc.DataDir, "log.key"), "kyso.test/evidence")
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	eng, err := dossier.New(st, lg, dossier.Options{Calendars: calendars, Letters: stubLetters{},
		Inspector: &wire.Inspector{Trust: pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true, PDF: PDFLimits(),
			HTTPClient: RevocationClient(nil, time.Minute)}})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return st, lg, eng, nil
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := &env{t: t, ctx: ctx, keys: filepath.Join(dir, "keys")}
	var err error
	if o.backend == "postgres" {
		sc := storage.Config{DataDir: dir, DatabaseURL: storagetest.PostgresURL(t)}
		s3 := storagetest.S3Config(t)
		sc.S3 = &s3
		e.pki = testpki.New(t, certs.DevPKIOptions{Now: time.Now().Add(-48 * time.Hour)})
		if e.store, e.log, e.eng, err = openEnvStore(ctx, sc, e.pki); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.store.Close() })
		if e.vp, err = seed.Build(ctx, e.eng, e.pki.DevPKI, "vinh-phuc", time.Now()); err != nil {
			t.Fatal(err)
		}
		if e.cb, err = seed.Build(ctx, e.eng, e.pki.DevPKI, "cao-bang", time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, w := range []*seed.World{e.vp, e.cb} {
			for _, m := range w.Members {
				e.must(keystore.Dir(e.keys).Store(m.Staff.Username, m.Credential))
			}
		}
	} else {
		golden.once.Do(buildGolden)
		if golden.err != nil {
			t.Fatal(golden.err)
		}
		if err := os.CopyFS(dir, os.DirFS(filepath.Join(golden.dir, "data"))); err != nil {
			t.Fatal(err)
		}
		e.pki, e.vp, e.cb = golden.pki, golden.vp, golden.cb
		if e.store, e.log, e.eng, err = openEnvStore(ctx, storage.Config{DataDir: dir}, e.pki); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.store.Close() })
	}
	auth := o.auth
	if auth.Argon2.Memory == 0 {
		auth.Argon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} // fast in tests
	}
	cfg := Config{Engine: e.eng, Trust: e.pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true, HTTPClient: RevocationClient(nil, time.Minute),
		Keys: DirKeys(e.keys), TSA: e.pki.TSA(), Auth: auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	if e.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	e.srv.loginLimit = NewLimiter("login", 1000, 1000)
	e.ts = httptest.NewUnstartedServer(e.srv.Handler())
	if o.ln != nil {
		e.ts.Listener.Close()
		e.ts.Listener = o.ln
	}
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// client is how a test calls the API: anonymous, with a session (cookie
// and CSRF token) or with an API token.
type client struct {
	e      *env
	cookie string
	csrf   string
	token  string
	name   string
}

func (e *env) anonymous() *client { return &client{e: e, name: "anonymous"} }

// session logs username in through the real login path (no HTTP round trip).
func (e *env) session(username string) *client {
	e.t.Helper()
	st, err := e.eng.Staff(e.ctx, username)
	e.must(err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	e.must(e.srv.startSession(e.ctx, rec, req, &st, "password", ""))
	c := &client{e: e, cookie: setCookieValue(rec, sessionCookie), name: username}
	p, err := e.srv.sessionPrincipal(e.ctx, c.cookie)
	e.must(err)
	c.csrf = p.CSRF
	return c
}

func (e *env) member(w *seed.World, key string) *seed.Member { return w.Members[key] }

// tokenFor makes an API token bound to username (or the portal when "").
func (e *env) tokenFor(username string, scopes ...string) *client {
	e.t.Helper()
	secret, _, err := CreateToken(e.ctx, e.eng, dossier.System, TokenRequest{Name: "test " + username, Scopes: scopes,
		Username: username, Portal: username == ""}, time.Now())
	e.must(err)
	return &client{e: e, token: secret, name: "token:" + username + fmt.Sprint(scopes)}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r response) problem(t *testing.T) Problem {
	t.Helper()
	var p Problem
	r.json(t, &p)
	return p
}

func (c *client) do(method, path string, body io.Reader, ctype string, hdr map[string]string) response {
	c.e.t.Helper()
	req, err := http.NewRequestWithContext(c.e.ctx, method, c.e.ts.URL+path, body)
	c.e.must(err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
		if c.csrf != "" {
			req.Header.Set(csrfHeader, c.csrf)
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	c.e.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	c.e.must(err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, "", nil) }

func (c *client) post(path string, v any) response {
	c.e.t.Helper()
	if v == nil {
		v = struct{}{}
	}
	b, err := json.Marshal(v)
	c.e.must(err)
	return c.do(http.MethodPost, path, bytes.NewReader(b), "application/json", nil)
}

func (c *client) del(path string) response { return c.do(http.MethodDelete, path, nil, "", nil) }

// multipartBody is an upload: the metadata part, then file parts.
func multipartBody(t *testing.T, meta any, files ...[]byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	pw, _ := mw.CreatePart(h)
	json.NewEncoder(pw).Encode(meta)
	for i, f := range files {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("scan-%d.pdf", i+1))
		fw.Write(f)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func (c *client) upload(path string, meta any, files ...[]byte) response {
	c.e.t.Helper()
	body, ct := multipartBody(c.e.t, meta, files...)
	return c.do(http.MethodPost, path, body, ct, nil)
}

func pdfBytes() []byte { return testpdf.Bytes(testpdf.Options{Pages: 1}) }

// Fixtures: dossiers of vp in a given state, made through the engine.

func (e *env) actor(key string) dossier.Actor { return e.vp.Members[key].Actor }

func (e *env) deskDossier() *dossier.Dossier {
	e.t.Helper()
	d, err := e.eng.Submit(e.ctx, e.actor(seed.Intake), dossier.Application{Unit: e.vp.Units[seed.Centre].Code, Procedure: "1.001612",
		Level: 2, Channel: dossier.ChannelDesk, Applicant: e.vp.Applicant})
	e.must(err)
	return d
}

func (e *env) onlineDossier() *dossier.Dossier {
	e.t.Helper()
	d, err := e.eng.Submit(e.ctx, e.vp.Citizen, dossier.Application{Unit: e.vp.Units[seed.Centre].Code, Procedure: "1.001612",
		Level: 3, Channel: dossier.ChannelOnline, Applicant: e.vp.Applicant})
	e.must(err)
	return d
}

func (e *env) accepted() *dossier.Dossier {
	e.t.Helper()
	d := e.deskDossier()
	d, err := e.eng.Accept(e.ctx, d.Code, e.actor(seed.Intake), "Hồ sơ hợp lệ")
	e.must(err)
	return d
}

func (e *env) processing() *dossier.Dossier {
	e.t.Helper()
	d := e.accepted()
	d, err := e.eng.Transfer(e.ctx, d.Code, e.actor(seed.Intake), e.vp.Units[seed.Agency].Code, 0)
	e.must(err)
	return d
}

func (e *env) supplementRequested() *dossier.Dossier {
	e.t.Helper()
	d := e.processing()
	d, err := e.eng.RequestSupplement(e.ctx, d.Code, e.actor(seed.Specialist), dossier.SupplementRequest{Items: []string{"Bản sao CCCD"}})
	e.must(err)
	return d
}

// result adds an unsigned result to a processing dossier.
func (e *env) result(d *dossier.Dossier) *dossier.DocumentVersion {
	e.t.Helper()
	v, err := e.eng.AddDocument(e.ctx, d.Code, e.actor(seed.Specialist), dossier.DocumentInput{Role: dossier.DocResult,
		Source: dossier.SourceIssued, Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: bytes.NewReader(pdfBytes())})
	e.must(err)
	return v
}

func (e *env) signAs(d *dossier.Dossier, key string, lineage int64) *dossier.DocumentVersion {
	e.t.Helper()
	m := e.vp.Members[key]
	var ap *signer.Appearance
	if key == seed.Head {
		ap = &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90}, Name: m.Staff.FullName}
	}
	v, err := wire.SignVersion(e.ctx, e.eng, d.Code, m.Actor, lineage, &signer.Options{Credential: m.Credential, Level: signer.LevelBT,
		TSA: e.pki.TSA(), Appearance: ap})
	e.must(err)
	return v
}

// signedResult is a processing dossier whose result the head and the
// seal keeper signed (not yet recorded).
func (e *env) signedResult() (*dossier.Dossier, *dossier.DocumentVersion) {
	e.t.Helper()
	d := e.processing()
	v := e.result(d)
	e.signAs(d, seed.Head, v.Lineage)
	return d, e.signAs(d, seed.Seal, v.Lineage)
}

func (e *env) resultSigned() *dossier.Dossier {
	e.t.Helper()
	d, v := e.signedResult()
	d, err := e.eng.RecordResult(e.ctx, d.Code, e.actor(seed.Specialist), v.Lineage)
	e.must(err)
	return d
}

func (e *env) ready(paid bool) *dossier.Dossier {
	e.t.Helper()
	d := e.resultSigned()
	d, err := e.eng.ReadyForReturn(e.ctx, d.Code, e.actor(seed.Seal))
	e.must(err)
	if paid {
		d, err = e.eng.PayFee(e.ctx, d.Code, e.actor(seed.Intake), 100000, "BL-1")
		e.must(err)
	}
	return d
}

// component adds an unsigned desk scan to d.
func (e *env) component(d *dossier.Dossier) *dossier.DocumentVersion {
	e.t.Helper()
	v, err := e.eng.AddDocument(e.ctx, d.Code, e.actor(seed.Intake), dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceDesk, Component: "TP1",
		Title: "Giấy đề nghị đăng ký hộ kinh doanh", Body: bytes.NewReader(pdfBytes())})
	e.must(err)
	return v
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestMain(m *testing.M) {
	code := m.Run()
	if golden.dir != "" {
		os.RemoveAll(golden.dir)
	}
	if golden.pki != nil {
		golden.pki.Server.Close()
	}
	os.Exit(code)
}
