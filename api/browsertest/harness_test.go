package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
)

// password of every seeded staff member in these tests.
const password = "Mật-khẩu-thử-2026!"

// env is a kyso server over a seeded Vĩnh Phúc deployment.
type env struct {
	t     *testing.T
	ctx   context.Context
	eng   *dossier.Engine
	pki   *testpki.PKI
	w     *seed.World
	srv   *api.Server
	ts    *httptest.Server
	keys  string // the server's key directory
	shots string // screenshot folder
	n     int    // screenshots taken
}

func newEnv(t *testing.T, cfg func(*api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := &env{t: t, ctx: ctx}
	st, err := storage.Open(ctx, storage.Config{DataDir: dir, Migrations: append(append(dossier.Migrations(), api.Migrations()...), wire.ArchiveMigrations()...)})
	e.must(err)
	t.Cleanup(func() { st.Close() })
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.test/evidence")
	e.must(err)
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	e.must(err)
	e.pki = testpki.New(t, certs.DevPKIOptions{Now: time.Now().Add(-48 * time.Hour)})
	cals, err := wire.Calendars()
	e.must(err)
	e.eng, err = dossier.New(st, lg, dossier.Options{Calendars: cals, Letters: wire.Letters{},
		Inspector: &wire.Inspector{Trust: e.pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true}})
	e.must(err)
	e.w, err = seed.Build(ctx, e.eng, e.pki.DevPKI, "vinh-phuc", time.Now())
	e.must(err)
	keys := filepath.Join(dir, "keys")
	e.keys = keys
	for _, m := range e.w.Members {
		e.must(keystore.Dir(keys).Store(m.Staff.Username, m.Credential))
		e.must(api.SetPassword(ctx, e.eng, dossier.System, m.Staff.Username, password))
	}
	e.ts = httptest.NewUnstartedServer(nil)
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	c := api.Config{Engine: e.eng, Trust: e.pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true,
		Keys: api.DirKeys(keys), TSA: e.pki.TSA(), PublicURL: e.ts.URL, DevMode: true,
		Auth:   api.AuthConfig{Argon2: api.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if testing.Verbose() {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg != nil {
		cfg(&c)
	}
	e.srv, err = api.New(c)
	e.must(err)
	e.ts.Config.Handler = e.srv.Handler()
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// removeServerKey makes the server hold no key for username (they sign
// with a token).
func removeServerKey(e *env, username string) error {
	for _, ext := range []string{".key", ".crt", ".chain.pem"} {
		if err := os.Remove(filepath.Join(e.keys, username+ext)); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) member(key string) *seed.Member { return e.w.Members[key] }

// chromium is the browser of the tests: Debian's chromium, or the test
// skips (fails under CI).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KYSO_TEST_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return testenv.Tool(t, "chromium")
}

// browser is one headless Chromium with its own empty profile (a new
// user: no cookies, no storage).
type browser struct {
	e   *env
	ctx context.Context
}

func (e *env) browser() *browser {
	e.t.Helper()
	exe := chromium(e.t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(e.t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(e.ctx, opts...)
	e.t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx, chromedp.WithErrorf(func(f string, a ...any) { e.t.Logf("chromedp: "+f, a...) }))
	e.t.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		e.t.Fatalf("starting chromium %s: %v", exe, err)
	}
	return &browser{e: e, ctx: bctx}
}

// run runs actions with a deadline, failing the test with a screenshot.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.e.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + what)
		b.e.t.Fatalf("%s: %v\npage text:\n%s", what, err, b.text())
	}
}

// text is the rendered text of the page (what a person reads).
func (b *browser) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, what, expr string) T {
	b.e.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.shot("failed-" + what)
		b.e.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitNavigated waits, across the navigation, until a page without the
// marker of the previous one is loaded (a page poll cannot survive a
// navigation, so this asks again until it can).
func (b *browser) waitNavigated(what string) {
	b.e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__kysoBefore && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.shot("failed-" + what)
	b.e.t.Fatalf("%s: no new page after 60 s\npage text:\n%s", what, b.text())
}

// poll waits until a JavaScript expression is true in the page.
func (b *browser) poll(what, expr string) {
	b.e.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr)); err != nil {
		b.shot("failed-" + what)
		b.e.t.Fatalf("%s: %v\npage text:\n%s", what, err, b.text())
	}
}

// wantText fails unless the page shows every one of subs.
func (b *browser) wantText(what string, subs ...string) string {
	b.e.t.Helper()
	txt := b.text()
	for _, s := range subs {
		if !strings.Contains(txt, s) {
			b.shot("failed-" + what)
			b.e.t.Fatalf("%s: the page does not show %q; it shows:\n%s", what, s, txt)
		}
	}
	return txt
}

// shot saves a full-page screenshot and logs its path.
func (b *browser) shot(name string) string {
	e := b.e
	if e.shots == "" {
		base := os.Getenv("KYSO_SCREENSHOTS")
		if base == "" {
			base = filepath.Join(os.TempDir(), "kyso-screenshots")
		}
		e.shots = filepath.Join(base, fmt.Sprintf("%s-%s", strings.ReplaceAll(e.t.Name(), "/", "_"), time.Now().Format("20060102-150405")))
		if err := os.MkdirAll(e.shots, 0o755); err != nil {
			e.t.Logf("screenshots: %v", err)
			return ""
		}
	}
	e.n++
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(e.shots, fmt.Sprintf("%02d-%s.png", e.n, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		e.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	e.t.Logf("screenshot: %s", p)
	return p
}

// login logs in through the login form as a new user would.
func (b *browser) login(username string) {
	b.e.t.Helper()
	b.run("login as "+username,
		chromedp.Navigate(b.e.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("#login-form")),
		chromedp.SendKeys(chromedp.ID("#username"), username),
		chromedp.SendKeys(chromedp.ID("#password"), password),
		chromedp.Click(chromedp.ID("#login-submit")),
		chromedp.WaitVisible(chromedp.ID("#who")),
	)
}

// logout logs out through the header's button.
func (b *browser) logout() {
	b.e.t.Helper()
	b.run("logout", chromedp.Click(chromedp.CSS(`#who button`)), chromedp.WaitVisible(chromedp.ID("#login-form")))
}

// submit clicks sel and waits for the next page's ready element.
func (b *browser) submit(what, sel, next string) {
	b.e.t.Helper()
	// Mark the current page, click, and wait for another page to be loaded.
	// The click runs after Evaluate returns, so the navigation it starts
	// does not race with the protocol call.
	b.run(what, chromedp.WaitVisible(chromedp.CSS(sel)))
	eval[bool](b, what, `window.__kysoBefore = true; setTimeout(() => document.querySelector(`+strconv.Quote(sel)+`).click(), 0); true`)
	b.waitNavigated(what)
	b.run(what, chromedp.WaitReady(chromedp.CSS(next)))
}

// nodeCount counts the nodes matching sel.
func (b *browser) count(sel string) int {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		return 0
	}
	return len(nodes)
}

// a4Scan is an A4 colour page at 300 dpi (2480×3508, recognised by its
// shape) with lines of "text" in blue, different per seed.
func a4Scan(t testing.TB, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2480, 3508))
	for i := range img.Pix {
		img.Pix[i] = 246
	}
	for y := 300 + seed*20; y < 3100; y += 70 {
		for x := 280; x < 2200-(y*seed)%600; x++ {
			for dy := 0; dy < 6; dy++ {
				img.SetRGBA(x, y+dy, color.RGBA{25, 40, 120, 255})
			}
		}
	}
	for x := 1700; x < 2100; x++ { // a red "seal"
		for y := 2700; y < 3100; y++ {
			if (x-1900)*(x-1900)+(y-2900)*(y-2900) < 190*190 && (x-1900)*(x-1900)+(y-2900)*(y-2900) > 160*160 {
				img.SetRGBA(x, y, color.RGBA{200, 20, 30, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFiles writes named test files into a folder and returns their paths.
func writeFiles(t *testing.T, files map[string][]byte, order []string) []string {
	dir := t.TempDir()
	var out []string
	for _, n := range order {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// get fetches a URL without the browser (for assertions on bytes).
func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

var _ = exec.LookPath
