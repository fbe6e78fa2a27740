// Command evidence benchmarks kyso's evidence log and object stores:
// appends per second with 1 and 8 concurrent writers (group commit) on
// PostgreSQL and SQLite, inclusion and consistency proof latency at one
// million entries, and ingest throughput of 1 MB objects into MinIO and
// the filesystem store.
//
//	scripts/services start /tmp/b.env && . /tmp/b.env
//	go run ./bench/evidence [-duration 3s] [-rounds 3] [-entries 1000000]
//	    [-only appends|proofs|ingest] [-backends postgres,sqlite] [-writers 1,8] [-cpuprofile F]
//	scripts/services stop /tmp/b.env
//
// PostgreSQL and MinIO come from KYSO_TEST_DATABASE_URL and KYSO_TEST_S3_*
// (each run uses its own schema and bucket); without them those rows are
// skipped. Appends are timed in rounds and reported as the median and the
// best round, with the client's CPU time per append, because other work
// on the machine moves the numbers a lot; the load average is printed.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kyso-vn/kyso/bench/internal/benchutil"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each append round and the ingest runs last")
	rounds := flag.Int("rounds", 3, "append rounds per backend and writer count")
	entries := flag.Int("entries", 1_000_000, "log size for the proof latency run")
	proofs := flag.Int("proofs", 20000, "proofs to time")
	backendList := flag.String("backends", "postgres,sqlite", "metadata backends for the append run")
	writerList := flag.String("writers", "1,8", "concurrent writers for the append run")
	only := flag.String("only", "", "run only this part: appends, proofs or ingest")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "kyso-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	pgURL := os.Getenv("KYSO_TEST_DATABASE_URL")
	s3 := s3Config(tmp)

	backends := strings.Split(*backendList, ",")
	writerCounts := []int{}
	for _, w := range strings.Split(*writerList, ",") {
		n, err := strconv.Atoi(w)
		check(err)
		writerCounts = append(writerCounts, n)
	}
	run := func(part string) bool { return *only == "" || *only == part }

	fmt.Printf("machine: %s; %s; load average at start: %s\n\n", benchutil.Machine(), runtime.Version(), loadAverage())
	if run("appends") {
		fmt.Printf("## Appends (Log.Add, group commit; one signed checkpoint per transaction; %d rounds of %s, median and best)\n", *rounds, *duration)
		fmt.Println("| backend | writers | appends/s (median) | best | mean batch | client CPU µs/append |")
		fmt.Println("|---|---:|---:|---:|---:|---:|")
		for _, backend := range backends {
			if backend == "postgres" && pgURL == "" {
				continue
			}
			for _, writers := range writerCounts {
				m := openMeta(ctx, backend, pgURL, filepath.Join(tmp, fmt.Sprintf("a%d", writers)))
				l := newLog(m, tmp)
				var rates []float64
				var total, cps int64
				var cpu time.Duration
				for range *rounds {
					c0 := cpuTime()
					n, t := appendRun(ctx, l, writers, *duration)
					cpu += cpuTime() - c0
					rates = append(rates, float64(n)/t.Seconds())
					total += n
				}
				check(m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
					return tx.QueryRow(ctx, "SELECT count(*) FROM log_checkpoints").Scan(&cps)
				}))
				res, err := l.Verify(ctx)
				check(err)
				if res.Entries != uint64(total) {
					check(fmt.Errorf("verify: %d entries, appended %d", res.Entries, total))
				}
				slices.Sort(rates)
				fmt.Printf("| %s | %d | %.0f | %.0f | %.1f | %.0f |\n", backend, writers, rates[len(rates)/2], rates[len(rates)-1],
					float64(total)/float64(max(cps, 1)), float64(cpu.Microseconds())/float64(total))
				m.Close()
			}
		}
	}

	if run("proofs") {
		fmt.Printf("\n## Proofs at %d entries (SQLite)\n", *entries)
		proofRun(ctx, tmp, *entries, *proofs)
	}

	if run("ingest") {
		fmt.Println("\n## Ingest of 1 MB objects (Log.Ingest: object, then one transaction with row + log entry)")
		fmt.Println("| objects | database | writers | objects/s | MB/s |")
		fmt.Println("|---|---|---:|---:|---:|")
		for _, writers := range []int{1, 4} {
			ingestRun(ctx, "filesystem", storage.Config{DataDir: filepath.Join(tmp, fmt.Sprint("ifs", writers))}, tmp, writers, *duration)
		}
		if s3 != nil {
			for _, writers := range []int{1, 4} {
				c := *s3
				c.Bucket = unique("kyso-bench-")
				ingestRun(ctx, "MinIO", storage.Config{DataDir: filepath.Join(tmp, fmt.Sprint("is3", writers)), S3: &c}, tmp, writers, *duration)
			}
			if pgURL != "" {
				for _, writers := range []int{1, 4} {
					c := *s3
					c.Bucket = unique("kyso-bench-")
					ingestRun(ctx, "MinIO", storage.Config{DataDir: filepath.Join(tmp, fmt.Sprint("ipg", writers)), S3: &c,
						DatabaseURL: pgSchema(ctx, pgURL)}, tmp, writers, *duration)
				}
			}
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func unique(prefix string) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<40))
	return fmt.Sprintf("%s%x", prefix, n)
}

func s3Config(tmp string) *storage.S3Config {
	ep := os.Getenv("KYSO_TEST_S3_ENDPOINT")
	if ep == "" {
		return nil
	}
	return &storage.S3Config{Endpoint: ep, AccessKey: os.Getenv("KYSO_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("KYSO_TEST_S3_SECRET_KEY"), Bucket: unique("kyso-bench-"), TempDir: tmp}
}

func openMeta(ctx context.Context, backend, pgURL, dir string) storage.Meta {
	var m storage.Meta
	var err error
	if backend == "sqlite" {
		m, err = storage.OpenSQLite(ctx, filepath.Join(dir, storage.SQLiteFile), nil)
	} else {
		m, err = storage.OpenPostgres(ctx, pgSchema(ctx, pgURL), nil)
	}
	check(err)
	_, err = m.Migrate(ctx)
	check(err)
	return m
}

// pgSchema creates a schema of its own for a run and returns the URL that
// selects it.
func pgSchema(ctx context.Context, pgURL string) string {
	schema := unique("bench_")
	admin, err := storage.OpenPostgres(ctx, pgURL, nil)
	check(err)
	defer admin.Close()
	check(admin.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.Exec(ctx, "CREATE SCHEMA "+schema)
		return err
	}))
	sep := "?"
	if strings.Contains(pgURL, "?") {
		sep = "&"
	}
	return pgURL + sep + "search_path=" + schema
}

func newLog(m storage.Meta, tmp string) *evidence.Log {
	s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(tmp, "log.key"), "kyso.bench/evidence")
	check(err)
	l, err := evidence.New(m, evidence.Options{Signer: s, VerifierKey: vkey})
	check(err)
	return l
}

func entry(i int) evidence.Entry {
	return evidence.Entry{Type: evidence.DocumentValidated, Actor: "bench",
		Subject: evidence.Subject{SHA256: fmt.Sprintf("%064x", i), Dossier: "H62-BENCH"},
		Data:    map[string]any{"indication": "TOTAL-PASSED", "report": i}}
}

// appendRun appends from writers goroutines for d and returns how many
// entries they appended and how long it took.
func appendRun(ctx context.Context, l *evidence.Log, writers int, d time.Duration) (int64, time.Duration) {
	var n atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				_, err := l.Add(ctx, entry(w<<32|i))
				check(err)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load(), time.Since(start)
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func proofRun(ctx context.Context, tmp string, entries, proofs int) {
	m := openMeta(ctx, "sqlite", "", filepath.Join(tmp, "proofs"))
	defer m.Close()
	l := newLog(m, tmp)
	t0 := time.Now()
	const chunk = 50_000
	for done := 0; done < entries; done += chunk {
		check(m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for i := done; i < min(done+chunk, entries); i++ {
				if _, err := l.Append(ctx, tx, entry(i)); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	fill := time.Since(t0)
	// A fresh Log, as after a restart: the first proof loads the tree.
	l = newLog(m, tmp)
	t0 = time.Now()
	cp, err := l.Checkpoint(ctx)
	check(err)
	load := time.Since(t0)
	size := cp.Size
	incl := make([]time.Duration, proofs)
	cons := make([]time.Duration, proofs)
	for i := range proofs {
		idx, _ := rand.Int(rand.Reader, big.NewInt(int64(size)))
		t := time.Now()
		p, err := l.InclusionProof(ctx, idx.Uint64(), size)
		incl[i] = time.Since(t)
		check(err)
		if i < 100 {
			e, err := l.Entry(ctx, idx.Uint64())
			check(err)
			check(evidence.VerifyInclusion(cp, idx.Uint64(), e.Body, p))
		}
		old, _ := rand.Int(rand.Reader, big.NewInt(int64(size)))
		t = time.Now()
		_, err = l.ConsistencyProof(ctx, old.Uint64()+1, size)
		cons[i] = time.Since(t)
		check(err)
	}
	t0 = time.Now()
	res, err := l.Verify(ctx)
	check(err)
	verify := time.Since(t0)
	fmt.Printf("filled %d entries in %s; a fresh Log loads the tree in %s; Verify (every body re-canonicalized and hashed, %d checkpoints) takes %s\n\n",
		entries, fill.Round(time.Millisecond), load.Round(time.Millisecond), res.Checkpoints, verify.Round(time.Millisecond))
	fmt.Println("| proof | p50 | p99 | max |")
	fmt.Println("|---|---:|---:|---:|")
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"inclusion", incl}, {"consistency", cons}} {
		slices.Sort(r.d)
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.d[len(r.d)/2], r.d[len(r.d)*99/100], r.d[len(r.d)-1])
	}
}

func ingestRun(ctx context.Context, name string, cfg storage.Config, tmp string, writers int, d time.Duration) {
	s, err := storage.Open(ctx, cfg)
	check(err)
	defer s.Close()
	l := newLog(s.Meta, tmp)
	var n atomic.Int64
	t0 := time.Now()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			buf := make([]byte, 1<<20)
			for time.Since(t0) < d {
				rand.Read(buf[:64]) // distinct objects
				_, _, err := l.Ingest(ctx, s, bytes.NewReader(buf), storage.DocumentMeta{MediaType: "application/pdf", Source: "upload"}, "bench")
				check(err)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	rate := float64(n.Load()) / time.Since(t0).Seconds()
	fmt.Printf("| %s | %s | %d | %.1f | %.1f |\n", name, s.Meta.Backend(), writers, rate, rate)
}
