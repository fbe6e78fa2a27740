// Command verify benchmarks kyso's verifier against poppler's pdfsig, the
// seed project's verifier (github.com/digitorus/pdfsign/verify) and the
// floor (SHA-256 of the file), on the same files in one run, each
// measurement in a fresh child process so that its peak RSS is its own.
//
//	go run ./bench/verify [-sizes 1,10,50,200] [-runs 3]
package main

import (
	"context"
	"crypto/sha256"
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

	pdfsignverify "github.com/digitorus/pdfsign/verify"

	"github.com/kyso-vn/kyso/bench/internal/benchutil"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

func main() {
	mode := flag.String("child", "", "internal: run one measurement")
	in := flag.String("in", "", "internal: input")
	pki := flag.String("pki", "", "internal: PKI directory")
	sizes := flag.String("sizes", "1,10,50,200", "file sizes in MB")
	runs := flag.Int("runs", 3, "runs per measurement (the fastest counts)")
	flag.Parse()
	if *mode != "" {
		if err := child(*mode, *in, *pki); err != nil {
			log.Fatal(err)
		}
		return
	}
	pdfsig, err := exec.LookPath("pdfsig")
	if err != nil {
		log.Fatal("pdfsig (poppler-utils) is needed: ", err)
	}
	dir, err := os.MkdirTemp("", "kyso-bench-verify-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{})
	if err != nil {
		log.Fatal(err)
	}
	self, _ := os.Executable()
	fmt.Printf("verification benchmark: kyso (chain to the dev root, embedded revocation only), pdfsig -no-ocsp, pdfsign verify; fastest of %d runs; %s\n\n", *runs, benchutil.Machine())
	fmt.Printf("%-7s %-5s %-8s %10s %8s %10s\n", "size", "sigs", "tool", "wall ms", "× floor", "peak RSS")
	for _, s := range strings.Split(*sizes, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatal(err)
		}
		base := filepath.Join(dir, fmt.Sprintf("base-%d.pdf", mb))
		if err := testpdf.File(base, testpdf.Options{ImageBytes: int64(mb) << 20}); err != nil {
			log.Fatal(err)
		}
		signed := []string{base}
		for i, who := range []string{"intake", "head", "seal"} {
			id, _ := p.Identity(who)
			out := filepath.Join(dir, fmt.Sprintf("s%d-%d.pdf", i+1, mb))
			if _, err := signer.SignFile(context.Background(), signed[len(signed)-1], out, &signer.Options{
				Credential: &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: p.Chain()}}); err != nil {
				log.Fatal(err)
			}
			signed = append(signed, out)
		}
		os.Remove(base)
		for _, n := range []int{1, 3} {
			file := signed[n]
			var floor time.Duration
			for _, m := range []string{"floor", "kyso", "pdfsig", "pdfsign"} {
				best, rss := time.Duration(1<<62), int64(0)
				for range *runs {
					var cmd *exec.Cmd
					if m == "pdfsig" {
						cmd = exec.Command(pdfsig, "-no-ocsp", file)
					} else {
						cmd = exec.Command(self, "-child", m, "-in", file, "-pki", p.Dir)
					}
					d, r, err := benchutil.Measure(cmd)
					if err != nil {
						log.Fatalf("%s %dMB: %v", m, mb, err)
					}
					best, rss = min(best, d), max(rss, r)
				}
				if m == "floor" {
					floor = best
				}
				fmt.Printf("%-7s %-5d %-8s %10.1f %8.2f %7d MiB\n", fmt.Sprintf("%d MB", mb), n, m,
					float64(best.Microseconds())/1000, float64(best)/float64(floor), rss>>20)
			}
		}
		for _, f := range signed[1:] {
			os.Remove(f)
		}
	}
}

func child(mode, in, pkiDir string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	switch mode {
	case "floor":
		h := sha256.New()
		_, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
		return err
	case "kyso":
		trust, err := certs.LoadTrustStore(filepath.Join(pkiDir, "root.crt"))
		if err != nil {
			return err
		}
		rep, err := verifier.Verify(context.Background(), f, st.Size(), verifier.Options{Trust: trust})
		if err != nil {
			return err
		}
		for _, s := range rep.Signatures {
			if s.Indication == verifier.TotalFailed {
				return fmt.Errorf("kyso: signature %d failed: %v", s.Index, s.Errors)
			}
		}
		return nil
	case "pdfsign":
		o := pdfsignverify.DefaultVerifyOptions()
		o.AllowUntrustedRoots, o.RequiredEKUs = true, nil
		resp, err := pdfsignverify.VerifyFileWithOptions(f, o)
		if err != nil {
			return err
		}
		for _, s := range resp.Signers {
			if !s.ValidSignature {
				return fmt.Errorf("pdfsign: a signature is not valid")
			}
		}
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}
