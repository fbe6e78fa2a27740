package archive_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/archive"
)

// tinyBag is a minimal bag: one payload file and its manifests, as tar or zip.
func tinyBag(zipped bool, names []string, contents []string) []byte {
	var b bytes.Buffer
	if zipped {
		zw := zip.NewWriter(&b)
		for i, n := range names {
			w, _ := zw.Create(n)
			w.Write([]byte(contents[i]))
		}
		zw.Close()
		return b.Bytes()
	}
	tw := tar.NewWriter(&b)
	for i, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(contents[i])), Typeflag: tar.TypeReg})
		tw.Write([]byte(contents[i]))
	}
	tw.Close()
	return b.Bytes()
}

// FuzzVerify feeds arbitrary archives to Verify: it must return a report
// or ErrNotBag-style error, never panic or hang.
func FuzzVerify(f *testing.F) {
	names := []string{"b/bagit.txt", "b/data/X/dossier.json", "b/manifest-sha256.txt", "b/bag-info.txt"}
	contents := []string{"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", `{"code":"X","documents":[{"id":"d","versions":[{"kind":"received","path":"data/X/documents/01-d/01-received-a.pdf","media_type":"application/pdf"}]}]}`,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  data/X/dossier.json\n", "Payload-Oxum: 3.1\n"}
	f.Add(tinyBag(false, names, contents))
	f.Add(tinyBag(true, names, contents))
	f.Add(tinyBag(false, []string{"./bagit.txt", "./data/a", "./manifest-sha512.txt"}, []string{"BagIt-Version: 0.97\n", "x", "zz  data/a\n"}))
	f.Add([]byte("PK\x03\x04 truncated zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		type result struct {
			rep *archive.Report
			err error
		}
		done := make(chan result, 1)
		go func() {
			rep, err := archive.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), archive.VerifyOptions{Workers: 1})
			done <- result{rep, err}
		}()
		var rep *archive.Report
		var err error
		select {
		case r := <-done:
			rep, err = r.rep, r.err
		case <-time.After(10 * time.Second):
			t.Fatalf("Verify of %d bytes takes more than 10 s", len(b))
		}
		if err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
		if err == nil && rep.OK && len(rep.Dossiers) > 0 {
			t.Fatalf("a fuzzed package verified: %+v", rep)
		}
	})
}
