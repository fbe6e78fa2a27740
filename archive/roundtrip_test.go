package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/archive/archivetest"
	"github.com/kyso-vn/kyso/signer"
)

func payloadManifests(t *testing.T, file string) (string, string) {
	t.Helper()
	_, f := extract(t, file)
	return string(f["manifest-sha256.txt"]), string(f["manifest-sha512.txt"])
}

func importFile(t *testing.T, file string, sink archive.Sink) (*archive.ImportResult, error) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	return archive.Import(context.Background(), f, st.Size(), sink, archive.VerifyOptions{})
}

// TestRoundTrip: export → import into a fresh instance → export gives the
// same payload manifests, on the embedded stores and on PostgreSQL + MinIO.
func TestRoundTrip(t *testing.T) {
	for _, backends := range [][2]string{{"sqlite", "filesystem"}, {"postgres", "s3"}} {
		t.Run(backends[0]+"+"+backends[1], func(t *testing.T) {
			e := newEnv(t, backends[0], backends[1])
			codes := []string{"000.00.12.H62-250303-0001", "000.00.12.H62-250303-0002"}
			for i, c := range codes {
				e.addDossier(t, c, t0.Add(time.Duration(i)*time.Hour))
			}
			first := filepath.Join(e.dir, "first.tar")
			e.export(t, first, codes...)

			fresh := newEnvWith(t, e.pki, backends[0], backends[1])
			res, err := importFile(t, first, fresh.store)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if !slices.Equal(res.Dossiers, codes) || res.Objects != 16 {
				t.Errorf("imported %v, %d objects", res.Dossiers, res.Objects)
			}
			second := filepath.Join(e.dir, "second.zip")
			if _, err := archive.Export(context.Background(), second, archive.ExportOptions{Source: fresh.store,
				Select: archive.Selection{Codes: codes}, Trust: e.pki.TrustStore(), Organization: "Lưu trữ lịch sử tỉnh"}); err != nil {
				t.Fatalf("export of the imported dossiers: %v", err)
			}
			if rep := verifyFile(t, second, archive.VerifyOptions{}); !rep.OK {
				t.Fatalf("re-exported package:\n%s", problems(rep))
			}
			a256, a512 := payloadManifests(t, first)
			b256, b512 := payloadManifestsZip(t, second)
			if a256 != b256 || a512 != b512 {
				t.Errorf("payload manifests differ after the round trip:\n%s\n---\n%s", a256, b256)
			}
		})
	}
}

// TestImportRefusesTampered: nothing is stored from a package that fails.
func TestImportRefusesTampered(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	code := "000.00.12.H62-250303-0001"
	e.addDossier(t, code, t0)
	good := filepath.Join(e.dir, "bag.tar")
	e.export(t, good, code)
	base, f := extract(t, good)
	lta := "data/" + code + "/documents/01-don/03-signed-Don_de_nghi.pdf"
	f[lta] = flip(f[lta], 100)
	bad := filepath.Join(e.dir, "bad.tar")
	f.retar(t, base, bad)
	sink := archivetest.New(nil, nil, nil)
	res, err := importFile(t, bad, sink)
	if !errors.Is(err, archive.ErrInvalid) || res == nil || res.Report.OK {
		t.Fatalf("import of a tampered package: %v", err)
	}
	if _, ok := sink.Dossier(code); ok {
		t.Error("a dossier was stored from a package that does not verify")
	}
}

// stopAfter is a source that cancels the export after n dossiers.
type stopAfter struct {
	archive.Source
	n      int
	cancel func()
}

func (s *stopAfter) Dossiers(ctx context.Context, sel archive.Selection) iter.Seq2[*archive.Dossier, error] {
	return func(yield func(*archive.Dossier, error) bool) {
		i := 0
		for d, err := range s.Source.Dossiers(ctx, sel) {
			if i == s.n {
				s.cancel()
			}
			i++
			if !yield(d, err) {
				return
			}
		}
	}
}

func TestResume(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	var codes []string
	for i := range 5 {
		c := "000.00.12.H62-250303-000" + string(rune('1'+i))
		codes = append(codes, c)
		e.addDossier(t, c, t0.Add(time.Duration(i)*time.Hour))
	}
	// Extend once, so that every export below sees the same versions.
	if _, err := archive.PrepareLTA(context.Background(), e.store, e.store, archive.Selection{Codes: codes}, signer.ExtendOptions{TSA: e.pki.TSA()}); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(e.dir, "clean.tar")
	e.export(t, clean, codes...)
	want256, want512 := payloadManifests(t, clean)

	for _, ext := range []string{".tar", ".zip"} {
		t.Run(ext, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "bag"+ext)
			ctx, cancel := context.WithCancel(context.Background())
			opts := archive.ExportOptions{Source: &stopAfter{Source: e.store, n: 3, cancel: cancel}, Evidence: e.evidence(),
				Select: archive.Selection{Codes: codes}, Trust: e.pki.TrustStore(), CommitEvery: time.Nanosecond}
			if _, err := archive.Export(ctx, file, opts); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted export: %v", err)
			}
			if _, err := os.Stat(file); err == nil {
				t.Fatal("an interrupted export left a file at the final name")
			}
			if _, err := os.Stat(file + ".journal/journal.json"); err != nil {
				t.Fatalf("no journal: %v", err)
			}
			// A dossier that fails half-way is rolled back, not half kept.
			e.store.Mutate(codes[4], func(d *archive.Dossier) {
				d.Documents[0].Versions[0].Open = func(context.Context) (io.ReadCloser, error) { return nil, errors.New("object store down") }
			})
			opts.Source = e.store
			if _, err := archive.Export(context.Background(), file, opts); err == nil {
				t.Fatal("export with a failing object store succeeded")
			}
			e.store.Mutate(codes[4], func(d *archive.Dossier) { d.Documents[0].Versions[0].Open = nil })
			res, err := archive.Export(context.Background(), file, opts)
			if err != nil {
				t.Fatalf("resumed export: %v", err)
			}
			if res.Resumed != (ext == ".tar") || !slices.Equal(res.Dossiers, codes) {
				t.Errorf("resumed %v (want %v), dossiers %v", res.Resumed, ext == ".tar", res.Dossiers)
			}
			if rep := verifyFile(t, file, archive.VerifyOptions{}); !rep.OK {
				t.Fatalf("resumed package:\n%s", problems(rep))
			}
			var got256, got512 string
			if ext == ".tar" {
				got256, got512 = payloadManifests(t, file)
			} else {
				got256, got512 = payloadManifestsZip(t, file)
			}
			if got256 != want256 || got512 != want512 {
				t.Error("the resumed export's payload differs from a clean export's")
			}
		})
	}
}

func TestRenew(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	code := "000.00.12.H62-250303-0001"
	e.addDossier(t, code, t0)
	ctx := context.Background()
	sel := archive.Selection{Codes: []string{code}}
	if n, err := archive.PrepareLTA(ctx, e.store, e.store, sel, signer.ExtendOptions{TSA: e.pki.TSA()}); err != nil || n != 2 {
		t.Fatalf("PrepareLTA = %d, %v", n, err)
	}
	before, _ := e.store.Dossier(code)
	res, err := archive.Renew(ctx, e.store, e.store, sel, archive.RenewOptions{Window: 24 * time.Hour, Extend: signer.ExtendOptions{TSA: e.pki.TSA()}})
	if err != nil || res.Checked != 2 || len(res.Renewed) != 0 {
		t.Fatalf("renew with a one-day window: %+v, %v", res, err)
	}
	res, err = archive.Renew(ctx, e.store, e.store, sel, archive.RenewOptions{Window: 100 * 365 * 24 * time.Hour, Extend: signer.ExtendOptions{TSA: e.pki.TSA()}})
	if err != nil || len(res.Renewed) != 2 {
		t.Fatalf("renew with a 100-year window: %+v, %v", res, err)
	}
	after, _ := e.store.Dossier(code)
	if len(after.EntryIndexes) != len(before.EntryIndexes)+2 {
		t.Errorf("renewals not logged: %d entries, was %d", len(after.EntryIndexes), len(before.EntryIndexes))
	}
	for _, r := range res.Renewed {
		if r.TSAExpires.IsZero() || r.SHA256 == r.Previous {
			t.Errorf("renewed %+v", r)
		}
	}
	for _, doc := range after.Documents {
		last := doc.Versions[len(doc.Versions)-1]
		if last.MediaType != "application/pdf" {
			continue
		}
		rc, _ := e.store.Open(ctx, last.SHA256)
		b, _ := io.ReadAll(rc)
		st, err := signer.Inspect(bytes.NewReader(b), int64(len(b)))
		if err != nil || !st.LTA {
			t.Fatalf("%s: renewed version not B-LTA: %v", doc.ID, err)
		}
		dts := 0
		for _, s := range st.Signatures {
			if s.DocTimeStamp {
				dts++
			}
		}
		if dts != 2 {
			t.Errorf("%s: %d document time-stamps after renewal, want 2", doc.ID, dts)
		}
	}
	file := filepath.Join(e.dir, "renewed.tar")
	e.export(t, file, code)
	if rep := verifyFile(t, file, archive.VerifyOptions{}); !rep.OK {
		t.Fatalf("renewed package:\n%s", problems(rep))
	}
}

func TestDue(t *testing.T) {
	s := archivetest.New(nil, nil, nil)
	now := time.Date(2026, 7, 1, 3, 0, 0, 0, time.UTC)
	for _, d := range []archive.Dossier{
		{Code: "A-due", UnitCode: "H62", Closed: now.AddDate(-2, 0, 0)},
		{Code: "B-handed-over", UnitCode: "H62", Closed: now.AddDate(-2, 0, 0), HandedOver: now.AddDate(0, -1, 0)},
		{Code: "C-recent", UnitCode: "H62", Closed: now.AddDate(0, -6, 0)},
		{Code: "D-other-unit", UnitCode: "H63", Closed: now.AddDate(-1, 0, -1)},
		{Code: "E-exactly-a-year", UnitCode: "H62", Closed: now.AddDate(-1, 0, 0)},
		{Code: "F-open", UnitCode: "H62"},
	} {
		s.Create(&d)
	}
	list := func(unit string) []string {
		var out []string
		for d, err := range archive.Due(context.Background(), s, unit, now) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d.Code)
			if !d.Due.Equal(d.Closed.AddDate(1, 0, 0)) {
				t.Errorf("%s due %v", d.Code, d.Due)
			}
		}
		return out
	}
	if got := list("H62"); !slices.Equal(got, []string{"A-due"}) {
		t.Errorf("due in H62: %v", got)
	}
	if got := list(""); !slices.Equal(got, []string{"A-due", "D-other-unit"}) {
		t.Errorf("due everywhere: %v", got)
	}
}

func payloadManifestsZip(t *testing.T, file string) (string, string) {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/manifest-sha256.txt") || strings.HasSuffix(f.Name, "/manifest-sha512.txt") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			out[f.Name[strings.LastIndexByte(f.Name, '/')+1:]] = string(b)
		}
	}
	return out["manifest-sha256.txt"], out["manifest-sha512.txt"]
}
