package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/storage"
)

// storageConfig maps the shared configuration onto storage's.
func storageConfig(cfg config.Config, logger *slog.Logger) (storage.Config, error) {
	sc := storage.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Logger: logger}
	if cfg.S3Endpoint != "" {
		days := 0
		if cfg.S3LockDays != "" {
			d, err := strconv.Atoi(cfg.S3LockDays)
			if err != nil || d < 0 {
				return sc, usageErrorf("KYSO_S3_LOCK_DAYS: %q is not a number of days", cfg.S3LockDays)
			}
			days = d
		}
		tls, _ := strconv.ParseBool(cfg.S3UseTLS)
		sc.S3 = &storage.S3Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey, UseTLS: tls, LockMode: cfg.S3LockMode, LockDays: days}
	}
	return sc, nil
}

func newLogger(e *env, cfg config.Config) *slog.Logger {
	var level slog.Level
	if level.UnmarshalText([]byte(cfg.LogLevel)) != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: max(level, slog.LevelWarn)}))
}

// openStore opens the configured stores; failures are exit code 2
// (unreadable), naming the store.
func openStore(ctx context.Context, e *env, cfg config.Config, migrate bool) (*storage.Store, error) {
	sc, err := storageConfig(cfg, newLogger(e, cfg))
	if err != nil {
		return nil, err
	}
	sc.NoMigrate = !migrate
	sc.Migrations = migrations()
	s, err := storage.Open(ctx, sc)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return s, nil
}

func logKeyPath(cfg config.Config) string {
	if cfg.LogKey != "" {
		return cfg.LogKey
	}
	return filepath.Join(cfg.DataDir, "log.key")
}

// openLog opens the evidence log; create makes the key on first use.
func openLog(cfg config.Config, s *storage.Store, create bool) (*evidence.Log, error) {
	path := logKeyPath(cfg)
	load := evidence.LoadKey
	if create {
		load = func(p string) (noteSigner, string, error) { return evidence.LoadOrCreateKey(p, cfg.LogOrigin) }
	}
	signer, vkey, err := load(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, withCode(exitIndeterminate, fmt.Errorf("no evidence log key at %s: cannot check checkpoints", path))
		}
		return nil, withCode(exitUsage, err)
	}
	l, err := evidence.New(s.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	return l, withCode(exitUsage, err)
}

const storageUsage = `storage check [--json] [--require-worm]
       kyso storage verify [--json]
       kyso storage gc [--delete] [--grace 24h] [--json]
       kyso storage ingest FILE [--dossier CODE] [--source upload] [--media-type TYPE] [--actor WHO] [--json]
       kyso storage get SHA256 [-o OUT] | --url [--expiry 15m] [--name FILE]

check reports the backends and whether the bucket is WORM-protected
(versioning + object lock); verify re-hashes every referenced object
(exit 1 when one is missing or corrupted); gc lists orphans (objects no
row references, older than --grace) and removes them with --delete;
ingest stores a file and logs it; get writes an object's bytes, verified,
or with --url prints a presigned download URL (S3).`

func runStorage(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, storageUsage, args, []subcommand{
		{"check", storageCheck},
		{"verify", storageVerify},
		{"gc", storageGC},
		{"ingest", storageIngest},
		{"get", storageGet},
	})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func storageCheck(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("storage check", "storage check [--json] [--require-worm]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	requireWORM := fs.Bool("require-worm", false, "exit 1 unless the object store is WORM-protected")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := s.Objects.Protection(ctx)
	if err != nil {
		return withCode(exitUsage, err)
	}
	v, err := s.Meta.SchemaVersion(ctx)
	if err != nil {
		return withCode(exitUsage, err)
	}
	latest := 0
	for _, m := range append(storage.Migrations(), migrations()...) {
		latest = max(latest, m.Version)
	}
	if *asJSON {
		err = writeJSON(e.stdout, map[string]any{"database": s.Meta.Name(), "schema_version": v, "schema_latest": latest,
			"objects": p})
	} else {
		fmt.Fprintf(e.stdout, "database: %s (schema version %d of %d)\n", s.Meta.Name(), v, latest)
		fmt.Fprintf(e.stdout, "objects:  %s\n", p.Store)
		worm := "no"
		if p.WORM {
			worm = "yes"
		}
		fmt.Fprintf(e.stdout, "WORM:     %s — %s\n", worm, p.Detail)
	}
	if err != nil {
		return err
	}
	if *requireWORM && !p.WORM {
		return withCode(exitFailed, fmt.Errorf("%s is not WORM-protected: %s", p.Store, p.Detail))
	}
	return nil
}

func storageVerify(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("storage verify", "storage verify [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.VerifyObjects(ctx)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *asJSON {
		if rep.Problems == nil {
			rep.Problems = []storage.ObjectProblem{}
		}
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "%s %s: %s\n", strings.ToUpper(p.Kind), p.SHA256, p.Err)
		}
		fmt.Fprintf(e.stdout, "%d referenced objects (%d bytes) checked in %s: %d problems\n", rep.Checked, rep.Bytes, s.Objects.Name(), len(rep.Problems))
	}
	if len(rep.Problems) > 0 {
		p := rep.Problems[0]
		return withCode(exitFailed, fmt.Errorf("%d of %d referenced objects missing or corrupted; first: %s is %s", len(rep.Problems), rep.Checked, p.SHA256, p.Kind))
	}
	return nil
}

func storageGC(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("storage gc", "storage gc [--delete] [--grace 24h] [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	del := fs.Bool("delete", false, "remove the orphans (default: only list them)")
	grace := fs.Duration("grace", 24*time.Hour, "keep unreferenced objects younger than this (ingests in progress)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *grace <= 0 {
		return usageErrorf("--grace must be positive")
	}
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.GC(ctx, storage.GCOptions{Grace: *grace, Delete: *del})
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *asJSON {
		if rep.Orphans == nil {
			rep.Orphans = []storage.ObjectInfo{}
		}
		return writeJSON(e.stdout, rep)
	}
	for _, o := range rep.Orphans {
		fmt.Fprintf(e.stdout, "orphan %s %d bytes %s\n", o.SHA256, o.Size, o.Modified.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(e.stdout, "%d objects: %d referenced, %d young, %d orphans, %d deleted\n",
		rep.Objects, rep.Referenced, rep.Young, len(rep.Orphans), rep.Deleted)
	if len(rep.Errors) > 0 {
		return withCode(exitFailed, fmt.Errorf("%d orphans could not be deleted: %s", len(rep.Errors), rep.Errors[0]))
	}
	return nil
}

func storageIngest(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("storage ingest", "storage ingest FILE [--dossier CODE] [--source upload] [--media-type TYPE] [--actor WHO] [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	dossier := fs.String("dossier", "", "dossier code")
	source := fs.String("source", "upload", "upload, scan, signed, result, letter")
	media := fs.String("media-type", "", "media type (default: from the file name)")
	actor := fs.String("actor", "cli", "who brings the document")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "FILE (or - for stdin)"); err != nil {
		return err
	}
	var r io.Reader = e.stdin
	name := pos[0]
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return withCode(exitUsage, err)
		}
		defer f.Close()
		r = f
	}
	if *media == "" {
		*media = "application/octet-stream"
		if strings.EqualFold(filepath.Ext(name), ".pdf") {
			*media = "application/pdf"
		}
	}
	s, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := openLog(cfg, s, true)
	if err != nil {
		return err
	}
	d, idx, err := l.Ingest(ctx, s, r, storage.DocumentMeta{MediaType: *media, Name: filepath.Base(name),
		Source: *source, Dossier: *dossier, Uploader: *actor}, *actor)
	if err != nil {
		return withCode(exitFailed, err)
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"document": d.ID, "sha256": d.SHA256.String(), "size": d.Size, "entry": idx})
	}
	fmt.Fprintf(e.stdout, "document %d sha256 %s %d bytes, log entry %d\n", d.ID, d.SHA256, d.Size, idx)
	return nil
}

func storageGet(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("storage get", "storage get SHA256 [-o OUT] | --url [--expiry 15m] [--name FILE]", e.stdout)
	out := fs.String("o", "-", "output file")
	asURL := fs.Bool("url", false, "print a presigned download URL instead (S3 only)")
	expiry := fs.Duration("expiry", 15*time.Minute, "how long the --url stays valid (at most 7 days)")
	name := fs.String("name", "", "file name the --url download is saved as")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "SHA256"); err != nil {
		return err
	}
	sum, err := storage.ParseSum(pos[0])
	if err != nil {
		return usageErrorf("%v", err)
	}
	if *asURL && (*expiry < time.Second || *expiry > 7*24*time.Hour) {
		return usageErrorf("--expiry %s: want between 1s and 7 days", *expiry)
	}
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return err
	}
	defer s.Close()
	if *asURL {
		if _, err := s.Objects.Stat(ctx, sum); err != nil {
			return withCode(exitUsage, err)
		}
		u, err := s.Objects.PresignGet(ctx, sum, *expiry, *name)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("%s: %w", s.Objects.Name(), err))
		}
		fmt.Fprintln(e.stdout, u)
		return nil
	}
	rc, err := s.Objects.Open(ctx, sum)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer rc.Close()
	var w io.Writer = e.stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.CreateTemp(filepath.Dir(*out), ".kyso-get-*"); err != nil {
			return withCode(exitUsage, err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	if _, err := io.Copy(w, rc); err != nil {
		if errors.Is(err, storage.ErrCorrupt) {
			return withCode(exitFailed, err)
		}
		return withCode(exitUsage, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return withCode(exitUsage, err)
		}
		return withCode(exitUsage, os.Rename(f.Name(), *out))
	}
	return nil
}
