// Command archive benchmarks archive export and offline verification:
// N dossiers of 5 documents, each document a received PDF and its signed
// PAdES B-LTA version, stored on the embedded stores (SQLite metadata and
// evidence log, filesystem objects, which re-hash every read). Export and
// verify each run in a fresh child process, so the peak RSS is their own.
//
//	go run ./bench/archive [-dossiers 1000] [-size 100] [-pool 40] [-runs 3]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/archive/archivetest"
	"github.com/kyso-vn/kyso/bench/internal/benchutil"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

// dossierFile is what the parent hands the children: dossier records with
// the fields the JSON form of archive.Dossier leaves to other files.
type dossierFile struct {
	Dossier archive.Dossier       `json:"dossier"`
	History []archive.StateChange `json:"history"`
}

func main() {
	mode := flag.String("child", "", "internal: export or verify")
	dir := flag.String("dir", "", "internal: the benchmark's data directory")
	out := flag.String("out", "", "internal: the package file")
	dossiers := flag.Int("dossiers", 1000, "number of dossiers")
	sizeKB := flag.Int("size", 100, "size of each received PDF in KB (the signed version adds about 60 KB)")
	pool := flag.Int("pool", 40, "distinct documents (each dossier takes 5 of them)")
	runs := flag.Int("runs", 3, "runs per measurement (the fastest counts)")
	keep := flag.String("keep", "", "keep the benchmark's data in this directory (and reuse it when it exists)")
	cpuProfile := flag.String("cpuprofile", "", "internal: write a CPU profile of the child")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *mode == "setup" {
		if err := setup(*dir, *dossiers, *sizeKB, *pool); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *mode != "" {
		if err := child(*mode, *dir, *out); err != nil {
			log.Print(err)
			pprof.StopCPUProfile()
			os.Exit(2)
		}
		return
	}
	work := *keep
	start := time.Now()
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "kyso-bench-archive-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
	}
	self, _ := os.Executable()
	if _, err := os.Stat(filepath.Join(work, "dossiers.json")); err != nil {
		// In a child, so that this process stays small: a child's peak
		// RSS (getrusage) starts from its parent's at fork.
		os.MkdirAll(work, 0o700)
		cmd := exec.Command(self, "-child", "setup", "-dir", work, "-dossiers", fmt.Sprint(*dossiers), "-size", fmt.Sprint(*sizeKB), "-pool", fmt.Sprint(*pool))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatal("setup: ", err)
		}
	}
	fmt.Printf("archive benchmark: %d dossiers × 5 documents (received PDF of %d KB + signed B-LTA version), %d distinct documents; "+
		"SQLite + filesystem store; fastest of %d runs; %s (set-up %.0f s)\n\n", *dossiers, *sizeKB, *pool, *runs, benchutil.Machine(), time.Since(start).Seconds())
	file := filepath.Join(work, "bag.tar")
	var payload, size int64
	fmt.Printf("%-8s %10s %10s %12s %12s %10s %10s\n", "step", "wall s", "MB/s", "dossiers/s", "package MB", "peak RSS", "CPU s")
	for _, m := range []string{"export", "verify"} {
		best, rss, cpu := time.Duration(1<<62), int64(0), time.Duration(0)
		for i := range *runs {
			if m == "export" {
				os.Remove(file)
			}
			cmd := exec.Command(self, "-child", m, "-dir", work, "-out", file)
			d, r, err := benchutil.Measure(cmd)
			if err != nil {
				log.Fatalf("%s run %d: %v", m, i, err)
			}
			if d < best {
				cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			best, rss = min(best, d), max(rss, r)
		}
		st, err := os.Stat(file)
		if err != nil {
			log.Fatal(err)
		}
		size = st.Size()
		if m == "export" {
			b, _ := os.ReadFile(filepath.Join(work, "export.json"))
			var res archive.ExportResult
			json.Unmarshal(b, &res)
			payload = res.PayloadBytes
		}
		fmt.Printf("%-8s %10.2f %10.1f %12.1f %12.1f %7d MiB %10.2f\n", m, best.Seconds(), float64(size)/1e6/best.Seconds(),
			float64(*dossiers)/best.Seconds(), float64(size)/1e6, rss>>20, cpu.Seconds())
	}
	fmt.Printf("\npayload %.1f MB in %.1f MB of package; MB/s counts package bytes (10^6) per wall second of the whole command; CPU s is user+system of that run\n",
		float64(payload)/1e6, float64(size)/1e6)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average at the end: %s", load)
}

// setup makes the PKI, the documents, the dossiers and their log entries.
func setup(work string, n, sizeKB, pool int) error {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p, err := certs.InitDevPKI(filepath.Join(work, "pki"), certs.DevPKIOptions{BaseURL: "http://" + ln.Addr().String()})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: certs.NewResponder(p)}
	go srv.Serve(ln)
	defer srv.Close()
	st, l, err := openStores(work)
	if err != nil {
		return err
	}
	defer st.Close()
	store := archivetest.New(st.Objects, l, st.Meta)
	id, err := p.Identity(certs.IdentityHead)
	if err != nil {
		return err
	}
	tsa := &signer.TSA{URL: "http://" + ln.Addr().String() + "/tsa"}
	type pair struct{ received, signed []byte }
	docs := make([]pair, pool)
	for i := range docs {
		in, outp := filepath.Join(work, "in.pdf"), filepath.Join(work, "out.pdf")
		if err := testpdf.File(in, testpdf.Options{ImageBytes: int64(sizeKB)<<10 - 1024}); err != nil {
			return err
		}
		if _, err := signer.SignFile(ctx, in, outp, &signer.Options{Credential: &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: p.Chain()},
			Level: signer.LevelBLTA, TSA: tsa}); err != nil {
			return err
		}
		docs[i].received, _ = os.ReadFile(in)
		docs[i].signed, _ = os.ReadFile(outp)
	}
	t0 := time.Date(2025, 1, 2, 1, 0, 0, 0, time.UTC)
	var all []dossierFile
	for i := range n {
		code := fmt.Sprintf("000.00.12.H62-250102-%04d", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		store.Create(&archive.Dossier{Code: code, Title: "Cấp giấy chứng nhận quyền sử dụng đất", Procedure: "Đăng ký đất đai", UnitCode: "000.00.12.H62",
			UnitName: "UBND huyện Tam Dương", Applicant: "Nguyễn V*** A**", Opened: at, Closed: at.Add(48 * time.Hour), Retention: "Vĩnh viễn",
			AccessLevel: "Hạn chế", Language: "Tiếng Việt"})
		store.ChangeState(code, archive.StateChange{From: "", To: "received", Actor: "intake:lan", Time: at})
		for k := range 5 {
			d := docs[(i*5+k)%pool]
			doc := fmt.Sprintf("tp-%d", k+1)
			at = at.Add(time.Minute)
			if _, err := store.AddVersionBytes(ctx, code, doc, archive.Version{Kind: archive.Received, Role: "component", Source: "upload",
				MediaType: "application/pdf", Name: doc + ".pdf", Created: at}, d.received); err != nil {
				return err
			}
			if _, err := store.AddVersionBytes(ctx, code, doc, archive.Version{Kind: archive.Signed, Role: "component", Source: "signed",
				MediaType: "application/pdf", Name: doc + ".pdf", Created: at.Add(time.Second)}, d.signed); err != nil {
				return err
			}
		}
		store.ChangeState(code, archive.StateChange{From: "received", To: "done", Actor: "head:binh", Time: at.Add(time.Hour)})
		if i%100 == 99 || i == n-1 {
			if err := store.Flush(ctx); err != nil {
				return err
			}
		}
	}
	for i := range n {
		d, _ := store.Dossier(fmt.Sprintf("000.00.12.H62-250102-%04d", i))
		all = append(all, dossierFile{Dossier: *d, History: d.History})
	}
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(work, "dossiers.json"), b, 0o600)
}

func openStores(work string) (*storage.Store, *evidence.Log, error) {
	st, err := storage.Open(context.Background(), storage.Config{DataDir: filepath.Join(work, "data")})
	if err != nil {
		return nil, nil, err
	}
	s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(work, "log.key"), "kyso.bench/evidence")
	if err != nil {
		return nil, nil, err
	}
	l, err := evidence.New(st.Meta, evidence.Options{Signer: s, VerifierKey: vkey})
	return st, l, err
}

func child(mode, work, out string) error {
	ctx := context.Background()
	if mode == "verify" {
		f, err := os.Open(out)
		if err != nil {
			return err
		}
		defer f.Close()
		st, _ := f.Stat()
		rep, err := archive.Verify(ctx, f, st.Size(), archive.VerifyOptions{})
		if err != nil {
			return err
		}
		if !rep.OK {
			return fmt.Errorf("verify: %d problems, first %s", len(rep.Problems), rep.Problems[0])
		}
		return nil
	}
	st, l, err := openStores(work)
	if err != nil {
		return err
	}
	defer st.Close()
	_, vkey, _ := evidence.LoadKey(filepath.Join(work, "log.key"))
	b, err := os.ReadFile(filepath.Join(work, "dossiers.json"))
	if err != nil {
		return err
	}
	var all []dossierFile
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	store := archivetest.New(st.Objects, l, st.Meta)
	for _, d := range all {
		dd := d.Dossier
		dd.History = d.History
		if err := store.PutDossier(ctx, &dd); err != nil {
			return err
		}
	}
	trust := certs.NewTrustStore()
	if p, err := certs.LoadDevPKI(filepath.Join(work, "pki")); err == nil {
		trust = p.TrustStore()
	}
	res, err := archive.Export(ctx, out, archive.ExportOptions{Source: store, Evidence: archive.LogEvidence(l, vkey),
		Select: archive.Selection{ClosedBefore: time.Now()}, Organization: "UBND huyện Tam Dương", Software: "kyso bench", Trust: trust})
	if err != nil {
		return err
	}
	rb, _ := json.Marshal(res)
	return os.WriteFile(filepath.Join(work, "export.json"), rb, 0o600)
}
