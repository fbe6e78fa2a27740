package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/kyso-vn/kyso/storage"
)

// kysoIn runs kyso with --data dir and no database/S3 from the environment.
func kysoIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return kyso(t, context.Background(), append([]string{"--data", dir}, args...)...)
}

func TestLogAndStorageCommands(t *testing.T) {
	for _, v := range []string{"KYSO_DATABASE_URL", "KYSO_S3_ENDPOINT", "KYSO_LOG_KEY", "KYSO_DATA"} {
		t.Setenv(v, "")
	}
	dir := filepath.Join(t.TempDir(), "kyso-data")
	in := filepath.Join(t.TempDir(), "đơn.pdf")
	for i, s := range []string{"%PDF-1 một", "%PDF-1 hai", "%PDF-1 ba"} {
		os.WriteFile(in, []byte(s), 0o644)
		if code, out, errs := kysoIn(t, dir, "storage", "ingest", in, "--dossier", "H62-7"); code != 0 || !strings.Contains(out, "log entry "+string(rune('0'+i))) {
			t.Fatalf("ingest: %d %q %q", code, out, errs)
		}
	}
	all := append(storage.Migrations(), migrations()...)
	latest := 0
	for _, m := range all {
		latest = max(latest, m.Version)
	}
	if code, out, errs := kysoIn(t, dir, "migrate"); code != 0 || !strings.Contains(out, fmt.Sprintf("schema version %d", latest)) {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	if code, out, errs := kysoIn(t, dir, "log", "verify"); code != 0 || !strings.Contains(out, "3 entries") {
		t.Fatalf("verify: %d %q %q", code, out, errs)
	}
	_, vkey, _ := kysoIn(t, dir, "log", "checkpoint", "--key")
	code, proof, errs := kysoIn(t, dir, "log", "prove", "--entry", "1")
	if code != 0 {
		t.Fatalf("prove: %d %s", code, errs)
	}
	pf := filepath.Join(t.TempDir(), "proof.json")
	os.WriteFile(pf, []byte(proof), 0o644)
	if code, out, errs := kyso(t, context.Background(), "log", "check-proof", pf, "--key", strings.TrimSpace(vkey)); code != 0 || !strings.Contains(out, "OK: entry 1") {
		t.Fatalf("check-proof: %d %q %q", code, out, errs)
	}
	os.WriteFile(pf, []byte(strings.Replace(proof, "H62-7", "H62-9", 1)), 0o644)
	if code, _, errs := kyso(t, context.Background(), "log", "check-proof", pf, "--key", strings.TrimSpace(vkey)); code != 1 {
		t.Fatalf("check-proof of an altered entry: %d %q", code, errs)
	}
	if code, out, errs := kysoIn(t, dir, "log", "prove", "--from", "1"); code != 0 || !strings.Contains(out, `"consistency"`) {
		t.Fatalf("prove --from: %d %q %q", code, out, errs)
	}
	if code, out, _ := kysoIn(t, dir, "storage", "check", "--json"); code != 0 || !strings.Contains(out, `"worm": false`) {
		t.Fatalf("storage check: %d %q", code, out)
	}
	if code, _, _ := kysoIn(t, dir, "storage", "check", "--require-worm"); code != 1 {
		t.Fatalf("storage check --require-worm on the filesystem: %d", code)
	}
	if code, out, _ := kysoIn(t, dir, "storage", "gc"); code != 0 || !strings.Contains(out, "3 referenced, 0 young, 0 orphans") {
		t.Fatalf("gc: %d %q", code, out)
	}

	// Flip one byte of a stored object.
	var victim string
	filepath.WalkDir(filepath.Join(dir, "objects", "sha256"), func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	b, _ := os.ReadFile(victim)
	b[2] ^= 1
	os.Chmod(victim, 0o644)
	os.WriteFile(victim, b, 0o444)
	if code, out, errs := kysoIn(t, dir, "storage", "verify"); code != 1 || !strings.Contains(out, "CORRUPTED") {
		t.Fatalf("storage verify after a flipped byte: %d %q %q", code, out, errs)
	}
	b[2] ^= 1
	os.WriteFile(victim, b, 0o444)

	// Edit a row of the log table, as the acceptance check does.
	db, err := sql.Open("sqlite", filepath.Join(dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE evidence_entries SET body = replace(body, 'H62-7', 'H62-8') WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errs = kysoIn(t, dir, "log", "verify")
	if code != 1 || !strings.Contains(errs, "entry 2") {
		t.Fatalf("verify after an edit: %d %q", code, errs)
	}
	if strings.Count(errs, "\n") != 1 {
		t.Errorf("error is not one line: %q", errs)
	}
}

func TestLogVerifyWithoutKeyIsIndeterminate(t *testing.T) {
	for _, v := range []string{"KYSO_DATABASE_URL", "KYSO_S3_ENDPOINT", "KYSO_LOG_KEY", "KYSO_DATA"} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	if code, _, _ := kysoIn(t, dir, "migrate"); code != 0 {
		t.Fatal("migrate failed")
	}
	if code, _, errs := kysoIn(t, dir, "log", "verify"); code != 3 || !strings.Contains(errs, "log.key") {
		t.Fatalf("verify without a key: %d %q", code, errs)
	}
	if code, _, _ := kysoIn(t, dir, "log", "prove"); code != 2 {
		t.Fatalf("prove without --entry: %d", code)
	}
}
