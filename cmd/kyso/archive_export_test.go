package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// TestArchiveRoundTrip: the demo's closed dossiers exported (B-LTA first),
// verified offline, imported into a fresh instance, exported again with the
// same payload; the hand-over recorded; the due list; bad input.
func TestArchiveRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a province")
	}
	archiveRoundTrip(t, false)
}

// TestArchiveRoundTripPostgresMinIO is the same on the production backends.
func TestArchiveRoundTripPostgresMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a province")
	}
	archiveRoundTrip(t, true)
}

func useServers(t *testing.T) {
	pg := storagetest.PostgresURL(t)
	s3 := storagetest.S3Config(t)
	t.Setenv("KYSO_DATABASE_URL", pg)
	t.Setenv("KYSO_S3_ENDPOINT", s3.Endpoint)
	t.Setenv("KYSO_S3_BUCKET", s3.Bucket)
	t.Setenv("KYSO_S3_ACCESS_KEY", s3.AccessKey)
	t.Setenv("KYSO_S3_SECRET_KEY", s3.SecretKey)
}

func archiveRoundTrip(t *testing.T, servers bool) {
	ctx := context.Background()
	if servers {
		useServers(t)
	}
	data, _ := demoData(t)
	f := runDemoJSON(t, data, "--profiles", "vinh-phuc")
	var closed string
	for _, d := range f.Dossiers {
		if d.State == string(dossier.StateReturned) {
			closed = d.DossierCode
		}
	}
	if closed == "" {
		t.Fatal("the demo closed no dossier")
	}
	dir := t.TempDir()
	bag := filepath.Join(dir, "bag.tar")
	if code, out, stderr := kyso(t, ctx, "--data", data, "archive", "export", "--dossier", closed, "-o", bag, "--json"); code != exitOK {
		t.Fatalf("export: %d %s %s", code, out, stderr)
	} else {
		var res struct {
			Dossiers []string `json:"dossiers"`
			Extended int      `json:"extended"`
		}
		if json.Unmarshal([]byte(out), &res); len(res.Dossiers) != 1 || res.Extended == 0 {
			t.Fatalf("export result %s: want one dossier with documents brought to B-LTA", out)
		}
	}
	if code, out, stderr := kyso(t, ctx, "--data", data, "archive", "verify", bag); code != exitOK || !strings.Contains(out, "OK: the package") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	// The hand-over is on record, and the log still verifies.
	if code, out, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify after export: %d %s %s", code, out, stderr)
	}
	// An open dossier cannot be exported; an unknown one neither.
	var open string
	for _, d := range f.Dossiers {
		if !dossier.State(d.State).Final() {
			open = d.DossierCode
		}
	}
	for _, args := range [][]string{
		{"archive", "export", "--dossier", open, "-o", filepath.Join(dir, "open.tar")},
		{"archive", "export", "--dossier", "000.00.30.H62-990101-0001", "-o", filepath.Join(dir, "x.tar")},
		{"archive", "export", "-o", filepath.Join(dir, "y.tar")},
		{"archive", "export", "--dossier", closed, "-o", filepath.Join(dir, "z.rar")},
		{"archive", "renew", "--window", "soon"},
	} {
		if code, _, _ := kyso(t, ctx, append([]string{"--data", data}, args...)...); code == exitOK {
			t.Errorf("%v succeeded", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "open.tar")); err == nil {
		t.Error("a refused export left a package behind")
	}

	// Import into a fresh instance and export again: the same payload.
	fresh := t.TempDir()
	if servers {
		useServers(t) // another schema and bucket
	}
	if code, out, stderr := kyso(t, ctx, "--data", fresh, "archive", "import", bag); code != exitOK || !strings.Contains(out, "imported 1 dossiers") {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := kyso(t, ctx, "--data", fresh, "archive", "import", bag); code == exitOK {
		t.Fatalf("a second import of the same dossier succeeded: %s", stderr)
	}
	again := filepath.Join(dir, "again.tar")
	if code, out, stderr := kyso(t, ctx, "--data", fresh, "archive", "export", "--dossier", closed, "-o", again); code != exitOK {
		t.Fatalf("export after import: %d %s %s", code, out, stderr)
	}
	for _, m := range []string{"manifest-sha256.txt", "manifest-sha512.txt"} {
		if a, b := member(t, bag, m), member(t, again, m); a != b || a == "" {
			t.Errorf("%s differs after the round trip", m)
		}
	}
	if code, out, stderr := kyso(t, ctx, "--data", fresh, "archive", "verify", again); code != exitOK {
		t.Fatalf("verify the re-export: %d %s %s", code, out, stderr)
	}
	// Nothing closed a year ago: the due list is empty; the JSON form is a list.
	if code, out, _ := kyso(t, ctx, "--data", data, "archive", "due", "--json"); code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("due: %d %q", code, out)
	}
}

// member returns the content of the bag member whose name ends with name.
func member(t *testing.T, bag, name string) string {
	f, err := os.Open(bag)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, "/"+name) || h.Name == name {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}
