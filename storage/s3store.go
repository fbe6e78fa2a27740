package storage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config selects an S3 bucket (MinIO or any S3).
type S3Config struct {
	Endpoint  string // host:port
	Bucket    string
	AccessKey string
	SecretKey string
	UseTLS    bool
	Region    string
	// LockMode is GOVERNANCE or COMPLIANCE to put every object under
	// retention for LockDays (object lock); "" leaves objects unlocked.
	// A bucket the store creates has versioning and object lock enabled.
	LockMode string
	LockDays int
	// TempDir spools uploads while they are hashed (default os.TempDir()).
	TempDir string
}

// S3Store is the S3 object store: objects at sha256/ab/cdef… in one bucket.
type S3Store struct {
	c   *minio.Client
	cfg S3Config
}

// NewS3Store connects to the bucket, creating it (with versioning and object
// lock) when it does not exist.
func NewS3Store(ctx context.Context, cfg S3Config) (*S3Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, &StoreError{Store: "s3", Op: "open", Err: errors.New("endpoint and bucket are required")}
	}
	switch cfg.LockMode = strings.ToUpper(cfg.LockMode); cfg.LockMode {
	case "", "GOVERNANCE", "COMPLIANCE":
	default:
		return nil, &StoreError{Store: "s3", Op: "open", Err: fmt.Errorf("retention mode %q: want GOVERNANCE or COMPLIANCE", cfg.LockMode)}
	}
	if cfg.LockMode != "" && cfg.LockDays <= 0 {
		return nil, &StoreError{Store: "s3", Op: "open", Err: errors.New("retention mode set without a retention period in days")}
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:          cfg.UseTLS,
		Region:          cfg.Region,
		TrailingHeaders: true,
		MaxRetries:      2,
	})
	if err != nil {
		return nil, &StoreError{Store: "s3 " + cfg.Endpoint, Op: "open", Err: err}
	}
	s := &S3Store{c: c, cfg: cfg}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.err("open", Sum{}, err)
	}
	if !ok {
		err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: true})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return nil, s.err("create bucket", Sum{}, err)
		}
		if cfg.LockMode != "" {
			mode := minio.RetentionMode(cfg.LockMode)
			days, unit := uint(cfg.LockDays), minio.Days
			if err := c.SetObjectLockConfig(ctx, cfg.Bucket, &mode, &days, &unit); err != nil {
				return nil, s.err("set object lock", Sum{}, err)
			}
		}
	}
	return s, nil
}

// Name implements ObjectStore.
func (s *S3Store) Name() string { return "s3 " + s.cfg.Endpoint + "/" + s.cfg.Bucket }

// Client returns the minio-go client (for tests and tools).
func (s *S3Store) Client() *minio.Client { return s.c }

func (s *S3Store) err(op string, sum Sum, err error) error {
	key := ""
	if !sum.IsZero() {
		key = objectKey(sum)
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) && isNetErr(err) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return &StoreError{Store: s.Name(), Op: op, Key: key, Err: err}
}

// Put implements ObjectStore. The bytes are spooled to a temporary file
// while they are hashed (never held in memory), then uploaded in one
// request carrying x-amz-checksum-sha256, which the server verifies, and
// If-None-Match: *, so an existing object is never replaced.
func (s *S3Store) Put(ctx context.Context, r io.Reader) (ObjectInfo, error) {
	tmp, err := os.CreateTemp(s.cfg.TempDir, "kyso-put-*")
	if err != nil {
		return ObjectInfo{}, s.err("put", Sum{}, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return ObjectInfo{}, s.err("put", Sum{}, err)
	}
	info := ObjectInfo{Size: n}
	h.Sum(info.SHA256[:0])
	if st, err := s.Stat(ctx, info.SHA256); err == nil {
		st.Existed = true
		return st, nil
	} else if !errors.Is(err, ErrNotFound) {
		return info, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	opts := minio.PutObjectOptions{
		ContentType:      "application/octet-stream",
		UserMetadata:     map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(info.SHA256[:])},
		DisableMultipart: n <= 5<<30,
	}
	opts.SetMatchETagExcept("*")
	if s.cfg.LockMode != "" {
		opts.Mode = minio.RetentionMode(s.cfg.LockMode)
		opts.RetainUntilDate = time.Now().Add(time.Duration(s.cfg.LockDays) * 24 * time.Hour)
	}
	up, err := s.c.PutObject(ctx, s.cfg.Bucket, objectKey(info.SHA256), tmp, n, opts)
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "PreconditionFailed" {
			info.Existed = true
			return info, nil
		}
		return info, s.err("put", info.SHA256, err)
	}
	if up.ChecksumSHA256 != "" && up.ChecksumSHA256 != opts.UserMetadata["x-amz-checksum-sha256"] {
		return info, s.err("put", info.SHA256, fmt.Errorf("%w: server computed checksum %s", ErrCorrupt, up.ChecksumSHA256))
	}
	info.Modified = up.LastModified
	return info, nil
}

// Open implements ObjectStore.
func (s *S3Store) Open(ctx context.Context, sum Sum) (io.ReadCloser, error) {
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, objectKey(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.err("get", sum, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, s.err("get", sum, ErrNotFound)
		}
		return nil, s.err("get", sum, err)
	}
	return newVerifyingReader(obj, sum, st.Size, s.Name()), nil
}

// Stat implements ObjectStore.
func (s *S3Store) Stat(ctx context.Context, sum Sum) (ObjectInfo, error) {
	st, err := s.c.StatObject(ctx, s.cfg.Bucket, objectKey(sum), minio.StatObjectOptions{})
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || code == "NotFound" {
			return ObjectInfo{}, s.err("stat", sum, ErrNotFound)
		}
		return ObjectInfo{}, s.err("stat", sum, err)
	}
	return ObjectInfo{SHA256: sum, Size: st.Size, Modified: st.LastModified}, nil
}

// List implements ObjectStore.
func (s *S3Store) List(ctx context.Context, fn func(ObjectInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: "sha256/", Recursive: true}) {
		if o.Err != nil {
			return s.err("list", Sum{}, o.Err)
		}
		sum, err := ParseSum(strings.ReplaceAll(strings.TrimPrefix(o.Key, "sha256/"), "/", ""))
		if err != nil {
			continue
		}
		if err := fn(ObjectInfo{SHA256: sum, Size: o.Size, Modified: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements ObjectStore. On a versioned bucket this adds a delete
// marker; retained versions stay until their retention ends.
func (s *S3Store) Delete(ctx context.Context, sum Sum) error {
	if err := s.c.RemoveObject(ctx, s.cfg.Bucket, objectKey(sum), minio.RemoveObjectOptions{}); err != nil {
		return s.err("delete", sum, err)
	}
	return nil
}

// PresignGet implements ObjectStore.
func (s *S3Store) PresignGet(ctx context.Context, sum Sum, expiry time.Duration, filename string) (string, error) {
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", mime("attachment", filename))
	}
	u, err := s.c.PresignedGetObject(ctx, s.cfg.Bucket, objectKey(sum), expiry, params)
	if err != nil {
		return "", s.err("presign", sum, err)
	}
	return u.String(), nil
}

func mime(kind, filename string) string {
	return kind + "; filename*=UTF-8''" + url.PathEscape(filename)
}

// Protection implements ObjectStore: versioning and object lock of the bucket.
func (s *S3Store) Protection(ctx context.Context) (Protection, error) {
	p := Protection{Store: s.Name()}
	v, err := s.c.GetBucketVersioning(ctx, s.cfg.Bucket)
	if err != nil {
		return p, s.err("get versioning", Sum{}, err)
	}
	p.Versioning = v.Enabled()
	enabled, mode, validity, unit, err := s.c.GetObjectLockConfig(ctx, s.cfg.Bucket)
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code != "ObjectLockConfigurationNotFoundError" && code != "ObjectLockConfigurationNotFound" {
			return p, s.err("get object lock", Sum{}, err)
		}
	}
	p.ObjectLock = enabled == "Enabled"
	if mode != nil && validity != nil && unit != nil {
		p.Mode = string(*mode)
		p.Retention = fmt.Sprintf("%d %s", *validity, strings.ToLower(string(*unit)))
	}
	if p.Mode == "" && s.cfg.LockMode != "" && p.ObjectLock {
		p.Mode, p.Retention = s.cfg.LockMode, fmt.Sprintf("%d days", s.cfg.LockDays)
	}
	p.WORM = p.Versioning && p.ObjectLock && p.Mode != ""
	switch {
	case p.WORM:
		p.Detail = fmt.Sprintf("WORM-protected: versioning on, object lock %s for %s", p.Mode, p.Retention)
	case p.ObjectLock:
		p.Detail = "object lock is enabled but no retention is applied: set KYSO_S3_LOCK_MODE and KYSO_S3_LOCK_DAYS"
	case p.Versioning:
		p.Detail = "versioning on, but no object lock: versions can be deleted"
	default:
		p.Detail = "neither versioning nor object lock: objects can be deleted or overwritten by anyone with write access"
	}
	return p, nil
}
