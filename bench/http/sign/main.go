// Command sign measures server-side signing through the JSON API: a real
// `kyso serve` in its own process (SQLite, filesystem objects, the
// development PKI and its responders), loaded from this process over
// loopback with POST /api/v1/documents/{id}/sign as the agency head
// (server-held RSA-2048 key, PAdES B-T with the TSA, visible appearance
// with the QR of the verification code), one 100 KB result per request.
// Each signed version is stored, inspected by the verifier and assessed
// by the provenance engine before the answer, as in production.
//
//	go run ./bench/http/sign [-n 2000] [-c 8] [-duration 30s] [-size 100]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/bench/http/kysobench"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
)

func main() {
	n := flag.Int("n", 2000, "documents to sign (one request each)")
	c := flag.Int("c", 8, "concurrent clients")
	d := flag.Duration("duration", 30*time.Second, "stop after this long")
	size := flag.Int("size", 100, "document size, KB")
	perDossier := flag.Int("per-dossier", 10, "results per dossier")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kyso-bench-http-sign-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := kysobench.BuildKyso(dir)
	if err != nil {
		log.Fatal(err)
	}
	site, err := kysobench.NewSite(ctx, dir+"/data")
	if err != nil {
		log.Fatal(err)
	}
	w := site.World
	doc := testpdf.Bytes(testpdf.Options{Pages: 1, ImageBytes: int64(*size-2) << 10})
	start := time.Now()
	var ids []int64
	for len(ids) < *n {
		dd, err := site.Engine.Submit(ctx, w.Members[seed.Intake].Actor, dossier.Application{Unit: w.Units[seed.Centre].Code,
			Procedure: "1.001612", Level: 2, Channel: dossier.ChannelDesk, Applicant: w.Applicant})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := site.Engine.Accept(ctx, dd.Code, w.Members[seed.Intake].Actor, ""); err != nil {
			log.Fatal(err)
		}
		if _, err := site.Engine.Transfer(ctx, dd.Code, w.Members[seed.Intake].Actor, w.Units[seed.Agency].Code, 0); err != nil {
			log.Fatal(err)
		}
		for range *perDossier {
			doc = testpdf.Bytes(testpdf.Options{Pages: 1, ImageBytes: int64(*size-2) << 10}) // random image: distinct bytes
			v, err := site.Engine.AddDocument(ctx, dd.Code, w.Members[seed.Specialist].Actor, dossier.DocumentInput{Role: dossier.DocResult,
				Source: dossier.SourceIssued, Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: bytes.NewReader(doc)})
			if err != nil {
				log.Fatal(err)
			}
			ids = append(ids, v.ID)
		}
	}
	token, err := site.Token(ctx, seed.Head, api.ScopeDocumentsSign)
	if err != nil {
		log.Fatal(err)
	}
	site.Close()
	fmt.Printf("setup: %d unsigned %d KB results in %d dossiers in %s\n", len(ids), len(doc)>>10, len(ids) / *perDossier, time.Since(start).Round(time.Second))
	srv, err := kysobench.Start(bin, site.Data)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	cl := kysobench.Client(*c)
	// Warm up (connections, the verifier's caches).
	kysobench.Load(1, 5, time.Minute, func(i int) error {
		return kysobench.Do(cl, "POST", srv.URL+"/api/v1/documents/"+strconv.FormatInt(ids[len(ids)-1-i], 10)+"/sign", token, "application/json", []byte("{}"), 201)
	})
	ids = ids[:len(ids)-5]
	load, cpu0 := kysobench.LoadAverage(), srv.CPU()
	r := kysobench.Load(*c, len(ids), *d, func(i int) error {
		return kysobench.Do(cl, "POST", srv.URL+"/api/v1/documents/"+strconv.FormatInt(ids[i], 10)+"/sign", token, "application/json", []byte("{}"), 201)
	})
	r.ServerCPU = srv.CPU() - cpu0
	fmt.Printf("server-side signing, %d KB, PAdES B-T, %d clients (load average %s → %s): %s\n", len(doc)>>10, *c, load, kysobench.LoadAverage(), r)
}
