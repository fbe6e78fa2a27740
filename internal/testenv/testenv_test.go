package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fakeTB records Skipf/Fatalf and stops the helper like the real ones do (by panicking with
// stopped instead of runtime.Goexit).
type fakeTB struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func call(fn func(testing.TB)) (f *fakeTB) {
	f = &fakeTB{}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
		}
	}()
	fn(f)
	return f
}

var allVars = []string{
	EnvDatabaseURL, EnvS3Endpoint, EnvS3AccessKey, EnvS3SecretKey, EnvMinioBin, EnvMinioData,
	EnvPKCS11Module, EnvPKCS11Token, EnvPKCS11Pin, EnvSoftHSM2Conf,
}

func clearEnv(t *testing.T) {
	for _, n := range allVars {
		t.Setenv(n, "")
	}
	t.Setenv(EnvCI, "")
	t.Setenv(EnvRequire, "")
}

func TestMissingSkipsOrFails(t *testing.T) {
	helpers := map[string]struct {
		fn   func(testing.TB)
		want string // a variable the message must name
	}{
		"PostgresURL": {func(tb testing.TB) { PostgresURL(tb) }, EnvDatabaseURL},
		"S3":          {func(tb testing.TB) { S3(tb) }, EnvS3Endpoint},
		"PKCS11":      {func(tb testing.TB) { PKCS11(tb) }, EnvPKCS11Module},
		"Tool":        {func(tb testing.TB) { Tool(tb, "kyso-no-such-tool-xyz") }, "kyso-no-such-tool-xyz"},
	}
	modes := []struct {
		name     string
		ci, req  string
		wantFail bool
	}{
		{"local", "", "", false},
		{"CI", "true", "", true},
		{"required", "", "1", true},
		{"required0", "", "0", false},
	}
	for hn, h := range helpers {
		for _, m := range modes {
			t.Run(hn+"/"+m.name, func(t *testing.T) {
				clearEnv(t)
				t.Setenv(EnvCI, m.ci)
				t.Setenv(EnvRequire, m.req)
				f := call(h.fn)
				msg := f.skipped
				if m.wantFail {
					msg = f.failed
					if f.skipped != "" {
						t.Fatalf("skipped, want Fatalf: %s", f.skipped)
					}
				} else if f.failed != "" {
					t.Fatalf("failed, want Skipf: %s", f.failed)
				}
				if msg == "" {
					t.Fatalf("neither skipped nor failed")
				}
				if !strings.Contains(msg, h.want) {
					t.Errorf("message %q does not name %s", msg, h.want)
				}
				if !strings.Contains(msg, "./scripts/test") {
					t.Errorf("message %q does not mention ./scripts/test", msg)
				}
			})
		}
	}
}

func TestPresentValues(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvCI, "true")
	module := t.TempDir() + "/libfake.so"
	if err := os.WriteFile(module, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{
		EnvDatabaseURL: "postgres://u@h:1/db?sslmode=disable",
		EnvS3Endpoint:  "127.0.0.1:9", EnvS3AccessKey: "ak", EnvS3SecretKey: "sk",
		EnvMinioBin: "/bin/minio", EnvMinioData: "/data",
		EnvPKCS11Module: module, EnvPKCS11Token: "tok", EnvPKCS11Pin: "1234", EnvSoftHSM2Conf: "/conf",
	}
	for k, v := range vals {
		t.Setenv(k, v)
	}
	if got := PostgresURL(t); got != vals[EnvDatabaseURL] {
		t.Errorf("PostgresURL = %q", got)
	}
	if got, want := S3(t), (S3Config{"127.0.0.1:9", "ak", "sk", "/bin/minio", "/data"}); got != want {
		t.Errorf("S3 = %+v, want %+v", got, want)
	}
	if got, want := PKCS11(t), (PKCS11Config{module, "tok", "1234", "/conf"}); got != want {
		t.Errorf("PKCS11 = %+v, want %+v", got, want)
	}
	if got := Tool(t, "go"); got == "" {
		t.Errorf("Tool(go) is empty")
	}

	// Partly configured: the message names exactly what is missing.
	t.Setenv(EnvS3SecretKey, "")
	t.Setenv(EnvMinioData, "")
	f := call(func(tb testing.TB) { S3(tb) })
	if !strings.Contains(f.failed, EnvS3SecretKey+", "+EnvMinioData) || strings.Contains(f.failed, EnvS3AccessKey) {
		t.Errorf("message %q", f.failed)
	}
	// A module path that does not exist.
	t.Setenv(EnvPKCS11Module, module+".missing")
	if f := call(func(tb testing.TB) { PKCS11(tb) }); !strings.Contains(f.failed, module+".missing") {
		t.Errorf("message %q", f.failed)
	}
}

// TestServices checks that the environment written by scripts/services is real: the database
// answers, MinIO is healthy, the token is there and the external tools are installed.
// Skipped without services (unless required).
func TestServices(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("postgres", func(t *testing.T) {
		url := PostgresURL(t)
		out, err := exec.CommandContext(ctx, Tool(t, "psql"), url, "-XtAc", "select 1").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "1" {
			t.Fatalf("psql %s: %v: %s", url, err, out)
		}
	})
	t.Run("minio", func(t *testing.T) {
		s3 := S3(t)
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s3.Endpoint+"/minio/health/live", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health: %s", resp.Status)
		}
		if st, err := os.Stat(s3.MinioBin); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("MinioBin %s not executable: %v", s3.MinioBin, err)
		}
		if st, err := os.Stat(s3.MinioData); err != nil || !st.IsDir() {
			t.Errorf("MinioData %s not a directory: %v", s3.MinioData, err)
		}
	})
	t.Run("pkcs11", func(t *testing.T) {
		p := PKCS11(t)
		cmd := exec.CommandContext(ctx, Tool(t, "pkcs11-tool"), "--module", p.Module, "--list-token-slots")
		cmd.Env = append(os.Environ(), EnvSoftHSM2Conf+"="+p.Conf)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), p.Token) {
			t.Fatalf("pkcs11-tool --list-token-slots: %v: %s", err, out)
		}
	})
	t.Run("tools", func(t *testing.T) {
		if PostgresURL(t) == "" { // only where scripts/provision ran (services present)
			return
		}
		for _, name := range []string{"pdfsig", "pdftotext", "pdftoppm", "qpdf", "openssl",
			"certutil", "pk12util", "mutool", "pkcs11-tool", "softhsm2-util"} {
			t.Run(name, func(t *testing.T) { Tool(t, name) })
		}
		const font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
		if _, err := os.Stat(font); err != nil {
			t.Errorf("font: %v", err)
		}
	})
}
