package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// syncBuffer is an io.Writer the test reads while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type served struct {
	url    string
	cancel context.CancelFunc
	done   chan int
	stdout *syncBuffer
	stderr *syncBuffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var servingURL = regexp.MustCompile(`kyso is serving on (http\S+)`)

// startServe runs `kyso serve` in-process until the test ends.
func startServe(t *testing.T, data, pkiAddr string, extra ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	args := append([]string{"--data", data, "serve", "--listen", "127.0.0.1:0", "--pki-addr", pkiAddr, "--grace", "20s"}, extra...)
	go func() {
		s.done <- run(ctx, args, &env{stdin: strings.NewReader(""), stdout: s.stdout, stderr: s.stderr})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("kyso serve did not stop")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingURL.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			t.Fatalf("kyso serve exited with %d: %s", code, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("kyso serve did not start: %s %s", s.stdout.String(), s.stderr.String())
	return nil
}

func TestServeZeroConfig(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, data, freeAddr(t))
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/metrics"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	for _, f := range []string{"kyso.db", "log.key", "pki/pki.json"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("the data directory lacks %s: %v", f, err)
		}
	}
	out := s.stdout.String()
	if !strings.Contains(out, "DEVELOPMENT ONLY") || !strings.Contains(out, "kyso demo") {
		t.Errorf("the banner: %s", out)
	}
	// Logs are JSON lines with request IDs.
	var seen bool
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		var m map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if m["msg"] == "request" && m["request_id"] != "" {
			seen = true
		}
	}
	if !seen {
		t.Error("no request log line with a request ID")
	}
}

func TestServePrintsDemoAccounts(t *testing.T) {
	data := t.TempDir()
	demo := `{"accounts":[{"username":"tiepnhan62","password":"demo-mat-khau","role":"intake","unit":"000.00.31.H62"}],"verification_urls":["http://127.0.0.1:8080/v/abc"]}`
	if err := os.WriteFile(filepath.Join(data, "demo.json"), []byte(demo), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, data, freeAddr(t))
	out := s.stdout.String()
	for _, want := range []string{"tiepnhan62", "demo-mat-khau", "/v/abc"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q: %s", want, out)
		}
	}
}

// TestServeGracefulShutdown: an upload in flight when the server is told
// to stop completes; new connections are refused after.
func TestServeGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, data, freeAddr(t))
	code, secret, stderr := kyso(t, context.Background(), "--data", data, "token", "create", "--portal", "--scope", "verify")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	secret = strings.TrimSpace(secret)
	doc := testpdf.Bytes(testpdf.Options{Pages: 1, ImageBytes: 4 << 20})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/verify", pr)
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("Authorization", "Bearer "+secret)
	type result struct {
		status int
		body   []byte
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: b}
	}()
	half := len(doc) / 2
	if _, err := pw.Write(doc[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is in flight
	s.cancel()                         // SIGINT
	time.Sleep(300 * time.Millisecond) // shutdown has begun
	if resp, err := http.Get(s.url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new request was served during shutdown: %d", resp.StatusCode)
	}
	for off := half; off < len(doc); off += 256 << 10 {
		end := min(off+256<<10, len(doc))
		if _, err := pw.Write(doc[off:end]); err != nil {
			t.Fatalf("the upload was cut: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pw.Close()
	r := <-res
	if r.err != nil || r.status != 200 || !bytes.Contains(r.body, []byte(`"indication"`)) {
		t.Fatalf("the in-flight upload: %d %v %.200s", r.status, r.err, r.body)
	}
	select {
	case code := <-s.done:
		s.done <- code
		if code != 0 {
			t.Fatalf("kyso serve exited with %d: %s", code, s.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kyso serve did not return after shutdown")
	}
	if !strings.Contains(s.stderr.String(), "finishing in-flight requests") {
		t.Error("the shutdown was not logged")
	}
}

// TestServeTwoServersOnePostgres: two kyso serve processes on one
// PostgreSQL and one MinIO behave as one: a login on one is a session on
// the other, a logout on the second ends it on the first.
func TestServeTwoServersOnePostgres(t *testing.T) {
	dbURL := storagetest.PostgresURL(t)
	s3 := storagetest.S3Config(t)
	t.Setenv("KYSO_DATABASE_URL", dbURL)
	t.Setenv("KYSO_S3_ENDPOINT", s3.Endpoint)
	t.Setenv("KYSO_S3_BUCKET", s3.Bucket)
	t.Setenv("KYSO_S3_ACCESS_KEY", s3.AccessKey)
	t.Setenv("KYSO_S3_SECRET_KEY", s3.SecretKey)
	data := t.TempDir()
	pki := freeAddr(t)
	a := startServe(t, data, pki)
	b := startServe(t, data, pki)
	if !strings.Contains(b.stderr.String(), "already served by another process") {
		t.Errorf("the second server did not reuse the first one's PKI responders: %s", b.stderr.String())
	}
	addStaff(t, data)
	resp, err := http.Post(a.url+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"tiepnhan62","password":"mật-khẩu-tiếp-nhận"}`))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "kyso_session" {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil {
		t.Fatalf("login on A: %d", resp.StatusCode)
	}
	call := func(base, method, path string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader("{}"))
		req.AddCookie(cookie)
		req.Header.Set("X-CSRF-Token", info.CSRF)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := call(b.url, "GET", "/api/v1/auth/me"); st != 200 {
		t.Fatalf("the session from A on B: %d", st)
	}
	if st := call(b.url, "POST", "/api/v1/auth/logout"); st != 204 {
		t.Fatalf("logout on B: %d", st)
	}
	if st := call(a.url, "GET", "/api/v1/auth/me"); st != 401 {
		t.Fatalf("the session on A after logout on B: %d", st)
	}
}

// TestServeTLS: with --tls-cert and --tls-key the server speaks HTTPS
// only, and its cookies are Secure.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	s := startServe(t, filepath.Join(dir, "data"), freeAddr(t), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %s", s.url)
	}
	pool := x509.NewCertPool()
	c, _ := x509.ParseCertificate(der)
	pool.AddCert(c)
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := cl.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("https healthz: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + strings.TrimPrefix(s.url, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}
	addStaff(t, filepath.Join(dir, "data"))
	resp, err = cl.Post(s.url+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"tiepnhan62","password":"mật-khẩu-tiếp-nhận"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("login over TLS: %d, cookies %+v", resp.StatusCode, resp.Cookies())
	}
}

// addStaff records a unit and an intake officer tiepnhan62 with a
// password in the data directory's database (the one the environment
// names).
func addStaff(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	st, eng, err := openEngine(ctx, &env{stdout: io.Discard, stderr: io.Discard}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	unit := dossier.Unit{Code: "000.00.31.H62", Name: "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc", Level: dossier.LevelProvince, Kind: dossier.UnitCentre, Profile: "vinh-phuc"}
	if err := eng.AddUnit(ctx, dossier.System, unit); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.AddStaff(ctx, dossier.System, dossier.Staff{Username: "tiepnhan62", FullName: "Nguyễn Văn An", Unit: unit.Code,
		Roles: []dossier.RoleInUnit{{Role: dossier.RoleIntake, Unit: unit.Code}}}); err != nil {
		t.Fatal(err)
	}
	if err := api.SetPassword(ctx, eng, dossier.System, "tiepnhan62", "mật-khẩu-tiếp-nhận"); err != nil {
		t.Fatal(err)
	}
}
