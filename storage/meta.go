package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Meta is the metadata store: rows in SQLite or PostgreSQL.
type Meta interface {
	// Backend is "sqlite" or "postgres".
	Backend() string
	// Name identifies the store in errors and reports (no credentials).
	Name() string
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil. On SQLite write transactions are serialised (one writer);
	// on PostgreSQL they run concurrently (READ COMMITTED) and serialise on
	// [Tx.Lock]. fn may run again when the first attempt failed before
	// anything was sent (a connection dropped by a server restart), so it
	// must not have effects outside tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
	// Migrate applies the pending [Migrations], then the pending extra
	// migrations of other packages (see [Migration]), in version order, and
	// returns the versions it applied.
	Migrate(ctx context.Context, extra ...Migration) ([]int, error)
	// SchemaVersion is the highest applied migration (0: none).
	SchemaVersion(ctx context.Context) (int, error)
	// Close releases connections.
	Close() error
}

// sqlMeta is a Meta over database/sql; the dialect tells SQLite and
// PostgreSQL apart.
type sqlMeta struct {
	backend string
	name    string
	writer  *sql.DB // SQLite: one connection, BEGIN IMMEDIATE; PostgreSQL: the pool
	reader  *sql.DB // SQLite: read-only pool; PostgreSQL: the pool
	lockNS  string  // namespace of advisory locks (PostgreSQL: the schema)
	wmu     sync.Mutex
	logger  *slog.Logger
	closers []func() error
}

func (m *sqlMeta) Backend() string { return m.backend }
func (m *sqlMeta) Name() string    { return m.name }

func (m *sqlMeta) Close() error {
	var errs []error
	for _, c := range m.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

func (m *sqlMeta) Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return m.run(ctx, false, fn)
}

func (m *sqlMeta) View(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return m.run(ctx, true, fn)
}

const maxAttempts = 4

func (m *sqlMeta) run(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			m.logger.Warn("retrying transaction after a connection error", "store", m.name, "attempt", attempt+1, "err", err)
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt*attempt) * 100 * time.Millisecond):
			}
		}
		var committing bool
		committing, err = m.once(ctx, readOnly, fn)
		if err == nil || committing || !retryable(err) {
			return err
		}
	}
	return err
}

// retryable: nothing reached the server, or the connection was broken
// before the statement was sent.
func retryable(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err)
}

func (m *sqlMeta) once(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) (committing bool, err error) {
	db := m.writer
	if readOnly {
		db = m.reader
	} else if m.backend == "sqlite" {
		// One writer per process; BEGIN IMMEDIATE and busy_timeout order
		// writers of several processes.
		m.wmu.Lock()
		defer m.wmu.Unlock()
	}
	stx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && m.backend == "postgres"})
	if err != nil {
		return false, &StoreError{Store: m.name, Op: "begin", Err: unavailable(err)}
	}
	tx := &Tx{tx: stx, meta: m, readOnly: readOnly}
	if err := fn(ctx, tx); err != nil {
		stx.Rollback()
		return false, err
	}
	for _, h := range tx.before {
		if err := h.fn(ctx); err != nil {
			stx.Rollback()
			return false, err
		}
	}
	if readOnly {
		return false, stx.Rollback()
	}
	if err := stx.Commit(); err != nil {
		return true, &StoreError{Store: m.name, Op: "commit", Err: unavailable(err)}
	}
	return true, nil
}

// unavailable marks connection-level failures with ErrUnavailable.
func unavailable(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) || isNetErr(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// Tx is one database transaction. Queries use $1, $2, … placeholders on
// both backends.
type Tx struct {
	tx       *sql.Tx
	meta     *sqlMeta
	readOnly bool
	before   []hook
	values   map[any]any
}

type hook struct {
	key any
	fn  func(ctx context.Context) error
}

// Backend is "sqlite" or "postgres".
func (tx *Tx) Backend() string { return tx.meta.backend }

// Exec runs a statement and returns the number of affected rows.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, tx.wrap("exec", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Query runs a query.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, tx.wrap("query", err)
	}
	return rows, nil
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, query, args...)
}

func (tx *Tx) wrap(op string, err error) error {
	return &StoreError{Store: tx.meta.name, Op: op, Err: unavailable(err)}
}

// Lock takes a lock named name until the end of the transaction, ordering
// transactions of every process that share the database. On PostgreSQL it
// is a transaction-level advisory lock (per schema); on SQLite a write
// transaction already holds the database's one write lock.
func (tx *Tx) Lock(ctx context.Context, name string) error {
	if tx.meta.backend != "postgres" {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(tx.meta.lockNS + "\x00" + name))
	if _, err := tx.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
		return tx.wrap("lock "+name, err)
	}
	return nil
}

// BeforeCommit registers fn to run after the transaction's work and before
// its commit, once per key; an error rolls the transaction back. The
// evidence log signs its checkpoint here.
func (tx *Tx) BeforeCommit(key any, fn func(ctx context.Context) error) {
	for _, h := range tx.before {
		if h.key == key {
			return
		}
	}
	tx.before = append(tx.before, hook{key, fn})
}

// Value returns the value stored under key for this transaction.
func (tx *Tx) Value(key any) any { return tx.values[key] }

// SetValue stores per-transaction state for a package that works in
// callers' transactions (use an unexported key type).
func (tx *Tx) SetValue(key, v any) {
	if tx.values == nil {
		tx.values = map[any]any{}
	}
	tx.values[key] = v
}
