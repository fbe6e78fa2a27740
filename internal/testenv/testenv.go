package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Names of the environment variables written by scripts/services.
const (
	EnvDatabaseURL   = "KYSO_TEST_DATABASE_URL"
	EnvS3Endpoint    = "KYSO_TEST_S3_ENDPOINT"
	EnvS3AccessKey   = "KYSO_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey   = "KYSO_TEST_S3_SECRET_KEY"
	EnvMinioBin      = "KYSO_TEST_MINIO_BIN"
	EnvMinioData     = "KYSO_TEST_MINIO_DATA"
	EnvPKCS11Module  = "KYSO_TEST_PKCS11_MODULE"
	EnvPKCS11Token   = "KYSO_TEST_PKCS11_TOKEN"
	EnvPKCS11Pin     = "KYSO_TEST_PKCS11_PIN"
	EnvSoftHSM2Conf  = "SOFTHSM2_CONF"
	EnvRequire       = "KYSO_TEST_REQUIRE_SERVICES"
	EnvCI            = "CI"
	testCommandHint  = "run ./scripts/test (or: scripts/services start ENVFILE && . ENVFILE)"
	provisionCmdHint = "run ./scripts/test or scripts/provision"
)

// S3Config is the MinIO server of this test run.
type S3Config struct {
	Endpoint  string // host:port, plain HTTP
	AccessKey string
	SecretKey string
	MinioBin  string // the server binary, to restart it in fault tests
	MinioData string // its data directory
}

// PKCS11Config is the SoftHSM2 token of this test run. The module finds the token through
// SOFTHSM2_CONF, which is set in the test process's environment (Conf holds its value).
type PKCS11Config struct {
	Module string // path of libsofthsm2.so
	Token  string // token label
	Pin    string // user PIN
	Conf   string // SOFTHSM2_CONF
}

// Required reports whether missing services fail tests instead of skipping them: when CI is
// set (non-empty) or KYSO_TEST_REQUIRE_SERVICES=1.
func Required() bool {
	return os.Getenv(EnvCI) != "" || os.Getenv(EnvRequire) == "1"
}

// unavailable skips or fails t (see Required).
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (services are required here: CI or %s=1)", msg, EnvRequire)
		return
	}
	t.Skipf("%s; skipping", msg)
}

// lookup returns the values of names, or skips/fails t naming every missing one.
func lookup(t testing.TB, what string, names ...string) []string {
	t.Helper()
	vals := make([]string, len(names))
	var missing []string
	for i, n := range names {
		vals[i] = os.Getenv(n)
		if vals[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		unavailable(t, "testenv: %s not configured: %s not set; %s",
			what, strings.Join(missing, ", "), testCommandHint)
		return nil
	}
	return vals
}

// PostgresURL returns the URL of this run's PostgreSQL database
// (postgres://postgres@127.0.0.1:5432/kyso_test_xxx?sslmode=disable). It does not connect.
func PostgresURL(t testing.TB) string {
	t.Helper()
	v := lookup(t, "PostgreSQL", EnvDatabaseURL)
	if v == nil {
		return ""
	}
	return v[0]
}

// S3 returns this run's MinIO server. It does not connect.
func S3(t testing.TB) S3Config {
	t.Helper()
	v := lookup(t, "S3 (MinIO)", EnvS3Endpoint, EnvS3AccessKey, EnvS3SecretKey, EnvMinioBin, EnvMinioData)
	if v == nil {
		return S3Config{}
	}
	return S3Config{Endpoint: v[0], AccessKey: v[1], SecretKey: v[2], MinioBin: v[3], MinioData: v[4]}
}

// PKCS11 returns this run's SoftHSM2 token. It checks that the module file exists but does
// not load it.
func PKCS11(t testing.TB) PKCS11Config {
	t.Helper()
	v := lookup(t, "PKCS#11 (SoftHSM2)", EnvPKCS11Module, EnvPKCS11Token, EnvPKCS11Pin, EnvSoftHSM2Conf)
	if v == nil {
		return PKCS11Config{}
	}
	if _, err := os.Stat(v[0]); err != nil {
		unavailable(t, "testenv: PKCS#11 module %s=%s: %v; %s", EnvPKCS11Module, v[0], err, provisionCmdHint)
		return PKCS11Config{}
	}
	return PKCS11Config{Module: v[0], Token: v[1], Pin: v[2], Conf: v[3]}
}

// Tool returns the path of an external command (pdfsig, qpdf, openssl, mutool, ...), or
// skips/fails t when it is not on PATH.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "testenv: tool %q not found on PATH: %v; %s", name, err, provisionCmdHint)
		return ""
	}
	return p
}
