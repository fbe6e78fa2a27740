package interop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testenv"
)

// The peers: how each one is found, prepared and asked about a file. Every helper returns
// the peer's raw answer; the judging is in interop_test.go.

const peerTimeout = 60 * time.Second

// run runs a command with a timeout and returns its combined output and exit code (-1
// when it could not be started or was killed).
func run(name string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return string(out), ee.ExitCode()
	default:
		return string(out) + "\n" + err.Error(), -1
	}
}

// unavailable skips t, or fails it where peers are required (CI, ./scripts/test).
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; run ./scripts/test or scripts/provision"
	if testenv.Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// ---- PDFBox ------------------------------------------------------------------------------

// pdfboxJars are the Debian jars KysoPdfBox needs (libpdfbox2-java and its dependencies,
// libbcprov-java, libbcpkix-java, libbcutil-java).
var pdfboxJars = []string{"pdfbox2.jar", "fontbox2.jar", "commons-logging.jar", "bcprov.jar", "bcpkix.jar", "bcutil.jar"}

// pdfbox is KysoPdfBox compiled into a temporary directory.
type pdfbox struct {
	java      string
	classpath string
}

// pdfboxBuild is a compilation of KysoPdfBox running in the background while the test
// signs its documents.
type pdfboxBuild struct {
	done chan struct{}
	p    *pdfbox
	err  error
}

// wait returns the compiled program.
func (b *pdfboxBuild) wait() (*pdfbox, error) {
	<-b.done
	return b.p, b.err
}

// buildPDFBox finds java, javac and the jars (skipping or failing t when one is missing)
// and starts compiling interop/pdfbox/KysoPdfBox.java into a temporary directory.
func buildPDFBox(t *testing.T) *pdfboxBuild {
	t.Helper()
	java, javac := testenv.Tool(t, "java"), testenv.Tool(t, "javac")
	classes := t.TempDir()
	cp := []string{classes}
	for _, j := range pdfboxJars {
		p := filepath.Join("/usr/share/java", j)
		if _, err := os.Stat(p); err != nil {
			unavailable(t, "interop: %s missing (Debian libpdfbox2-java, libbcprov-java, libbcpkix-java, libbcutil-java)", p)
		}
		cp = append(cp, p)
	}
	src, err := filepath.Abs(filepath.Join("pdfbox", "KysoPdfBox.java"))
	if err != nil {
		t.Fatal(err)
	}
	b := &pdfboxBuild{done: make(chan struct{})}
	t.Cleanup(func() { <-b.done }) // before the class directory is removed
	go func() {
		defer close(b.done)
		out, code := run(javac, "-Xlint:all,-path", "-Werror", "-encoding", "UTF-8",
			"-cp", strings.Join(cp, ":"), "-d", classes, src)
		if code != 0 {
			b.err = fmt.Errorf("javac KysoPdfBox.java (exit %d):\n%s", code, out)
			return
		}
		b.p = &pdfbox{java: java, classpath: strings.Join(cp, ":")}
	}()
	return b
}

func (p *pdfbox) cmd(args ...string) (string, int) {
	// A short-lived JVM: C1 only and the serial collector start fastest.
	a := append([]string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
		"-cp", p.classpath, "KysoPdfBox"}, args...)
	return run(p.java, a...)
}

// sign signs in with the PKCS#12 file (empty password) and the sub-filter.
func (p *pdfbox) sign(t *testing.T, in, out, p12, subFilter string) {
	t.Helper()
	if msg, code := p.cmd("sign", in, out, p12, subFilter); code != 0 {
		t.Fatalf("PDFBox sign %s (exit %d):\n%s", subFilter, code, msg)
	}
}

// pdfboxLine is one line of "KysoPdfBox verify": VALID or INVALID and the rest.
type pdfboxLine struct {
	Valid bool
	Text  string
}

// verify returns KysoPdfBox's verdict lines and its exit code.
func (p *pdfbox) verify(file string) ([]pdfboxLine, int, string) {
	out, code := p.cmd("verify", file)
	var lines []pdfboxLine
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "VALID "):
			lines = append(lines, pdfboxLine{true, strings.TrimPrefix(l, "VALID ")})
		case strings.HasPrefix(l, "INVALID "):
			lines = append(lines, pdfboxLine{false, strings.TrimPrefix(l, "INVALID ")})
		}
	}
	return lines, code, out
}

// ---- pdfcpu ------------------------------------------------------------------------------

// pdfcpu is the pdfcpu command with its own configuration directory, which trusts the dev
// PKI's root and intermediate and may fetch revocation data from the loopback responder.
type pdfcpu struct {
	bin  string
	conf string
}

// findPdfcpu returns the pdfcpu that scripts/provision builds into $KYSO_CACHE/bin
// (default ~/.cache/kyso/bin), or one on PATH.
func findPdfcpu(t *testing.T) string {
	t.Helper()
	root := os.Getenv("KYSO_CACHE")
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".cache", "kyso")
		}
	}
	if root != "" {
		p := filepath.Join(root, "bin", "pdfcpu")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("pdfcpu"); err == nil {
		return p
	}
	unavailable(t, "interop: pdfcpu not found in %s/bin or on PATH", root)
	return ""
}

func newPdfcpu(t *testing.T, trust ...string) *pdfcpu {
	t.Helper()
	p := &pdfcpu{bin: findPdfcpu(t), conf: t.TempDir()}
	if out, code := run(p.bin, "-c", "disable", "version"); code != 0 {
		t.Fatalf("pdfcpu version (exit %d): %s", code, out)
	} else {
		t.Logf("pdfcpu %s", strings.TrimSpace(strings.SplitN(out, "\n", 2)[0]))
	}
	// The first command with -c creates DIR/pdfcpu/config.yml.
	if out, code := run(p.bin, append([]string{"-c", p.conf, "certificates", "import"}, trust...)...); code != 0 {
		t.Fatalf("pdfcpu certificates import (exit %d):\n%s", code, out)
	}
	// pdfcpu refuses loopback and private addresses for CRL and OCSP unless allowed.
	cfg := filepath.Join(p.conf, "pdfcpu", "config.yml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const key = "allowedRevocationHosts: []"
	if !bytes.Contains(b, []byte(key)) {
		t.Fatalf("%s has no %q line", cfg, key)
	}
	b = bytes.Replace(b, []byte(key), []byte("allowedRevocationHosts: [127.0.0.1]"), 1)
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfcpuSignature is one section of "pdfcpu signatures validate -a -f".
type pdfcpuSignature struct {
	Type, Status, Reason, Text string
}

var pdfcpuSection = regexp.MustCompile(`(?m)^(\d+):\s*$`)

// validateSignatures runs "pdfcpu signatures validate -a -f" (all signatures, full
// details). pdfcpu lists the newest signature first.
func (p *pdfcpu) validateSignatures(file string) ([]pdfcpuSignature, int, string) {
	out, code := run(p.bin, "-c", p.conf, "signatures", "validate", "-a", "-f", file)
	var sigs []pdfcpuSignature
	idx := pdfcpuSection.FindAllStringIndex(out, -1)
	for i, m := range idx {
		end := len(out)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		sec := out[m[1]:end]
		s := pdfcpuSignature{Text: sec}
		for _, l := range strings.Split(sec, "\n") {
			l = strings.TrimSpace(l)
			for _, f := range []struct {
				key string
				dst *string
			}{{"Type:", &s.Type}, {"Status:", &s.Status}, {"Reason:", &s.Reason}} {
				if *f.dst == "" && strings.HasPrefix(l, f.key) {
					*f.dst = strings.TrimSpace(strings.TrimPrefix(l, f.key))
				}
			}
		}
		sigs = append(sigs, s)
	}
	return sigs, code, out
}

// validate runs "pdfcpu validate" (relaxed mode, its default).
func (p *pdfcpu) validate(file string) (string, int) {
	return run(p.bin, "-c", p.conf, "validate", file)
}

// ---- poppler, qpdf -----------------------------------------------------------------------

// pdfsigSignature is one signature as "pdfsig -nocert" reports it.
type pdfsigSignature struct {
	Field, Type, Validation string
}

// docTimestamp reports whether poppler saw a document time-stamp, which it lists with type
// "unknown" and does not verify.
func (s pdfsigSignature) docTimestamp() bool {
	return s.Type == "unknown" || s.Type == "ETSI.RFC3161"
}

func runPdfsig(t *testing.T, file string) ([]pdfsigSignature, string) {
	t.Helper()
	out, _ := run(testenv.Tool(t, "pdfsig"), "-nocert", file)
	var sigs []pdfsigSignature
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		field := func(prefix string) (string, bool) {
			if v, ok := strings.CutPrefix(line, prefix); ok && len(sigs) > 0 {
				return strings.TrimSpace(v), true
			}
			return "", false
		}
		if strings.HasPrefix(line, "Signature #") {
			sigs = append(sigs, pdfsigSignature{})
		} else if v, ok := field("- Signature Field Name:"); ok {
			sigs[len(sigs)-1].Field = v
		} else if v, ok := field("- Signature Type:"); ok {
			sigs[len(sigs)-1].Type = v
		} else if v, ok := field("- Signature Validation:"); ok {
			sigs[len(sigs)-1].Validation = v
		}
	}
	return sigs, out
}

func runQpdfCheck(t *testing.T, file string) (string, int) {
	t.Helper()
	return run(testenv.Tool(t, "qpdf"), "--check", file)
}
