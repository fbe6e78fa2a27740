package storage

import (
	"context"
	"io"
	"time"
)

// ObjectStore keeps bytes under the SHA-256 of their content.
type ObjectStore interface {
	// Name identifies the store in errors and reports (no credentials).
	Name() string
	// Put streams r into the store, hashing on the way, and returns the
	// object's name and size. Putting bytes that are already stored is a
	// no-op; an object is never overwritten.
	Put(ctx context.Context, r io.Reader) (ObjectInfo, error)
	// Open returns the object's bytes. The reader re-hashes them and its
	// last Read fails with ErrCorrupt when they do not match the name.
	// A missing object is ErrNotFound.
	Open(ctx context.Context, sum Sum) (io.ReadCloser, error)
	// Stat returns the object's size and time, or ErrNotFound.
	Stat(ctx context.Context, sum Sum) (ObjectInfo, error)
	// List calls fn for every object in the store.
	List(ctx context.Context, fn func(ObjectInfo) error) error
	// Delete removes an object (garbage collection only; see Store.GC).
	Delete(ctx context.Context, sum Sum) error
	// PresignGet returns a URL that downloads the object for expiry, or
	// ErrNotSupported.
	PresignGet(ctx context.Context, sum Sum, expiry time.Duration, filename string) (string, error)
	// Protection reports how the store protects objects from deletion.
	Protection(ctx context.Context) (Protection, error)
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	SHA256   Sum
	Size     int64
	Modified time.Time
	Existed  bool // Put: the bytes were already stored
}

// Protection is what `kyso storage check` reports.
type Protection struct {
	Store      string `json:"store"`
	Versioning bool   `json:"versioning"`
	ObjectLock bool   `json:"object_lock"`
	Mode       string `json:"retention_mode,omitempty"` // GOVERNANCE or COMPLIANCE
	Retention  string `json:"retention,omitempty"`      // e.g. "3650 days"
	WORM       bool   `json:"worm"`                     // write once, read many: originals cannot be deleted or overwritten
	Detail     string `json:"detail"`
}

// objectKey is the object's path in the store: sha256/ab/cdef….
func objectKey(s Sum) string {
	h := s.String()
	return "sha256/" + h[:2] + "/" + h[2:]
}
