package evidence_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// writerEnv switches the test binary into a writer process (see TestMain).
const writerEnv = "KYSO_EVIDENCE_TEST_WRITER"

type writerConfig struct {
	Store storage.Config
	Key   string
	Count int    // 0: until killed
	Tag   string // distinguishes the writers' documents
}

func TestMain(m *testing.M) {
	if v := os.Getenv(writerEnv); v != "" {
		os.Exit(writer(v))
	}
	os.Exit(m.Run())
}

// writer ingests documents and prints "ACK id sha256 index" once each
// transaction has committed.
func writer(cfgJSON string) int {
	var cfg writerConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	s, err := storage.Open(ctx, cfg.Store)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	signer, vkey, err := evidence.LoadOrCreateKey(cfg.Key, "kyso.test/evidence")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; cfg.Count == 0 || i < cfg.Count; i++ {
		body := make([]byte, 1024+i%4096)
		rand.Read(body)
		copy(body, fmt.Sprintf("%%PDF-1.7 %s %d ", cfg.Tag, i))
		d, idx, err := l.Ingest(ctx, s, bytes.NewReader(body), storage.DocumentMeta{MediaType: "application/pdf",
			Name: fmt.Sprintf("%s-%d.pdf", cfg.Tag, i), Source: "upload", Dossier: cfg.Tag}, "writer")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(out, "ACK %d %s %d\n", d.ID, d.SHA256, idx)
		out.Flush()
	}
	return 0
}

type ack struct {
	id    int64
	sum   storage.Sum
	index uint64
}

func startWriter(t *testing.T, cfg writerConfig) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	b, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), writerEnv+"="+string(b))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, bufio.NewScanner(stdout), &stderr
}

func parseAck(t *testing.T, line string) ack {
	var a ack
	var sum string
	if _, err := fmt.Sscanf(line, "ACK %d %s %d", &a.id, &sum, &a.index); err != nil {
		t.Fatalf("writer said %q: %v", line, err)
	}
	a.sum, _ = storage.ParseSum(sum)
	return a
}

func randomDuration(lo, hi time.Duration) time.Duration {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(hi-lo)))
	return lo + time.Duration(n.Int64())
}

// checkState opens the stores as a restarted kyso would and checks that
// every acknowledged ingest is complete and readable, every document row
// has its bytes and its log entry, and the log verifies.
func checkState(t *testing.T, cfg writerConfig, acks []ack) {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	signer, vkey, err := evidence.LoadOrCreateKey(cfg.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	res, err := l.Verify(ctx)
	if err != nil {
		t.Fatalf("after kill: %v", err)
	}
	var docs []storage.Document
	err = s.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		docs, err = tx.DocumentsOfDossier(ctx, cfg.Tag)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]storage.Document{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	for _, a := range acks {
		d, ok := byID[a.id]
		if !ok || d.SHA256 != a.sum {
			t.Fatalf("acknowledged document %d (%s) lost: %+v", a.id, a.sum, d)
		}
		e, err := l.Entry(ctx, a.index)
		if err != nil || e.Subject.Document != a.id || e.Subject.SHA256 != a.sum.String() {
			t.Fatalf("entry %d of document %d: %+v, %v", a.index, a.id, e.Subject, err)
		}
	}
	// Nothing half-visible: each row has its entry and its bytes.
	entries := map[int64]bool{}
	for i := range res.Entries {
		e, err := l.Entry(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if e.Subject.Dossier == cfg.Tag {
			entries[e.Subject.Document] = true
		}
	}
	for _, d := range docs {
		if !entries[d.ID] {
			t.Fatalf("document %d has no log entry", d.ID)
		}
		rc, err := s.Objects.Open(ctx, d.SHA256)
		if err != nil {
			t.Fatalf("document %d: %v", d.ID, err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("document %d: %v", d.ID, err)
		}
	}
	if len(entries) != len(docs) {
		t.Fatalf("%d entries for %d documents", len(entries), len(docs))
	}
}

// TestKill9 kills a writer with SIGKILL at 20 random points during a burst
// of ingests, on the embedded stores and on PostgreSQL + MinIO.
func TestKill9(t *testing.T) {
	backends := map[string]func(t *testing.T) storage.Config{
		"sqlite+filesystem": func(t *testing.T) storage.Config { return storage.Config{DataDir: t.TempDir()} },
		"postgres+s3": func(t *testing.T) storage.Config {
			s3 := storagetest.S3Config(t)
			return storage.Config{DataDir: t.TempDir(), DatabaseURL: storagetest.PostgresURL(t), S3: &s3}
		},
	}
	for name, mk := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := writerConfig{Store: mk(t), Key: filepath.Join(t.TempDir(), "log.key"), Tag: "kill9"}
			var acks []ack
			for round := range 20 {
				cmd, sc, stderr := startWriter(t, cfg)
				// Let it get going: wait for its first acknowledgement, then
				// kill it somewhere in the middle of the following ingests.
				lines := make(chan string, 1024)
				go func() {
					for sc.Scan() {
						lines <- sc.Text()
					}
					close(lines)
				}()
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("round %d: writer died: %s", round, stderr)
					}
					acks = append(acks, parseAck(t, l))
				case <-time.After(30 * time.Second):
					t.Fatalf("round %d: no acknowledgement: %s", round, stderr)
				}
				time.Sleep(randomDuration(time.Millisecond, 60*time.Millisecond))
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				for l := range lines {
					acks = append(acks, parseAck(t, l))
				}
			}
			t.Logf("%d acknowledged ingests across 20 kills", len(acks))
			checkState(t, cfg, acks)
		})
	}
}

// TestTwoProcessesOneLog runs two writer processes against the same
// PostgreSQL and MinIO.
func TestTwoProcessesOneLog(t *testing.T) {
	s3 := storagetest.S3Config(t)
	store := storage.Config{DataDir: t.TempDir(), DatabaseURL: storagetest.PostgresURL(t), S3: &s3}
	key := filepath.Join(t.TempDir(), "log.key")
	if _, _, err := evidence.LoadOrCreateKey(key, "kyso.test/evidence"); err != nil {
		t.Fatal(err)
	}
	if s, err := storage.Open(context.Background(), store); err != nil { // migrate once up front
		t.Fatal(err)
	} else {
		s.Close()
	}
	type result struct {
		acks []ack
		err  error
	}
	done := make(chan result, 2)
	for _, tag := range []string{"proc-a", "proc-b"} {
		cmd, sc, stderr := startWriter(t, writerConfig{Store: store, Key: key, Count: 60, Tag: tag})
		go func() {
			var r result
			for sc.Scan() {
				r.acks = append(r.acks, parseAck(t, sc.Text()))
			}
			if err := cmd.Wait(); err != nil {
				r.err = fmt.Errorf("%s: %v: %s", tag, err, stderr)
			}
			done <- r
		}()
	}
	seen := map[uint64]bool{}
	for range 2 {
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, a := range r.acks {
			if seen[a.index] {
				t.Fatalf("index %d acknowledged twice", a.index)
			}
			seen[a.index] = true
		}
	}
	s, err := storage.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(key, "")
	l, _ := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	res, err := l.Verify(context.Background())
	if err != nil || res.Entries != 120 || len(seen) != 120 {
		t.Fatalf("Verify = %+v, %v; %d distinct indexes", res, err, len(seen))
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// privateMinIO is a MinIO server of one test, which it may stop and start.
type privateMinIO struct {
	bin, dir, addr, user, pass string
	cmd                        *exec.Cmd
}

func (m *privateMinIO) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command(m.bin, "server", "--quiet", "--address", m.addr, m.dir)
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.user, "MINIO_ROOT_PASSWORD="+m.pass,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on")
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 300 {
		if resp, err := http.Get("http://" + m.addr + "/minio/health/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("private MinIO at %s did not come up", m.addr)
}

func (m *privateMinIO) stop() {
	if m.cmd != nil && m.cmd.ProcessState == nil {
		m.cmd.Process.Signal(syscall.SIGTERM)
		m.cmd.Wait()
	}
}

// burst ingests distinct documents of dossier tag from 4 goroutines
// until stop is closed, and reports what was acknowledged and what failed.
type burstResult struct {
	acks   []ack
	failed map[storage.Sum]error
}

func burst(l *evidence.Log, s *storage.Store, tag string, stop <-chan struct{}) <-chan burstResult {
	out := make(chan burstResult, 1)
	var mu sync.Mutex
	res := burstResult{failed: map[storage.Sum]error{}}
	go func() {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := []byte(fmt.Sprintf("%%PDF-1.7 %s %d %d %s", tag, w, i, time.Now()))
					d, idx, err := l.Ingest(context.Background(), s, bytes.NewReader(body),
						storage.DocumentMeta{MediaType: "application/pdf", Source: "upload", Dossier: tag}, "fault-test")
					mu.Lock()
					if err != nil {
						res.failed[storage.SumOf(body)] = err
					} else {
						res.acks = append(res.acks, ack{id: d.ID, sum: d.SHA256, index: idx})
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(20 * time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		out <- res
	}()
	return out
}

// runBurst runs a burst for as long as during takes.
func runBurst(t *testing.T, l *evidence.Log, s *storage.Store, tag string, during func()) burstResult {
	t.Helper()
	stop := make(chan struct{})
	done := burst(l, s, tag, stop)
	during()
	close(stop)
	return <-done
}

// TestMinIOStopAndRestart stops MinIO in the middle of a burst of
// ingests (PostgreSQL metadata): the ingests that fail name the store and
// leave no rows, the acknowledged ones are complete; after MinIO restarts,
// ingests succeed again without repair.
func TestMinIOStopAndRestart(t *testing.T) {
	env := testenv.S3(t)
	m := &privateMinIO{bin: env.MinioBin, dir: t.TempDir(), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		user: "kysofault", pass: "kysofaultsecret"}
	m.start(t)
	t.Cleanup(m.stop)
	cfg := writerConfig{Store: storage.Config{DataDir: t.TempDir(), DatabaseURL: storagetest.PostgresURL(t),
		S3: &storage.S3Config{Endpoint: m.addr, Bucket: "fault", AccessKey: m.user, SecretKey: m.pass, TempDir: t.TempDir()}},
		Key: filepath.Join(t.TempDir(), "log.key"), Tag: "minio-fault"}
	ctx := context.Background()
	s, err := storage.Open(ctx, cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(cfg.Key, "kyso.test/evidence")
	l, _ := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})

	res := runBurst(t, l, s, cfg.Tag, func() {
		time.Sleep(300 * time.Millisecond)
		m.stop() // mid-burst
		time.Sleep(700 * time.Millisecond)
	})
	if len(res.acks) == 0 || len(res.failed) == 0 {
		t.Fatalf("%d acknowledged, %d failed: the burst did not straddle the stop", len(res.acks), len(res.failed))
	}
	for sum, err := range res.failed {
		if !strings.Contains(err.Error(), "s3 "+m.addr+"/fault") || !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("ingest with MinIO down: %v; want an error naming the store", err)
		}
		var ds []storage.Document
		s.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			ds, err = tx.DocumentsBySum(ctx, sum)
			return err
		})
		if len(ds) != 0 {
			t.Fatalf("a failed ingest left rows: %+v", ds)
		}
	}
	t.Logf("MinIO stopped mid-burst: %d acknowledged, %d failed", len(res.acks), len(res.failed))

	m.start(t)
	after := runBurst(t, l, s, cfg.Tag, func() { time.Sleep(500 * time.Millisecond) })
	if len(after.failed) != 0 || len(after.acks) == 0 {
		for _, err := range after.failed {
			t.Fatalf("after the restart: %d acknowledged, %d failed: %v", len(after.acks), len(after.failed), err)
		}
		t.Fatal("no ingest after the restart")
	}
	checkState(t, cfg, append(res.acks, after.acks...))
}

// privatePostgres runs a throw-away PostgreSQL cluster as the postgres user.
type privatePostgres struct {
	dir  string
	port int
}

func (p *privatePostgres) pgctl(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", p.dir + "/data", "-w", "-t", "60"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %v: %v\n%s", args, err, out)
	}
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/initdb"); err != nil {
		if testenv.Required() {
			t.Fatal("PostgreSQL 15 binaries are missing: run ./scripts/test")
		}
		t.Skip("PostgreSQL 15 binaries are missing")
	}
	// Not under TMPDIR: ./scripts/test makes that 0700, and the cluster runs
	// as the postgres user, which must be able to reach it.
	dir, err := os.MkdirTemp("/tmp", "kyso-pg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	exec.Command("chown", "postgres", dir).Run()
	p := &privatePostgres{dir: dir, port: freePort(t)}
	out, err := exec.Command("runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/initdb", "-D", dir+"/data",
		"-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput()
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start(t)
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", dir+"/data", "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	return p
}

func (p *privatePostgres) start(t *testing.T) {
	p.pgctl(t, "-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, p.dir), "-l", p.dir+"/log", "start")
}

func (p *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// TestPostgresRestart restarts PostgreSQL in the middle of a burst of
// ingests: the ingests that fail name the database, the acknowledged ones
// are complete, the log verifies, and once it is back the pool's broken
// connections are replaced without any ingest failing.
func TestPostgresRestart(t *testing.T) {
	p := startPrivatePostgres(t)
	cfg := writerConfig{Store: storage.Config{DataDir: t.TempDir(), DatabaseURL: p.url()},
		Key: filepath.Join(t.TempDir(), "log.key"), Tag: "pg-fault"}
	ctx := context.Background()
	s, err := storage.Open(ctx, cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(cfg.Key, "kyso.test/evidence")
	l, _ := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})

	res := runBurst(t, l, s, cfg.Tag, func() {
		time.Sleep(300 * time.Millisecond)
		p.pgctl(t, "-m", "fast", "stop") // mid-burst
		time.Sleep(2 * time.Second)      // longer than the retries of a transaction
	})
	if len(res.acks) == 0 || len(res.failed) == 0 {
		t.Fatalf("%d acknowledged, %d failed: the burst did not straddle the stop", len(res.acks), len(res.failed))
	}
	for _, err := range res.failed {
		if !strings.Contains(err.Error(), fmt.Sprintf("postgres 127.0.0.1:%d/postgres", p.port)) {
			t.Fatalf("ingest with PostgreSQL down: %v; want an error naming the database", err)
		}
	}
	t.Logf("PostgreSQL stopped mid-burst: %d acknowledged, %d failed", len(res.acks), len(res.failed))

	p.start(t)
	after := runBurst(t, l, s, cfg.Tag, func() { time.Sleep(time.Second) })
	if len(after.failed) != 0 || len(after.acks) == 0 {
		for _, err := range after.failed {
			t.Fatalf("after the restart: %d acknowledged, %d failed: %v", len(after.acks), len(after.failed), err)
		}
		t.Fatal("no ingest after the restart")
	}
	checkState(t, cfg, append(res.acks, after.acks...))
}
