package testenv

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServicesScriptIdempotent runs `scripts/services start` and `stop` twice in a row (with
// separate env files) and checks that each start brings MinIO up and each stop leaves no
// MinIO process and no database behind; a second stop is a no-op. It runs only with
// KYSO_TEST_SCRIPTS=1 or in CI, since it starts real servers.
func TestServicesScriptIdempotent(t *testing.T) {
	if os.Getenv("KYSO_TEST_SCRIPTS") != "1" && os.Getenv(EnvCI) == "" {
		t.Skip("starts real services: set KYSO_TEST_SCRIPTS=1 (CI runs it)")
	}
	root := repoRoot(t)
	services := filepath.Join(root, "scripts", "services")
	psql := Tool(t, "psql")
	dir := t.TempDir()

	for i := range 2 {
		env := filepath.Join(dir, "run"+string(rune('0'+i))+".env")
		run(t, services, "start", env)
		st := readState(t, env+".state")
		pid, db, endpoint, runDir := st["minio_pid"], st["db_name"], st["s3_endpoint"], st["run_dir"]
		if pid == "" || db == "" || endpoint == "" || runDir == "" {
			t.Fatalf("run %d: incomplete state %v", i, st)
		}
		t.Cleanup(func() { // if an assertion below fails, do not leave servers behind
			_ = exec.Command(services, "stop", env).Run()
		})
		envText, err := os.ReadFile(env)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{EnvDatabaseURL, EnvS3Endpoint, EnvS3AccessKey, EnvS3SecretKey,
			EnvMinioBin, EnvMinioData, EnvPKCS11Module, EnvPKCS11Token, EnvPKCS11Pin, EnvSoftHSM2Conf} {
			if !strings.Contains(string(envText), "export "+v+"=") {
				t.Errorf("run %d: env file lacks %s", i, v)
			}
		}
		if !processAlive(pid) {
			t.Fatalf("run %d: MinIO pid %s not running after start", i, pid)
		}
		if code := health(endpoint); code != http.StatusOK {
			t.Fatalf("run %d: MinIO health at %s: %d", i, endpoint, code)
		}
		if !dbExists(t, psql, db) {
			t.Fatalf("run %d: database %s missing after start", i, db)
		}

		run(t, services, "stop", env)
		if processAlive(pid) {
			t.Errorf("run %d: MinIO pid %s still running after stop", i, pid)
		}
		if code := health(endpoint); code != 0 {
			t.Errorf("run %d: %s still answers (%d) after stop", i, endpoint, code)
		}
		if dbExists(t, psql, db) {
			t.Errorf("run %d: database %s still exists after stop", i, db)
		}
		if _, err := os.Stat(runDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %d: run dir %s still there: %v", i, runDir, err)
		}
		for _, f := range []string{env, env + ".state"} {
			if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run %d: %s still there: %v", i, f, err)
			}
		}
		run(t, services, "stop", env) // safe twice
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func readState(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			st[k] = v // last one wins, as in the script
		}
	}
	return st
}

// processAlive: the process exists and is not a zombie (an exited child that nobody reaped).
func processAlive(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// health returns the status of /minio/health/live, or 0 when nothing answers.
func health(endpoint string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + endpoint + "/minio/health/live")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func dbExists(t *testing.T, psql, db string) bool {
	t.Helper()
	out, err := exec.Command(psql, "-X", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
		"select 1 from pg_database where datname='"+db+"'").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out)) == "1"
}
