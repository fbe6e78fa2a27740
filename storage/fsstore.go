package storage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FSStore is the filesystem object store: DIR/sha256/ab/cdef… (read-only
// files), written through DIR/tmp.
type FSStore struct {
	dir string
}

// NewFSStore returns the filesystem store rooted at dir, creating it.
func NewFSStore(dir string) (*FSStore, error) {
	for _, d := range []string{dir, filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, &StoreError{Store: "filesystem " + dir, Op: "open", Err: err}
		}
	}
	return &FSStore{dir: dir}, nil
}

// Name implements ObjectStore.
func (s *FSStore) Name() string { return "filesystem " + s.dir }

// Path is the file that holds the object sum.
func (s *FSStore) Path(sum Sum) string {
	return filepath.Join(s.dir, filepath.FromSlash(objectKey(sum)))
}

func (s *FSStore) err(op string, sum Sum, err error) error {
	key := ""
	if !sum.IsZero() {
		key = sum.String()
	}
	return &StoreError{Store: s.Name(), Op: op, Key: key, Err: err}
}

// Put implements ObjectStore: temp file, fsync, hard link into place (which
// never replaces an existing file), fsync of the directories.
func (s *FSStore) Put(ctx context.Context, r io.Reader) (ObjectInfo, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
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
	var info ObjectInfo
	h.Sum(info.SHA256[:0])
	info.Size = n
	if err := tmp.Chmod(0o444); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	if err := tmp.Sync(); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	if err := tmp.Close(); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	final := s.Path(info.SHA256)
	if st, err := os.Stat(final); err == nil {
		info.Existed, info.Modified = true, st.ModTime()
		return info, nil
	}
	if err := mkdirSync(filepath.Dir(final)); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			info.Existed = true
			return info, nil
		}
		return info, s.err("put", info.SHA256, err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return info, s.err("put", info.SHA256, err)
	}
	info.Modified = time.Now()
	return info, nil
}

// mkdirSync creates dir and its missing parents, fsyncing each parent
// whose entries changed.
func mkdirSync(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirSync(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open implements ObjectStore.
func (s *FSStore) Open(ctx context.Context, sum Sum) (io.ReadCloser, error) {
	f, err := os.Open(s.Path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s.err("get", sum, ErrNotFound)
	}
	if err != nil {
		return nil, s.err("get", sum, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, s.err("get", sum, err)
	}
	return newVerifyingReader(f, sum, st.Size(), s.Name()), nil
}

// Stat implements ObjectStore.
func (s *FSStore) Stat(ctx context.Context, sum Sum) (ObjectInfo, error) {
	st, err := os.Stat(s.Path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return ObjectInfo{}, s.err("stat", sum, ErrNotFound)
	}
	if err != nil {
		return ObjectInfo{}, s.err("stat", sum, err)
	}
	return ObjectInfo{SHA256: sum, Size: st.Size(), Modified: st.ModTime()}, nil
}

// List implements ObjectStore. Files that are not named like objects are skipped.
func (s *FSStore) List(ctx context.Context, fn func(ObjectInfo) error) error {
	root := filepath.Join(s.dir, "sha256")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		sum, perr := ParseSum(strings.ReplaceAll(filepath.ToSlash(rel), "/", ""))
		if perr != nil {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		return fn(ObjectInfo{SHA256: sum, Size: st.Size(), Modified: st.ModTime()})
	})
	if err != nil {
		return s.err("list", Sum{}, err)
	}
	return nil
}

// Delete implements ObjectStore.
func (s *FSStore) Delete(ctx context.Context, sum Sum) error {
	p := s.Path(sum)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return s.err("delete", sum, ErrNotFound)
		}
		return s.err("delete", sum, err)
	}
	return syncDir(filepath.Dir(p))
}

// CleanTemp removes temporary files older than grace (left by a crash).
func (s *FSStore) CleanTemp(grace time.Duration) (int, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil {
		return 0, s.err("clean", Sum{}, err)
	}
	n := 0
	for _, e := range ents {
		if st, err := e.Info(); err == nil && time.Since(st.ModTime()) > grace {
			if os.Remove(filepath.Join(s.dir, "tmp", e.Name())) == nil {
				n++
			}
		}
	}
	return n, nil
}

// PresignGet implements ObjectStore: not supported; the API serves the bytes itself.
func (s *FSStore) PresignGet(ctx context.Context, sum Sum, expiry time.Duration, filename string) (string, error) {
	return "", s.err("presign", sum, ErrNotSupported)
}

// Protection implements ObjectStore.
func (s *FSStore) Protection(ctx context.Context) (Protection, error) {
	return Protection{Store: s.Name(), Detail: fmt.Sprintf("files are read-only (0444) and never replaced, " +
		"but anyone with access to the directory can delete them: not WORM-protected; use S3 with object lock for that")}, nil
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
