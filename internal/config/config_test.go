package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"listen":"127.0.0.1:9999","profile":"cao-bang"}`), 0o644)
	t.Setenv("KYSO_DATA", "")
	t.Setenv("KYSO_PROFILE", "quang-ngai")

	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != dir || c.Listen != "127.0.0.1:9999" || c.Profile != "quang-ngai" || c.PKIDir != filepath.Join(dir, "pki") {
		t.Errorf("got %+v", c)
	}

	t.Setenv("KYSO_DATA", dir)
	if c, _ := Load(""); c.DataDir != dir {
		t.Errorf("KYSO_DATA ignored: %s", c.DataDir)
	}
	t.Setenv("KYSO_DATA", "")
	if c, _ := Load(""); c.DataDir != DefaultDataDir {
		t.Errorf("default data dir %s", c.DataDir)
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"listne":"x"}`), 0o644)
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), FileName) || !strings.Contains(err.Error(), "listne") {
		t.Errorf("want an error naming the file and the key, got %v", err)
	}
}
