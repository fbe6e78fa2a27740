package archive_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/internal/testenv"
)

// TestInteroperability checks a package with independent tools: GNU tar
// extracts it, coreutils' sha256sum/sha512sum check both manifests and the
// tag manifests from inside the bag (Debian has no BagIt validator
// package), and poppler's pdfsig validates the signed PDFs with the PKI's
// responders shut down. Then, as acceptance check 08 does, one payload
// byte is flipped, the folder re-tarred with `tar -cf ../bad.tar .`, and
// Verify must name the file.
func TestInteroperability(t *testing.T) {
	tarTool := testenv.Tool(t, "tar")
	e := newEnv(t, "sqlite", "filesystem")
	code := "000.00.12.H62-250303-0001"
	e.addDossier(t, code, t0)
	file := filepath.Join(e.dir, "ho-so.tar")
	e.export(t, file, code)
	nss := e.pki.NSSDB(t, testenv.Tool(t, "certutil"))
	e.pki.Server.Close() // no network from here on

	x := filepath.Join(e.dir, "x")
	os.Mkdir(x, 0o755)
	run := func(dir, tool string, args ...string) string {
		t.Helper()
		cmd := exec.Command(tool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(x, tarTool, "-xf", file)
	bag := filepath.Join(x, "ho-so")
	for tool, manifests := range map[string][]string{"sha256sum": {"manifest-sha256.txt", "tagmanifest-sha256.txt"}, "sha512sum": {"manifest-sha512.txt", "tagmanifest-sha512.txt"}} {
		for _, m := range manifests {
			out := run(bag, testenv.Tool(t, tool), "--strict", "-c", m)
			if strings.Count(out, ": OK") < 4 {
				t.Errorf("%s -c %s:\n%s", tool, m, out)
			}
		}
	}

	pdfsig := testenv.Tool(t, "pdfsig")
	pdfs, _ := filepath.Glob(filepath.Join(bag, "data", code, "documents", "*", "*-signed-*.pdf"))
	if len(pdfs) != 5 {
		t.Fatalf("%d signed PDFs in the bag: %v", len(pdfs), pdfs)
	}
	for _, p := range pdfs {
		out, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nss, "-no-ocsp", p).CombinedOutput()
		valid := strings.Count(string(out), "Signature Validation: Signature is Valid.")
		trusted := strings.Count(string(out), "Certificate Validation: Certificate is Trusted.")
		if valid == 0 || trusted < valid || strings.Contains(string(out), "Signature is Invalid") {
			t.Errorf("pdfsig %s:\n%s", filepath.Base(p), out)
		}
	}
	// The validation report PDF is Vietnamese text that pdftotext reads back.
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		out, _ := exec.Command(pdftotext, filepath.Join(bag, "data", code, "validation", "bao-cao-kiem-tra.pdf"), "-").CombinedOutput()
		for _, w := range []string{"BÁO CÁO KIỂM TRA HỒ SƠ LƯU TRỮ ĐIỆN TỬ", "Văn bản hợp lệ", code} {
			if !strings.Contains(string(out), w) {
				t.Errorf("report PDF lacks %q:\n%s", w, out)
			}
		}
	}

	// Acceptance check 08, with the real tar.
	victim := pdfs[len(pdfs)-1]
	b, _ := os.ReadFile(victim)
	b[len(b)/2] ^= 1
	os.WriteFile(victim, b, 0o644)
	run(x, tarTool, "-cf", "../bad.tar", ".")
	rep := verifyFile(t, filepath.Join(e.dir, "bad.tar"), archive.VerifyOptions{})
	rel, _ := filepath.Rel(bag, victim)
	if rep.OK || !strings.Contains(problems(rep), rel) {
		t.Fatalf("flipped byte in %s not named:\n%s", rel, problems(rep))
	}
}
