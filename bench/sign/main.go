// Command sign benchmarks kyso's signer against the hash floor and the seed
// project github.com/digitorus/pdfsign on the same files with the same key,
// in one run, each measurement in a fresh child process so that its peak
// RSS is its own. It prints a table of wall times, ratios to the floor and
// peak RSS, then signatures per second on 100 KB documents.
//
//	go run ./bench/sign [-sizes 1,10,50,200] [-runs 3] [-rate 3s]
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	pdfsign "github.com/digitorus/pdfsign/sign"

	"github.com/kyso-vn/kyso/bench/internal/benchutil"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
)

func main() {
	mode := flag.String("child", "", "internal: run one measurement (floor, kyso, pdfsign)")
	in := flag.String("in", "", "internal: input")
	out := flag.String("out", "", "internal: output")
	pki := flag.String("pki", "", "internal: PKI directory")
	sizes := flag.String("sizes", "1,10,50,200", "file sizes in MB")
	runs := flag.Int("runs", 3, "runs per measurement (the fastest counts)")
	rate := flag.Duration("rate", 3*time.Second, "duration of the 100 KB signatures/s test")
	flag.Parse()
	if *mode != "" {
		if err := child(*mode, *in, *out, *pki); err != nil {
			log.Fatal(err)
		}
		return
	}
	dir, err := os.MkdirTemp("", "kyso-bench-sign-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{})
	if err != nil {
		log.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("signing benchmark: B-B, RSA-2048 file key, SHA-256; fastest of %d runs; %s\n\n", *runs, benchutil.Machine())
	fmt.Printf("%-7s %-8s %10s %8s %10s\n", "size", "signer", "wall ms", "× floor", "peak RSS")
	for _, s := range strings.Split(*sizes, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatal(err)
		}
		file := filepath.Join(dir, fmt.Sprintf("in-%dMB.pdf", mb))
		if err := testpdf.File(file, testpdf.Options{ImageBytes: int64(mb) << 20}); err != nil {
			log.Fatal(err)
		}
		benchutil.WarmCache(file)
		var floor time.Duration
		for _, m := range []string{"floor", "kyso", "pdfsign"} {
			best, rss := time.Duration(1<<62), int64(0)
			for i := range *runs {
				outFile := filepath.Join(dir, fmt.Sprintf("out-%s-%d.pdf", m, i))
				d, r, err := measure(self, m, file, outFile, p.Dir)
				if err != nil {
					log.Fatalf("%s %dMB: %v", m, mb, err)
				}
				os.Remove(outFile)
				best, rss = min(best, d), max(rss, r)
			}
			if m == "floor" {
				floor = best
			}
			fmt.Printf("%-7s %-8s %10.1f %8.2f %7d MiB\n", fmt.Sprintf("%d MB", mb), m,
				float64(best.Microseconds())/1000, float64(best)/float64(floor), rss>>20)
		}
		os.Remove(file)
	}
	fmt.Println()
	small := filepath.Join(dir, "small.pdf")
	if err := testpdf.File(small, testpdf.Options{ImageBytes: 100 << 10}); err != nil {
		log.Fatal(err)
	}
	k, ps := rateKyso(p, small, dir, *rate), ratePdfsign(p, small, dir, *rate)
	fmt.Printf("100 KB documents, one process, one core busy: kyso %.0f signatures/s, pdfsign %.0f signatures/s (%.1f×)\n", k, ps, k/ps)
}

// measure runs one child and returns its wall time and peak RSS.
func measure(self, mode, in, out, pki string) (time.Duration, int64, error) {
	return benchutil.Measure(exec.Command(self, "-child", mode, "-in", in, "-out", out, "-pki", pki))
}

func child(mode, in, out, pkiDir string) error {
	p, err := certs.LoadDevPKI(pkiDir)
	if err != nil {
		return err
	}
	id, err := p.Identity(certs.IdentityHead)
	if err != nil {
		return err
	}
	switch mode {
	case "floor":
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
			return err
		}
		_, err = id.Key.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
		return err
	case "kyso":
		_, err := signer.SignFile(context.Background(), in, out, &signer.Options{
			Credential: &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: p.Chain()}})
		return err
	case "pdfsign":
		return pdfsignFile(p, id, in, out)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func pdfsignFile(p *certs.DevPKI, id *certs.Identity, in, out string) error {
	return pdfsign.SignFile(in, out, pdfsign.SignData{
		Signature: pdfsign.SignDataSignature{
			Info:     pdfsign.SignDataSignatureInfo{Name: "bench", Date: time.Now()},
			CertType: pdfsign.ApprovalSignature,
		},
		Signer: id.Key, DigestAlgorithm: crypto.SHA256, Certificate: id.Certificate,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{id.Certificate}, p.Chain()...)},
	})
}

func rateKyso(p *certs.DevPKI, in, dir string, d time.Duration) float64 {
	id, _ := p.Identity(certs.IdentityHead)
	opts := &signer.Options{Credential: &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: p.Chain()}}
	return loop(d, func(i int) error {
		return ignoreResult(signer.SignFile(context.Background(), in, filepath.Join(dir, "rk.pdf"), opts))
	})
}

func ratePdfsign(p *certs.DevPKI, in, dir string, d time.Duration) float64 {
	id, _ := p.Identity(certs.IdentityHead)
	return loop(d, func(i int) error { return pdfsignFile(p, id, in, filepath.Join(dir, "rp.pdf")) })
}

func ignoreResult(_ *signer.Result, err error) error { return err }

func loop(d time.Duration, f func(int) error) float64 {
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		if err := f(n); err != nil {
			log.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}
