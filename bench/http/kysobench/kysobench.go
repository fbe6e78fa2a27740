// Package kysobench is what the HTTP benchmarks of the API share
// (bench/http/sign, bench/http/upload): a seeded data directory, a real
// `kyso serve` in its own process on loopback, and a bounded Go load
// generator reporting throughput and latency percentiles.
package kysobench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
)

// Site is a seeded data directory.
type Site struct {
	Data    string
	PKIAddr string
	PKI     *certs.DevPKI
	World   *seed.World
	Store   *storage.Store
	Engine  *dossier.Engine
}

// FreeAddr returns a free loopback address.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// NewSite makes a data directory with a development PKI (responders at a
// free port, served later by kyso serve), the Vĩnh Phúc seed and its
// staff keys (RSA-2048, as seed issues them) in DATA/keys.
func NewSite(ctx context.Context, dir string) (*Site, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	s := &Site{Data: dir, PKIAddr: addr}
	if s.PKI, err = certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{BaseURL: "http://" + addr,
		Now: time.Now().Add(-48 * time.Hour)}); err != nil {
		return nil, err
	}
	// KYSO_DATABASE_URL and KYSO_S3_* (inherited by kyso serve) select
	// PostgreSQL and S3 as in production.
	sc := storage.Config{DataDir: dir, DatabaseURL: os.Getenv("KYSO_DATABASE_URL"), Migrations: append(dossier.Migrations(), api.Migrations()...)}
	if ep := os.Getenv("KYSO_S3_ENDPOINT"); ep != "" {
		sc.S3 = &storage.S3Config{Endpoint: ep, Bucket: os.Getenv("KYSO_S3_BUCKET"), AccessKey: os.Getenv("KYSO_S3_ACCESS_KEY"), SecretKey: os.Getenv("KYSO_S3_SECRET_KEY")}
	}
	if s.Store, err = storage.Open(ctx, sc); err != nil {
		return nil, err
	}
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "")
	if err != nil {
		return nil, err
	}
	lg, err := evidence.New(s.Store.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		return nil, err
	}
	if s.Engine, err = dossier.New(s.Store, lg, dossier.Options{Calendars: func(string) (dossier.Calendar, error) { return allDay{}, nil },
		Inspector: &wire.Inspector{Trust: s.PKI.TrustStore()}}); err != nil {
		return nil, err
	}
	if s.World, err = seed.Build(ctx, s.Engine, s.PKI, "vinh-phuc", time.Now()); err != nil {
		return nil, err
	}
	for _, m := range s.World.Members {
		if err := keystore.Dir(filepath.Join(dir, "keys")).Store(m.Staff.Username, m.Credential); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close closes the site's store (before kyso serve uses it).
func (s *Site) Close() error { return s.Store.Close() }

// Token makes an API token for a member (by seed key).
func (s *Site) Token(ctx context.Context, key string, scopes ...string) (string, error) {
	secret, _, err := api.CreateToken(ctx, s.Engine, dossier.System, api.TokenRequest{Name: "bench " + key, Scopes: scopes,
		Username: s.World.Members[key].Staff.Username}, time.Now())
	return secret, err
}

// allDay counts every hour as working time (deadlines do not matter here).
type allDay struct{}

func (allDay) DayLength() time.Duration { return 24 * time.Hour }
func (allDay) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	return t.Add(d), nil
}
func (allDay) WorkingTimeBetween(a, b time.Time) (time.Duration, error) { return b.Sub(a), nil }
func (allDay) IntakeDeadline(t time.Time) (time.Time, error)            { return t.Add(time.Hour), nil }

// Server is kyso serve running in a child process.
type Server struct {
	URL string
	cmd *exec.Cmd
	log *os.File
}

// BuildKyso builds the kyso binary into dir.
func BuildKyso(dir string) (string, error) {
	bin := filepath.Join(dir, "kyso")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kyso")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kyso (run from the repository root): %w", err)
	}
	return bin, nil
}

// Start runs `kyso --data DATA serve` on a free loopback port and waits
// until /readyz answers.
func Start(bin, data string, extra ...string) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(data, "serve.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"--data", data, "serve", "--listen", addr}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, logf
	cmd.Env = append(os.Environ(), "KYSO_LOG_LEVEL="+envOr("KYSO_BENCH_LOG_LEVEL", "warn"))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, log: logf}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
	}
	s.Stop()
	return nil, errors.New("kyso serve did not become ready (see DATA/serve.log)")
}

// Stop interrupts the server and waits for it.
func (s *Server) Stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
	}
	s.log.Close()
	if keep := os.Getenv("KYSO_BENCH_SERVE_LOG"); keep != "" {
		if b, err := os.ReadFile(s.log.Name()); err == nil {
			os.WriteFile(keep, b, 0o644)
		}
	}
}

// CPU is the server process's CPU time so far (user + system), from
// /proc: under a busy machine, CPU per request is the figure that does
// not depend on what else runs.
func (s *Server) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (in parentheses): utime is the 12th, stime the 13th.
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(string(f[11]), &ut)
	fmt.Sscan(string(f[12]), &st)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

// LoadAverage is the machine's 1-minute load average.
func LoadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := bytes.Fields(b)
	if len(f) == 0 {
		return "?"
	}
	return string(f[0])
}

// Result is one load run.
type Result struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P99, Max    time.Duration
	FirstError       string
	ServerCPU        time.Duration // of the server process during the run (set by the caller)
}

// Throughput is successful requests per second.
func (r Result) Throughput() float64 { return float64(r.Requests-r.Errors) / r.Elapsed.Seconds() }

func (r Result) String() string {
	s := fmt.Sprintf("%d requests (%d errors) in %s: %.1f/s, p50 %s, p99 %s, max %s", r.Requests, r.Errors,
		r.Elapsed.Round(time.Millisecond), r.Throughput(), r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(time.Millisecond))
	if ok := r.Requests - r.Errors; r.ServerCPU > 0 && ok > 0 {
		per := r.ServerCPU / time.Duration(ok)
		s += fmt.Sprintf("; server CPU %s per request (ceiling on 2 idle cores ≈ %.0f/s)", per.Round(100*time.Microsecond), 2/per.Seconds())
	}
	if r.FirstError != "" {
		s += "; first error: " + r.FirstError
	}
	return s
}

// Load calls do(i) from workers goroutines for i in [0, n), stopping
// early after d; a non-nil error counts as a failed request.
func Load(workers, n int, d time.Duration, do func(i int) error) Result {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var first string
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || time.Now().After(deadline) {
					return
				}
				t := time.Now()
				err := do(i)
				el := time.Since(t)
				mu.Lock()
				lat = append(lat, el)
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r := Result{Requests: len(lat), Errors: errs, Elapsed: time.Since(start), FirstError: first}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.P50, r.P99, r.Max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}
	return r
}

// Client is a keep-alive HTTP client for the load.
func Client(workers int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
}

// Do sends one request and checks its status.
func Do(c *http.Client, method, url, token, ctype string, body []byte, want int) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%d %.200s", resp.StatusCode, b)
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
