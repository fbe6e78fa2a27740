package storage_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

func TestMetaConformance(t *testing.T) {
	for _, b := range storagetest.MetaBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			storagetest.Meta(t, storagetest.OpenMeta(t, b))
		})
	}
}

func TestObjectsConformance(t *testing.T) {
	t.Run("filesystem", func(t *testing.T) {
		t.Parallel()
		s, err := storage.NewFSStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		storagetest.Objects(t, s, func(t *testing.T, sum storage.Sum, data []byte) {
			p := s.Path(sum)
			os.Chmod(p, 0o644)
			if err := os.WriteFile(p, data, 0o444); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		cfg := storagetest.S3Config(t)
		s, err := storage.NewS3Store(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		storagetest.Objects(t, s, func(t *testing.T, sum storage.Sum, data []byte) {
			h := sum.String()
			_, err := s.Client().PutObject(context.Background(), cfg.Bucket, "sha256/"+h[:2]+"/"+h[2:],
				bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}
