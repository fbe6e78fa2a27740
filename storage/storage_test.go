package storage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
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
	// The locked version cannot be removed; deleting the key only hides it
	// behind a delete marker, and the original is still there.
	ctx, key := context.Background(), "sha256/"+h[:2]+"/"+h[2:]
	var version string
	for o := range s.Client().ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		version = o.VersionID
	}
	if err := s.Client().RemoveObject(ctx, cfg.Bucket, key, minio.RemoveObjectOptions{VersionID: version}); err == nil {
		t.Fatal("removing a version under retention succeeded")
	}
	if err := s.Delete(ctx, info.SHA256); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, info.SHA256); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	obj, err := s.Client().GetObject(ctx, cfg.Bucket, key, minio.GetObjectOptions{VersionID: version})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if b, err := io.ReadAll(obj); err != nil || string(b) != "bản gốc" {
		t.Fatalf("the locked version after a delete: %q, %v", b, err)
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
