package storage

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// SQLiteFile is the name of the embedded database inside the data directory.
const SQLiteFile = "kyso.db"

// OpenSQLite opens (creating it if needed) the SQLite database at path in
// WAL mode with synchronous=FULL: a committed transaction survives a crash
// of the process and of the machine. It does not migrate; see [Meta.Migrate].
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (Meta, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	name := "sqlite " + path
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(30000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, &StoreError{Store: name, Op: "open", Err: err}
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, &StoreError{Store: name, Op: "open", Err: err}
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, &StoreError{Store: name, Op: "open", Err: err}
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	if err := os.Chmod(path, 0o600); err != nil {
		logger.Warn("cannot restrict permissions", "file", path, "err", err)
	}
	m := &sqlMeta{backend: "sqlite", name: name, writer: w, reader: r, logger: logger}
	m.closers = []func() error{r.Close, w.Close}
	return m, nil
}
