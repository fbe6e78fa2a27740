// Package storagetest provides backends for tests and the conformance
// suites every storage backend must pass: [Meta] for metadata stores and
// [Objects] for object stores.
//
// Backends come from the services ./scripts/test starts (see
// internal/testenv): each PostgreSQL store gets its own schema and each S3
// store its own bucket, removed when the test ends, so tests in parallel
// packages never see each other's rows or objects.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/storage"
)

// Unique returns prefix followed by random hex, usable as a schema or bucket name.
func Unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// PostgresURL creates a fresh schema in the test database and returns a
// URL whose connections use it. The schema is dropped at the end of the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	ctx := context.Background()
	admin, err := storage.OpenPostgres(ctx, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	schema := Unique("t_")
	err = admin.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.Exec(ctx, "CREATE SCHEMA "+schema)
		return err
	})
	if err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Update(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			return err
		})
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// OpenMeta opens and migrates a metadata store of backend "sqlite" (in a
// temporary directory) or "postgres" (in a fresh schema), closed at the end
// of the test.
func OpenMeta(t testing.TB, backend string) storage.Meta {
	t.Helper()
	ctx := context.Background()
	var m storage.Meta
	var err error
	switch backend {
	case "sqlite":
		m, err = storage.OpenSQLite(ctx, filepath.Join(t.TempDir(), storage.SQLiteFile), nil)
	case "postgres":
		m, err = storage.OpenPostgres(ctx, PostgresURL(t), nil)
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return m
}

// S3Config returns the configuration of a fresh bucket on the test MinIO
// (created on first use by NewS3Store), removed with its objects at the end
// of the test.
func S3Config(t testing.TB) storage.S3Config {
	t.Helper()
	env := testenv.S3(t)
	cfg := storage.S3Config{
		Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
		Bucket: Unique("kyso-test-"), TempDir: t.TempDir(),
	}
	t.Cleanup(func() { removeBucket(cfg) })
	return cfg
}

func removeBucket(cfg storage.S3Config) {
	s, err := storage.NewS3Store(context.Background(), cfg)
	if err != nil {
		return
	}
	c, ctx := s.Client(), context.Background()
	for o := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		c.RemoveObject(ctx, cfg.Bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true})
	}
	c.RemoveBucket(ctx, cfg.Bucket)
}

// OpenObjects opens an object store of backend "filesystem" or "s3".
func OpenObjects(t testing.TB, backend string) storage.ObjectStore {
	t.Helper()
	switch backend {
	case "filesystem":
		s, err := storage.NewFSStore(filepath.Join(t.TempDir(), "objects"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	case "s3":
		s, err := storage.NewS3Store(context.Background(), S3Config(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Fatalf("unknown backend %q", backend)
	return nil
}

// MetaBackends names the metadata backends.
func MetaBackends() []string { return []string{"sqlite", "postgres"} }

// ObjectBackends names the object backends.
func ObjectBackends() []string { return []string{"filesystem", "s3"} }
