// Command upload measures upload-and-verify through the JSON API: a real
// `kyso serve` in its own process, loaded from this process over
// loopback with POST /api/v1/verify of a 10 MB PDF signed PAdES B-T by
// the agency head (the body streamed to a temporary file while hashed,
// then every signature validated: digest, CMS, chain, the time-stamp,
// revocation by OCSP against the development responder). With -store the
// PDF is uploaded into a dossier instead (POST …/documents: stored in the
// object store, validated, assessed, logged).
//
//	go run ./bench/http/upload [-n 400] [-c 4] [-duration 30s] [-size 10] [-store]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"mime/multipart"
	"os"
	"path/filepath"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/bench/http/kysobench"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
)

func main() {
	n := flag.Int("n", 400, "requests")
	c := flag.Int("c", 4, "concurrent clients")
	d := flag.Duration("duration", 30*time.Second, "stop after this long")
	size := flag.Int("size", 10, "document size, MB")
	store := flag.Bool("store", false, "upload into a dossier (stored, validated, assessed) instead of /verify")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kyso-bench-http-upload-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := kysobench.BuildKyso(dir)
	if err != nil {
		log.Fatal(err)
	}
	site, err := kysobench.NewSite(ctx, filepath.Join(dir, "data"))
	if err != nil {
		log.Fatal(err)
	}
	w := site.World
	verifyTok, err := site.Token(ctx, seed.Intake, api.ScopeVerify)
	if err != nil {
		log.Fatal(err)
	}
	writeTok, err := site.Token(ctx, seed.Intake, api.ScopeDossiersWrite)
	if err != nil {
		log.Fatal(err)
	}
	var codes []string
	if *store {
		for range (*n + 3 + 49) / 50 {
			dd, err := site.Engine.Submit(ctx, w.Members[seed.Intake].Actor, dossier.Application{Unit: w.Units[seed.Centre].Code,
				Procedure: "1.001612", Level: 2, Channel: dossier.ChannelDesk, Applicant: w.Applicant})
			if err != nil {
				log.Fatal(err)
			}
			codes = append(codes, dd.Code)
		}
	}
	site.Close()
	srv, err := kysobench.Start(bin, site.Data)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	// The signed document (the TSA is kyso serve's development responder).
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "signed.pdf")
	if err := testpdf.File(in, testpdf.Options{Pages: 1, ImageBytes: int64(*size) << 20}); err != nil {
		log.Fatal(err)
	}
	if _, err := signer.SignFile(ctx, in, out, &signer.Options{Credential: w.Members[seed.Head].Credential, Level: signer.LevelBT,
		TSA: &signer.TSA{URL: site.PKI.BaseURL + "/tsa"}}); err != nil {
		log.Fatal(err)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		log.Fatal(err)
	}
	cl := kysobench.Client(*c)
	var do func(i int) error
	what := "POST /api/v1/verify"
	if *store {
		what = "POST /api/v1/dossiers/{code}/documents"
		do = func(i int) error {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			meta, _ := mw.CreateFormField("metadata")
			json.NewEncoder(meta).Encode(map[string]any{"source": dossier.SourceDesk, "title": fmt.Sprintf("Bản scan %d", i), "media_type": "application/pdf"})
			f, _ := mw.CreateFormFile("file", "scan.pdf")
			f.Write(pdf)
			f.Write([]byte(fmt.Sprintf("\n%% %d\n", i))) // distinct bytes per upload
			mw.Close()
			return kysobench.Do(cl, "POST", srv.URL+"/api/v1/dossiers/"+codes[i/50]+"/documents", writeTok, mw.FormDataContentType(), b.Bytes(), 201)
		}
	} else {
		do = func(i int) error {
			return kysobench.Do(cl, "POST", srv.URL+"/api/v1/verify", verifyTok, "application/pdf", pdf, 200)
		}
	}
	kysobench.Load(1, 3, time.Minute, do) // warm up
	load, cpu0 := kysobench.LoadAverage(), srv.CPU()
	r := kysobench.Load(*c, *n, *d, func(i int) error { return do(i + 3) })
	r.ServerCPU = srv.CPU() - cpu0
	fmt.Printf("%s, %.1f MB signed PDF (B-T), %d clients (load average %s → %s): %s\n", what, float64(len(pdf))/(1<<20), *c, load, kysobench.LoadAverage(), r)
}
