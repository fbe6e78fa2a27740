package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"
)

// Config selects the backends. The zero value of DatabaseURL and S3 means
// the embedded defaults under DataDir: SQLite DATA/kyso.db and the
// filesystem store DATA/objects.
type Config struct {
	DataDir     string
	DatabaseURL string    // postgres://… selects PostgreSQL
	S3          *S3Config // non-nil selects S3
	Logger      *slog.Logger
	// NoMigrate skips applying migrations at open.
	NoMigrate bool
	// Migrations are other packages' schema migrations (dossier, api,
	// archive), applied at open after storage's own; see [Migration].
	Migrations []Migration
}

// Store is the metadata and object stores of one kyso installation.
type Store struct {
	Meta    Meta
	Objects ObjectStore
	logger  *slog.Logger
}

// Open wires the configured backends and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		meta Meta
		err  error
	)
	if cfg.DatabaseURL != "" {
		meta, err = OpenPostgres(ctx, cfg.DatabaseURL, logger)
	} else {
		meta, err = OpenSQLite(ctx, filepath.Join(cfg.DataDir, SQLiteFile), logger)
	}
	if err != nil {
		return nil, err
	}
	var objects ObjectStore
	if cfg.S3 != nil {
		objects, err = NewS3Store(ctx, *cfg.S3)
	} else {
		objects, err = NewFSStore(filepath.Join(cfg.DataDir, "objects"))
	}
	if err != nil {
		meta.Close()
		return nil, err
	}
	if !cfg.NoMigrate {
		if _, err := meta.Migrate(ctx, cfg.Migrations...); err != nil {
			meta.Close()
			return nil, err
		}
	}
	return &Store{Meta: meta, Objects: objects, logger: logger}, nil
}

// Close closes the metadata store.
func (s *Store) Close() error { return s.Meta.Close() }

// TxFunc is work done in the transaction that inserts a document row.
type TxFunc func(ctx context.Context, tx *Tx, d Document) error

// Ingest streams r to the object store (hashing on the way), then in one
// transaction inserts the document row, its object reference and whatever
// the also functions add (the evidence entry, the dossier change). When the
// object store fails, nothing is committed; when the transaction fails, the
// object stays behind as an orphan for GC.
func (s *Store) Ingest(ctx context.Context, r io.Reader, meta DocumentMeta, also ...TxFunc) (Document, error) {
	info, err := s.Objects.Put(ctx, r)
	if err != nil {
		return Document{}, err
	}
	var d Document
	err = s.Meta.Update(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		d, err = tx.InsertDocument(ctx, Document{SHA256: info.SHA256, Size: info.Size, DocumentMeta: meta})
		if err != nil {
			return err
		}
		for _, f := range also {
			if err := f(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// Document returns the document row id.
func (s *Store) Document(ctx context.Context, id int64) (Document, error) {
	var d Document
	err := s.Meta.View(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		d, err = tx.Document(ctx, id)
		return err
	})
	return d, err
}

// GCOptions controls garbage collection.
type GCOptions struct {
	// Grace: an unreferenced object younger than this may belong to an
	// ingest in progress and is kept (default 24h).
	Grace time.Duration
	// Delete removes the orphans; otherwise they are only listed.
	Delete bool
}

// GCReport is the outcome of a GC run.
type GCReport struct {
	Objects    int          `json:"objects"`    // objects in the store
	Referenced int          `json:"referenced"` // of them referenced by rows
	Young      int          `json:"young"`      // unreferenced but within the grace period
	Orphans    []ObjectInfo `json:"orphans"`
	Deleted    int          `json:"deleted"`
	Errors     []string     `json:"errors,omitempty"`
}

// GC lists (and with opts.Delete removes) orphans: objects no row
// references, older than the grace period. Before deleting, each orphan's
// reference is checked again, so an ingest that committed meanwhile keeps
// its object.
func (s *Store) GC(ctx context.Context, opts GCOptions) (GCReport, error) {
	if opts.Grace == 0 {
		opts.Grace = 24 * time.Hour
	}
	var rep GCReport
	refs := map[Sum]bool{}
	err := s.Meta.View(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.ReferencedObjects(ctx, func(r ObjectRef) error { refs[r.SHA256] = true; return nil })
	})
	if err != nil {
		return rep, err
	}
	cutoff := time.Now().Add(-opts.Grace)
	err = s.Objects.List(ctx, func(o ObjectInfo) error {
		rep.Objects++
		switch {
		case refs[o.SHA256]:
			rep.Referenced++
		case o.Modified.After(cutoff):
			rep.Young++
		default:
			rep.Orphans = append(rep.Orphans, o)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if fs, ok := s.Objects.(*FSStore); ok && opts.Delete {
		fs.CleanTemp(opts.Grace)
	}
	if !opts.Delete {
		return rep, nil
	}
	for _, o := range rep.Orphans {
		var ref bool
		err := s.Meta.View(ctx, func(ctx context.Context, tx *Tx) error {
			var err error
			ref, err = tx.IsReferenced(ctx, o.SHA256)
			return err
		})
		if err != nil {
			return rep, err
		}
		if ref {
			continue
		}
		if err := s.Objects.Delete(ctx, o.SHA256); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
			continue
		}
		rep.Deleted++
	}
	return rep, nil
}

// ObjectProblem is a referenced object that is missing or corrupted.
type ObjectProblem struct {
	SHA256 Sum    `json:"sha256"`
	Kind   string `json:"problem"` // missing, corrupted, unreadable
	Err    string `json:"error"`
}

// VerifyReport is the outcome of VerifyObjects.
type VerifyReport struct {
	Checked  int             `json:"checked"`
	Bytes    int64           `json:"bytes"`
	Problems []ObjectProblem `json:"problems"`
}

// VerifyObjects re-hashes every referenced object. Problems are reported,
// not returned as errors; the error is for failures to run at all.
func (s *Store) VerifyObjects(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	var refs []ObjectRef
	err := s.Meta.View(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.ReferencedObjects(ctx, func(r ObjectRef) error { refs = append(refs, r); return nil })
	})
	if err != nil {
		return rep, err
	}
	for _, r := range refs {
		rep.Checked++
		n, err := s.check(ctx, r)
		rep.Bytes += n
		switch {
		case err == nil:
		case errors.Is(err, ErrNotFound):
			rep.Problems = append(rep.Problems, ObjectProblem{r.SHA256, "missing", err.Error()})
		case errors.Is(err, ErrCorrupt):
			rep.Problems = append(rep.Problems, ObjectProblem{r.SHA256, "corrupted", err.Error()})
		case errors.Is(err, ErrUnavailable), ctx.Err() != nil:
			return rep, err
		default:
			rep.Problems = append(rep.Problems, ObjectProblem{r.SHA256, "unreadable", err.Error()})
		}
	}
	return rep, nil
}

func (s *Store) check(ctx context.Context, r ObjectRef) (int64, error) {
	rc, err := s.Objects.Open(ctx, r.SHA256)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err == nil && n != r.Size {
		err = &StoreError{Store: s.Objects.Name(), Op: "verify", Key: r.SHA256.String(),
			Err: fmt.Errorf("%w: %d bytes, the row says %d", ErrCorrupt, n, r.Size)}
	}
	return n, err
}
