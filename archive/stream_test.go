package archive_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/archive"
)

// liveHeap is the heap the last GC found live (garbage not counted).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap samples the live heap until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, liveHeap())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func heapNow() uint64 {
	runtime.GC()
	return liveHeap()
}

// addSmallDossiers adds n dossiers of two small documents and two state
// changes each, logged in batches.
func addSmallDossiers(t *testing.T, e *env, n int) []string {
	ctx := context.Background()
	pdfBytes := plainPDF(t, 1)
	codes := make([]string, n)
	for i := range n {
		code := fmt.Sprintf("000.00.12.H62-250303-%05d", i)
		codes[i] = code
		at := t0.Add(time.Duration(i) * time.Second)
		e.store.Create(&archive.Dossier{Code: code, Title: "Hồ sơ nhỏ", UnitCode: "000.00.12.H62", Opened: at, Closed: at.Add(time.Hour), Retention: "5 năm"})
		e.store.ChangeState(code, archive.StateChange{From: "", To: "received", Actor: "intake:lan", Time: at})
		doc := append([]byte(nil), pdfBytes...)
		doc = append(doc, fmt.Sprintf("%% %s\n", code)...)
		if _, err := e.store.AddVersionBytes(ctx, code, "don", archive.Version{Kind: archive.Received, Role: "application", Source: "upload",
			MediaType: "application/pdf", Name: "don.pdf", Created: at}, doc); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AddVersionBytes(ctx, code, "note", archive.Version{Kind: archive.Received, Role: "note", Source: "upload",
			MediaType: "text/plain", Name: "ghi-chu.txt", Created: at}, []byte("Ghi chú của hồ sơ "+code)); err != nil {
			t.Fatal(err)
		}
		e.store.ChangeState(code, archive.StateChange{From: "received", To: "done", Actor: "head:binh", Time: at.Add(time.Hour)})
		if i%1000 == 999 {
			if err := e.store.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return codes
}

// TestStreamingMemory exports 10,000 small dossiers and checks that the
// heap used by the export stays bounded: it must not grow with the number
// of dossiers (compared with 1,000, allowing for where the sampler
// catches the per-dossier buffers) and stays under 24 MiB of live heap
// above the source's own data (measured: about 5 and 13 MiB).
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 dossiers")
	}
	e := newEnv(t, "sqlite", "memory")
	start := time.Now()
	codes := addSmallDossiers(t, e, 10000)
	t.Logf("10,000 dossiers made in %v", time.Since(start))
	measure := func(n int) (uint64, time.Duration, *archive.ExportResult) {
		file := filepath.Join(t.TempDir(), "bag.tar")
		base := heapNow()
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		res, err := archive.Export(context.Background(), file, archive.ExportOptions{Source: e.store, Evidence: e.evidence(),
			Select: archive.Selection{ClosedBefore: t0.Add(time.Duration(n)*time.Second + time.Hour)}})
		d := time.Since(start)
		close(stop)
		if err != nil {
			t.Fatal(err)
		}
		p := <-peak
		if p < base {
			p = base
		}
		if n == len(codes) && !raceEnabled { // under -race the export alone takes minutes
			vstart := time.Now()
			rep := verifyFile(t, file, archive.VerifyOptions{})
			t.Logf("verified %d dossiers in %v", len(rep.Dossiers), time.Since(vstart))
			if !rep.OK || len(rep.Dossiers) != n {
				t.Fatalf("verify of %d dossiers: %d dossiers, %d problems; first: %v", n, len(rep.Dossiers), len(rep.Problems), rep.Problems[:min(3, len(rep.Problems))])
			}
		}
		return p - base, d, res
	}
	small, _, _ := measure(1000)
	big, d, res := measure(len(codes))
	t.Logf("export heap above baseline: 1,000 dossiers %d KiB, 10,000 dossiers %d KiB; 10,000 dossiers (%d files, %d bytes) in %v",
		small>>10, big>>10, res.PayloadFiles, res.PayloadBytes, d)
	if len(res.Dossiers) != len(codes) {
		t.Fatalf("exported %d dossiers", len(res.Dossiers))
	}
	if big > 24<<20 {
		t.Errorf("export of 10,000 dossiers used %d MiB of heap above the baseline", big>>20)
	}
	if big > small+16<<20 {
		t.Errorf("export heap grows with the number of dossiers: %d KiB for 1,000, %d KiB for 10,000", small>>10, big>>10)
	}
}
