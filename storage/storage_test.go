package storage_test

import (
	"bytes"
	"context"
	"encoding/base64"
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

func TestS3ObjectLock(t *testing.T) {
	cfg := storagetest.S3Config(t)
	cfg.LockMode, cfg.LockDays = "GOVERNANCE", 1
	s, err := storage.NewS3Store(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Protection(context.Background())
	if err != nil || !p.WORM || !p.Versioning || !p.ObjectLock || p.Mode != "GOVERNANCE" {
		t.Fatalf("Protection = %+v, %v; want WORM", p, err)
	}
	info, err := s.Put(context.Background(), bytes.NewReader([]byte("bản gốc")))
	if err != nil {
		t.Fatal(err)
	}
	h := info.SHA256.String()
	ret, until, err := s.Client().GetObjectRetention(context.Background(), cfg.Bucket, "sha256/"+h[:2]+"/"+h[2:], "")
	if err != nil || ret == nil || *ret != minio.Governance || until == nil {
		t.Fatalf("retention = %v %v %v", ret, until, err)
	}
}

func TestS3ServerVerifiesChecksum(t *testing.T) {
	cfg := storagetest.S3Config(t)
	s, err := storage.NewS3Store(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The header that Put sends, with bytes that do not match it.
	wrong := storage.SumOf([]byte("other bytes"))
	_, err = s.Client().PutObject(context.Background(), cfg.Bucket, "sha256/xx/test", bytes.NewReader([]byte("these bytes")), 11,
		minio.PutObjectOptions{DisableMultipart: true, UserMetadata: map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(wrong[:])}})
	if err == nil {
		t.Fatal("MinIO accepted bytes that do not match x-amz-checksum-sha256")
	}
}
