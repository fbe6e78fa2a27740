// Package config loads kyso's one shared configuration: command-line flags
// win over KYSO_* environment variables, which win over the config file
// DATA/kyso.json, which wins over the embedded defaults. Every command run in
// the same folder therefore sees the same data directory and state.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// DefaultDataDir is the data directory when neither --data nor KYSO_DATA says otherwise.
const DefaultDataDir = "kyso-data"

// FileName is the optional configuration file inside the data directory.
const FileName = "kyso.json"

// Config is the complete configuration. Field tags name the environment
// variable (env) and the key in kyso.json (json).
type Config struct {
	DataDir     string `json:"-" env:"KYSO_DATA"`
	DatabaseURL string `json:"database_url" env:"KYSO_DATABASE_URL"`
	S3Endpoint  string `json:"s3_endpoint" env:"KYSO_S3_ENDPOINT"`
	S3Bucket    string `json:"s3_bucket" env:"KYSO_S3_BUCKET"`
	S3AccessKey string `json:"s3_access_key" env:"KYSO_S3_ACCESS_KEY"`
	S3SecretKey string `json:"-" env:"KYSO_S3_SECRET_KEY"` // never read from or written to the file
	S3UseTLS    string `json:"s3_tls" env:"KYSO_S3_TLS"`
	S3LockMode  string `json:"s3_lock_mode" env:"KYSO_S3_LOCK_MODE"` // GOVERNANCE or COMPLIANCE: object lock on originals
	S3LockDays  string `json:"s3_lock_days" env:"KYSO_S3_LOCK_DAYS"` // retention period in days
	LogKey      string `json:"log_key" env:"KYSO_LOG_KEY"`           // evidence log signer key (default DATA/log.key)
	LogOrigin   string `json:"log_origin" env:"KYSO_LOG_ORIGIN"`     // name of a new evidence log key
	Listen      string `json:"listen" env:"KYSO_LISTEN"`
	PKIDir      string `json:"pki_dir" env:"KYSO_PKI_DIR"`
	TSAURL      string `json:"tsa_url" env:"KYSO_TSA_URL"`
	TrustFiles  string `json:"trust" env:"KYSO_TRUST"` // comma-separated PEM files or directories
	Profile     string `json:"profile" env:"KYSO_PROFILE"`
	// Server-held signing keys on a PKCS#11 token or HSM (labelled with the
	// staff username), tried before the key files in DATA/keys.
	PKCS11Module string `json:"pkcs11_module" env:"KYSO_PKCS11_MODULE"`
	PKCS11Token  string `json:"pkcs11_token" env:"KYSO_PKCS11_TOKEN"`
	PKCS11PIN    string `json:"-" env:"KYSO_PKCS11_PIN"` // never read from or written to the file
	LogLevel     string `json:"log_level" env:"KYSO_LOG_LEVEL"`
}

// Defaults returns the embedded defaults for a data directory.
func Defaults(dataDir string) Config {
	return Config{
		DataDir:  dataDir,
		Listen:   "127.0.0.1:8080",
		PKIDir:   filepath.Join(dataDir, "pki"),
		Profile:  "vinh-phuc",
		LogLevel: "info",
		S3Bucket: "kyso",
	}
}

// Load resolves the configuration. flagDataDir is the value of --data ("" when not given).
func Load(flagDataDir string) (Config, error) {
	dataDir := flagDataDir
	if dataDir == "" {
		dataDir = os.Getenv("KYSO_DATA")
	}
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	c := Defaults(dataDir)
	path := filepath.Join(dataDir, FileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
		c.DataDir = dataDir
	case errors.Is(err, os.ErrNotExist):
	default:
		return Config{}, err
	}
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("env")
		if name == "" || name == "KYSO_DATA" {
			continue
		}
		if s, ok := os.LookupEnv(name); ok {
			v.Field(i).SetString(s)
		}
	}
	if os.Getenv("KYSO_PKI_DIR") == "" && !pkiDirInFile(b) {
		c.PKIDir = filepath.Join(dataDir, "pki")
	}
	return c, nil
}

func pkiDirInFile(b []byte) bool {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, ok := m["pki_dir"]
	return ok
}
