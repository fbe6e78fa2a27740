package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	_ "modernc.org/sqlite"

	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
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
	if code, out, errs := kysoIn(t, dir, "migrate"); code != 0 || !strings.Contains(out, fmt.Sprintf("schema version %d\n", latestMigration())) {
		t.Fatalf("migrate: %d %q %q; want schema version %d", code, out, errs, latestMigration())
	}
	if code, out, errs := kysoIn(t, dir, "storage", "check"); code != 0 ||
		!strings.Contains(out, fmt.Sprintf("(schema version %d of %d)", latestMigration(), latestMigration())) {
		t.Fatalf("storage check: %d %q %q", code, out, errs)
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

// latestMigration is the highest schema version of storage and the
// packages whose migrations every command applies.
func latestMigration() int {
	v := 0
	for _, m := range append(storage.Migrations(), migrations()...) {
		v = max(v, m.Version)
	}
	return v
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

// TestLogAndStorageOnServers runs the storage and log commands on
// PostgreSQL and a MinIO bucket under object lock: WORM reported, a
// presigned download, a flipped byte and an edited log row caught.
func TestLogAndStorageOnServers(t *testing.T) {
	pg := storagetest.PostgresURL(t)
	s3 := storagetest.S3Config(t)
	for k, v := range map[string]string{"KYSO_DATABASE_URL": pg, "KYSO_S3_ENDPOINT": s3.Endpoint, "KYSO_S3_BUCKET": s3.Bucket,
		"KYSO_S3_ACCESS_KEY": s3.AccessKey, "KYSO_S3_SECRET_KEY": s3.SecretKey, "KYSO_S3_LOCK_MODE": "GOVERNANCE",
		"KYSO_S3_LOCK_DAYS": "1", "KYSO_LOG_KEY": "", "KYSO_DATA": ""} {
		t.Setenv(k, v)
	}
	dir := filepath.Join(t.TempDir(), "kyso-data")
	in := filepath.Join(t.TempDir(), "kết quả.pdf")
	var sums []string
	for _, s := range []string{"%PDF-1 một", "%PDF-1 hai", "%PDF-1 ba"} {
		os.WriteFile(in, []byte(s), 0o644)
		code, out, errs := kysoIn(t, dir, "storage", "ingest", in, "--dossier", "H62-9", "--json")
		var res struct{ SHA256 string }
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("ingest: %d %q %q", code, out, errs)
		}
		sums = append(sums, res.SHA256)
	}
	if code, out, errs := kysoIn(t, dir, "storage", "check", "--json", "--require-worm"); code != 0 || !strings.Contains(out, `"worm": true`) ||
		!strings.Contains(out, `"retention_mode": "GOVERNANCE"`) || !strings.Contains(out, "postgres") {
		t.Fatalf("storage check on a locked bucket: %d %q %q", code, out, errs)
	}
	code, out, errs := kysoIn(t, dir, "storage", "get", sums[1], "--url", "--expiry", "1m", "--name", "kết quả.pdf")
	if code != 0 || !strings.HasPrefix(out, "http://"+s3.Endpoint+"/") {
		t.Fatalf("storage get --url: %d %q %q", code, out, errs)
	}
	resp, err := http.Get(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "%PDF-1 hai" {
		t.Fatalf("presigned download: %s %q", resp.Status, b)
	}
	if code, _, errs := kysoIn(t, dir, "storage", "get", strings.Repeat("0", 64), "--url"); code != 2 || !strings.Contains(errs, "not found") {
		t.Fatalf("storage get --url of a missing object: %d %q", code, errs)
	}
	if code, out, errs := kysoIn(t, dir, "log", "verify"); code != 0 || !strings.Contains(out, "3 entries, 3 signed checkpoints") {
		t.Fatalf("log verify: %d %q %q", code, out, errs)
	}

	// Flip a byte: a new version of the object over the locked one.
	store, err := storage.NewS3Store(context.Background(), s3)
	if err != nil {
		t.Fatal(err)
	}
	h := sums[0]
	if _, err := store.Client().PutObject(context.Background(), s3.Bucket, "sha256/"+h[:2]+"/"+h[2:], strings.NewReader("%PDF-1 mộT"), -1,
		minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := kysoIn(t, dir, "storage", "verify"); code != 1 || !strings.Contains(out, "CORRUPTED "+h) {
		t.Fatalf("storage verify after a flipped byte: %d %q %q", code, out, errs)
	}

	// Edit a row of the log table in PostgreSQL.
	m, err := storage.OpenPostgres(context.Background(), pg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Update(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE evidence_entries SET body = replace(body, 'H62-9', 'H62-8') WHERE seq = 2`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := kysoIn(t, dir, "log", "verify"); code != 1 || !strings.Contains(errs, "entry 2") {
		t.Fatalf("log verify after an edit: %d %q", code, errs)
	}
}
