package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/archive/archivetest"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// makeBag exports one dossier with an unsigned document and its history.
func makeBag(t *testing.T, file string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.test/evidence")
	if err != nil {
		t.Fatal(err)
	}
	l, err := evidence.New(st.Meta, evidence.Options{Signer: s, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	store := archivetest.New(st.Objects, l, st.Meta)
	code := "000.00.12.H62-250303-0001"
	at := time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC)
	store.Create(&archive.Dossier{Code: code, Title: "Đăng ký khai sinh", UnitCode: "000.00.12.H62", Opened: at, Closed: at.Add(time.Hour)})
	store.ChangeState(code, archive.StateChange{To: "received", Actor: "intake:lan", Time: at})
	if _, err := store.AddVersionBytes(ctx, code, "to-khai", archive.Version{Kind: archive.Received, Role: "application", Source: "upload",
		MediaType: "text/plain", Name: "tờ khai.txt", Created: at}, []byte("Tờ khai đăng ký khai sinh")); err != nil {
		t.Fatal(err)
	}
	store.ChangeState(code, archive.StateChange{From: "received", To: "done", Actor: "head:binh", Time: at.Add(time.Hour)})
	if err := store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Export(ctx, file, archive.ExportOptions{Source: store, Evidence: archive.LogEvidence(l, vkey),
		Select: archive.Selection{Codes: []string{code}}}); err != nil {
		t.Fatal(err)
	}
	return code
}

func TestArchiveVerify(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "bag.tar")
	code := makeBag(t, good)
	ctx := context.Background()
	if c, out, errs := kyso(t, ctx, "archive", "verify", good); c != exitOK || !strings.Contains(out, "OK: the package") {
		t.Fatalf("verify: %d %q %q", c, out, errs)
	}
	c, out, _ := kyso(t, ctx, "archive", "verify", good, "--json")
	var rep map[string]any
	if c != exitOK || json.Unmarshal([]byte(out), &rep) != nil || rep["ok"] != true {
		t.Fatalf("verify --json: %d %s", c, out)
	}

	// Flip one payload byte and re-tar with "./" names, as tar -cf . does.
	in, _ := os.Open(good)
	tr := tar.NewReader(in)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	victim := ""
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		b, _ := io.ReadAll(tr)
		if strings.HasSuffix(h.Name, ".txt") && strings.Contains(h.Name, "/documents/") {
			b[3] ^= 1
			victim = strings.TrimPrefix(h.Name, "bag/")
		}
		h.Name = "./" + h.Name
		tw.WriteHeader(h)
		tw.Write(b)
	}
	in.Close()
	tw.Close()
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, buf.Bytes(), 0o644)
	c, out, errs := kyso(t, ctx, "archive", "verify", bad)
	if c != exitFailed || !strings.Contains(out, "FAIL "+victim+": fixity") || !strings.Contains(errs, "problems") {
		t.Fatalf("verify of a flipped byte: %d\n%s\n%s", c, out, errs)
	}
	if !strings.Contains(victim, code) {
		t.Fatalf("victim %q", victim)
	}

	notBag := filepath.Join(dir, "x.tar")
	os.WriteFile(notBag, []byte("not a tar at all"), 0o644)
	for _, args := range [][]string{{"archive", "verify", notBag}, {"archive", "verify"}, {"archive", "verify", good, "--only-given-anchors"},
		{"archive", "verify", filepath.Join(dir, "missing.tar")}, {"archive", "frobnicate"}} {
		if c, _, errs := kyso(t, ctx, args...); c != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q (want 2 and a message)", args, c, errs)
		}
	}
}
