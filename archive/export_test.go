package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/signer"
)

func TestExportVerify(t *testing.T) {
	for _, backends := range [][2]string{{"sqlite", "filesystem"}, {"postgres", "s3"}} {
		t.Run(backends[0]+"+"+backends[1], func(t *testing.T) { testExportVerify(t, backends[0], backends[1]) })
	}
}

func testExportVerify(t *testing.T, metaBackend, objBackend string) {
	e := newEnv(t, metaBackend, objBackend)
	e.addDossier(t, "000.00.12.H62-250303-0001", t0)
	e.addDossier(t, "000.00.12.H62-250303-0002", t0.Add(48*3600e9))
	for _, ext := range []string{".tar", ".zip"} {
		t.Run(ext, func(t *testing.T) {
			file := filepath.Join(e.dir, "bag"+ext)
			res := e.export(t, file, "000.00.12.H62-250303-0002", "000.00.12.H62-250303-0001")
			if len(res.Dossiers) != 2 || res.PayloadFiles == 0 || res.SHA256 == "" {
				t.Fatalf("result %+v", res)
			}
			if _, err := os.Stat(file + ".journal"); !os.IsNotExist(err) {
				t.Errorf("journal left behind: %v", err)
			}
			rep := verifyFile(t, file, archive.VerifyOptions{})
			if !rep.OK {
				t.Fatalf("verify: %d problems:\n%s", len(rep.Problems), problems(rep))
			}
			if len(rep.Dossiers) != 2 || len(rep.Checkpoints) != 1 || len(rep.Anchors) != 1 || rep.Anchors[0].Source != "package" {
				t.Errorf("report: dossiers %+v, checkpoints %+v, anchors %+v", rep.Dossiers, rep.Checkpoints, rep.Anchors)
			}
			for _, d := range rep.Dossiers {
				// don: received, B-T, B-LTA; ket-qua: draft, B-T, B-LT, B-LTA; cccd.
				if d.Documents != 3 || d.Versions != 8 || d.Signed != 5 || !d.OK {
					t.Errorf("dossier %+v", d)
				}
			}
			// Only the given anchors: without the dev root the signatures cannot be trusted.
			rep = verifyFile(t, file, archive.VerifyOptions{OnlyGivenAnchors: true})
			if rep.OK {
				t.Error("verified with no trust anchor at all")
			}
			rep = verifyFile(t, file, archive.VerifyOptions{OnlyGivenAnchors: true, Trust: e.pki.TrustStore()})
			if !rep.OK || len(rep.Anchors) != 1 || rep.Anchors[0].Source != "given" {
				t.Errorf("with the dev root given: ok %v, anchors %+v\n%s", rep.OK, rep.Anchors, problems(rep))
			}
		})
	}
	// The extension happened once: a second export finds every document at B-LTA.
	res := e.export(t, filepath.Join(e.dir, "again.tar"), "000.00.12.H62-250303-0001")
	if res.Extended != 0 {
		t.Errorf("second export extended %d documents", res.Extended)
	}
}

// TestExportRefuses checks the source contract and the B-LTA requirement.
func TestExportRefuses(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	code := "000.00.12.H62-250303-0001"
	e.addDossier(t, code, t0)
	e.store.Create(&archive.Dossier{Code: "a/b"})
	ctx := context.Background()
	opts := archive.ExportOptions{Source: e.store, Evidence: e.evidence(), Select: archive.Selection{Codes: []string{code}}, Trust: e.pki.TrustStore()}
	cases := []struct {
		name string
		opts func(o *archive.ExportOptions)
		want error
	}{
		{"not B-LTA and no TSA", func(o *archive.ExportOptions) {}, archive.ErrNotLTA},
		{"unknown dossier", func(o *archive.ExportOptions) { o.Select.Codes = []string{"nope"} }, archive.ErrNoDossier},
		{"bad code", func(o *archive.ExportOptions) { o.Select.Codes = []string{"a/b"} }, archive.ErrBadSource},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts
			c.opts(&o)
			file := filepath.Join(t.TempDir(), "bag.tar")
			_, err := archive.Export(ctx, file, o)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if _, err := os.Stat(file); err == nil {
				t.Error("a failed export left a file at the final name")
			}
		})
	}
	// A corrupt object in the store is refused, naming it.
	e.store.Mutate(code, func(d *archive.Dossier) { d.Documents[2].Versions[0].SHA256 = strings.Repeat("0", 64) })
	o := opts
	o.LTA = &archive.LTAOptions{Store: e.store, Extend: signer.ExtendOptions{TSA: e.pki.TSA()}}
	if _, err := archive.Export(ctx, filepath.Join(t.TempDir(), "bag.tar"), o); err == nil || !strings.Contains(err.Error(), strings.Repeat("0", 64)) {
		t.Fatalf("export with a missing object: %v", err)
	}
}

// readTar returns the members of a tar file in order.
func readTar(t testing.TB, file string) ([]string, map[string][]byte) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var names []string
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		files[h.Name] = b
	}
	return names, files
}

// TestLayout checks the member order (payload first, tag files last) and
// the files of one dossier.
func TestLayout(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	code := "000.00.12.H62-250303-0001"
	e.addDossier(t, code, t0)
	file := filepath.Join(e.dir, "ho-so.tar")
	e.export(t, file, code)
	names, files := readTar(t, file)
	if names[0] != "ho-so/bagit.txt" {
		t.Errorf("first member %s", names[0])
	}
	tail := names[len(names)-5:]
	want := []string{"ho-so/manifest-sha256.txt", "ho-so/manifest-sha512.txt", "ho-so/bag-info.txt", "ho-so/tagmanifest-sha256.txt", "ho-so/tagmanifest-sha512.txt"}
	if strings.Join(tail, " ") != strings.Join(want, " ") {
		t.Errorf("tag files at the end: %v", tail)
	}
	p := "ho-so/data/" + code + "/"
	for _, f := range []string{"dossier.json", "metadata.json", "history.json", "digitization.json", "provenance.json",
		"validation/stored-reports.json", "validation/export-report.json", "validation/bao-cao-kiem-tra.pdf",
		"evidence/checkpoint.txt", "evidence/log-key.txt", "evidence/entries.json", "validation-data/certificates.pem",
		"validation-data/anchors.pem", "documents/01-don/01-received-Don_de_nghi.pdf", "documents/01-don/03-signed-Don_de_nghi.pdf",
		"documents/03-ket-qua/04-signed-Giay_phep.pdf", "documents/02-anh-cccd/01-received-cccd.jpg"} {
		if _, ok := files[p+f]; !ok {
			t.Errorf("missing %s", f)
		}
	}
	info := string(files["ho-so/bag-info.txt"])
	for _, w := range []string{"Source-Organization: UBND huyện Tam Dương", "External-Identifier: " + code, "Payload-Oxum: ", "Bag-Software-Agent: kyso", "Bagging-Date: "} {
		if !strings.Contains(info, w) {
			t.Errorf("bag-info.txt lacks %q:\n%s", w, info)
		}
	}
	if !bytes.Contains(files[p+"metadata.json"], []byte(`"page_count": 3`)) {
		t.Errorf("metadata.json:\n%s", files[p+"metadata.json"])
	}
	var ocsp int
	for n := range files {
		if strings.HasPrefix(n, p+"validation-data/ocsp/") {
			ocsp++
		}
	}
	if ocsp == 0 {
		t.Error("no OCSP responses in validation-data/")
	}
}
