package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpki"
)

func a5Scan(t *testing.T, path string) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 1165, 1654)) // A5 at 200 dpi
	for i := range img.Pix {
		img.Pix[i] = byte(200 + i%50)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDigitizeCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.jpg")
	a5Scan(t, scan)
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nbroken"), 0o600)
	empty := filepath.Join(dir, "empty.tif")
	os.WriteFile(empty, nil, 0o600)

	cases := []struct {
		name     string
		args     []string
		code     int
		stderr   []string
		produced int
	}{
		{"one scan", []string{scan, "--operator", "Nguyễn Văn An", "--dossier", "H12-0001"}, 0, nil, 1},
		{"bad files", []string{scan, bad, empty, "--operator", "A"}, 1, []string{"bad.png: corrupt", "empty.tif: empty file"}, 1},
		{"only bad", []string{bad, "--operator", "A"}, 2, []string{"no document made"}, 0},
		{"no out", []string{scan}, 2, []string{"missing --out"}, -1},
		{"bad split", []string{scan, "--split", "zigzag"}, 2, []string{"unknown split mode"}, -1},
		{"ranges beyond", []string{scan, "--split", "1-2", "--operator", "A"}, 2, []string{"the batch has 1 pages"}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"digitize"}, c.args...)
			if c.name != "no out" {
				args = append(args, "--out", out)
			}
			code, _, stderr := kyso(t, ctx, args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if c.produced >= 0 {
				pdfs, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
				jsons, _ := filepath.Glob(filepath.Join(out, "*.json"))
				if len(pdfs) != c.produced || len(jsons) != c.produced {
					t.Errorf("%d PDFs and %d records, want %d", len(pdfs), len(jsons), c.produced)
				}
			}
		})
	}
}

func TestDigitizeSignedCommand(t *testing.T) {
	ctx := context.Background()
	p := testpki.New(t, certs.DevPKIOptions{})
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.jpg")
	a5Scan(t, scan)
	assign := filepath.Join(dir, "assign.json")
	os.WriteFile(assign, []byte(`{"number": "12/QĐ-TTPVHCC", "date": "2025-01-02T00:00:00+07:00", "signed_by": "Giám đốc",
		"staff": ["intake@motcua"], "valid_from": "2025-01-02T00:00:00+07:00"}`), 0o600)
	meta := filepath.Join(dir, "meta.json")
	os.WriteFile(meta, []byte(`{"common": {"dossier_code": "H12-0001"}, "components": [{"fields": {"component_code": "TP01", "component_name": "Đơn"}}],
		"operator": {"account": "intake@motcua"}}`), 0o600)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := kyso(t, ctx, "digitize", scan, "--out", out, "--p12", filepath.Join(p.Dir, "intake.p12"),
		"--tsa", p.TSAURL(), "--assignment", assign, "--meta", meta, "--require-valid", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Documents []struct {
			Path   string
			Record struct {
				Validity  struct{ Valid bool }
				Signature *struct{ Level string }
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Documents) != 1 {
		t.Fatalf("json %v: %s", err, stdout)
	}
	d := res.Documents[0]
	if !d.Record.Validity.Valid || d.Record.Signature == nil || d.Record.Signature.Level != "B-T" {
		t.Fatalf("record: %+v", d.Record)
	}
	code, _, stderr = kyso(t, ctx, "verify", d.Path, "--trust", filepath.Join(p.Dir, "root.crt"))
	if code != 0 {
		t.Fatalf("verify: %d %s", code, stderr)
	}
	// Separator sheets.
	sheets := filepath.Join(dir, "sheets.pdf")
	if code, _, stderr := kyso(t, ctx, "digitize", "separators", "TP01:Đơn đề nghị", "TP02", "-o", sheets); code != 0 {
		t.Fatalf("separators: %s", stderr)
	}
	if b, _ := os.ReadFile(sheets); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("no separator PDF")
	}
}
