package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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
	// [Tx.Lock]. When the database cannot be reached or the connection
	// breaks before COMMIT is sent (a server restart), nothing was
	// committed and fn runs again on a fresh connection, a few times with
	// a backoff of up to 1.4 s in all, so fn must not have effects outside
	// tx. A connection lost while committing is returned as is (wrapping
	// [ErrUnavailable]): the transaction may or may not have committed.
	Update(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
	// View runs fn in a read-only transaction whose statements all see
	// one snapshot (PostgreSQL: REPEATABLE READ READ ONLY).
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

	// SQLite: statements prepared once per pool (database/sql then keeps
	// them prepared on each connection), so repeated queries skip SQLite's
	// parser. PostgreSQL's driver caches statements itself.
	stmtMu    sync.Mutex
	stmts     map[stmtKey]*sql.Stmt
	seen      map[stmtKey]bool // to prepare after the transaction that ran them
	closed    bool
	preparing atomic.Bool // a prepareSeen goroutine runs
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// maxCachedStmts bounds the statement cache; queries beyond it (built
// with variable text) run unprepared.
const maxCachedStmts = 512

// stmt returns query prepared on db, or nil when it is not (yet). A
// query seen for the first time is noted and prepared after its
// transaction, by prepareSeen: preparing on the pool needs a free
// connection, and the SQLite writer's only one is the transaction's.
func (m *sqlMeta) stmt(db *sql.DB, query string) *sql.Stmt {
	k := stmtKey{db, query}
	m.stmtMu.Lock()
	defer m.stmtMu.Unlock()
	if st, ok := m.stmts[k]; ok {
		return st
	}
	if len(m.stmts)+len(m.seen) < maxCachedStmts {
		if m.seen == nil {
			m.seen = map[stmtKey]bool{}
		}
		m.seen[k] = true
	}
	return nil
}

// prepareSeen prepares the queries noted by stmt, in a goroutine of its
// own: it waits for free connections.
func (m *sqlMeta) prepareSeen(ctx context.Context) {
	m.stmtMu.Lock()
	seen := m.seen
	m.seen = nil
	m.stmtMu.Unlock()
	for k := range seen {
		st, err := k.db.PrepareContext(ctx, k.query)
		if err != nil {
			continue // it runs unprepared; its own error surfaced there
		}
		m.stmtMu.Lock()
		if _, ok := m.stmts[k]; ok || m.stmts == nil && m.closed {
			st.Close()
		} else {
			if m.stmts == nil {
				m.stmts = map[stmtKey]*sql.Stmt{}
			}
			m.stmts[k] = st
		}
		m.stmtMu.Unlock()
	}
}

// closeStmts closes the cached statements (before the pools close).
func (m *sqlMeta) closeStmts() error {
	m.stmtMu.Lock()
	defer m.stmtMu.Unlock()
	for _, st := range m.stmts {
		st.Close()
	}
	m.stmts, m.seen, m.closed = nil, nil, true
	return nil
}

func (m *sqlMeta) Backend() string { return m.backend }
func (m *sqlMeta) Name() string    { return m.name }

func (m *sqlMeta) Close() error {
	errs := []error{m.closeStmts()}
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
		if m.backend == "sqlite" && m.preparing.CompareAndSwap(false, true) {
			// In the background: this goroutine may still be inside an
			// outer transaction that holds the connection Prepare needs.
			go func() {
				defer m.preparing.Store(false)
				m.prepareSeen(context.Background())
			}()
		}
		if err == nil || committing || !m.retryable(err) {
			return err
		}
	}
	return err
}

// retryable: the transaction failed because this store could not be
// reached or its connection broke (not because of a statement).
func (m *sqlMeta) retryable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) {
		return true
	}
	var se *StoreError
	return errors.As(err, &se) && se.Store == m.name && errors.Is(se, ErrUnavailable)
}

func (m *sqlMeta) once(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) (committing bool, err error) {
	if m.backend == "postgres" {
		return m.oncePostgres(ctx, readOnly, fn)
	}
	db := m.writer
	if readOnly {
		db = m.reader
	} else {
		// One writer per process; BEGIN IMMEDIATE and busy_timeout order
		// writers of several processes.
		m.wmu.Lock()
		defer m.wmu.Unlock()
	}
	stx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, &StoreError{Store: m.name, Op: "begin", Err: unavailable(err)}
	}
	tx := &Tx{q: stx, stx: stx, db: db, meta: m, readOnly: readOnly}
	committed := false
	defer func() { tx.ended(committed) }() // before the writer lock is released
	if err := tx.work(ctx, fn); err != nil {
		stx.Rollback()
		return false, err
	}
	if readOnly {
		return false, stx.Rollback()
	}
	if tx.atCommit != nil {
		if err := tx.pipeline(ctx, tx.atCommit.take(), false); err != nil {
			stx.Rollback()
			return false, err
		}
	}
	if err := stx.Commit(); err != nil {
		return true, &StoreError{Store: m.name, Op: "commit", Err: unavailable(err)}
	}
	committed = true
	return true, nil
}

// oncePostgres runs fn on one pooled connection. BEGIN is not a round trip
// of its own: it is sent with the transaction's first statement (in the
// same pipeline when that is a [Batch]). Read-write transactions are READ
// COMMITTED, so that a statement after [Tx.Lock] sees every transaction
// committed before the lock was granted; read-only ones are REPEATABLE
// READ, one snapshot for all their statements.
func (m *sqlMeta) oncePostgres(ctx context.Context, readOnly bool, fn func(ctx context.Context, tx *Tx) error) (committing bool, err error) {
	conn, err := m.writer.Conn(ctx)
	if err != nil {
		return false, &StoreError{Store: m.name, Op: "begin", Err: unavailable(err)}
	}
	defer conn.Close()
	tx := &Tx{q: conn, conn: conn, meta: m, readOnly: readOnly, beginSQL: "BEGIN ISOLATION LEVEL READ COMMITTED"}
	if readOnly {
		tx.beginSQL = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	}
	committed := false
	defer func() { tx.ended(committed) }()
	if err := tx.work(ctx, fn); err != nil {
		tx.rollback()
		if tx.beginErr != nil {
			return false, tx.beginErr
		}
		return false, err
	}
	if readOnly {
		tx.rollback()
		return false, nil
	}
	var items []*BatchItem
	if tx.atCommit != nil {
		items = tx.atCommit.take()
	}
	if !tx.begun && len(items) == 0 { // nothing was sent: nothing to commit
		committed = true
		return false, nil
	}
	// The statements queued for the commit and COMMIT itself: one round trip.
	if err := tx.pipeline(ctx, items, true); err != nil {
		tx.rollback()
		return !pgconn.SafeToRetry(err), err
	}
	committed = true
	return true, nil
}

// work runs fn and then the BeforeCommit hooks.
func (tx *Tx) work(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if err := fn(ctx, tx); err != nil {
		return err
	}
	for _, h := range tx.before {
		if err := h.fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// unavailable marks connection-level failures with ErrUnavailable: the
// server unreachable, the connection broken, and PostgreSQL's connection
// exceptions (SQLSTATE class 08) and operator interventions (class 57:
// shutting down, terminated by an administrator, not accepting
// connections yet).
func unavailable(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		if c := pgErr.Code; strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57") && c != "57014" { // 57014: query cancelled
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	if errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) || isNetErr(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// queryer is what a Tx runs statements on: a *sql.Tx (SQLite) or the
// *sql.Conn of a PostgreSQL transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one database transaction. Queries use $1, $2, … placeholders on
// both backends.
type Tx struct {
	q        queryer
	stx      *sql.Tx // SQLite: the transaction, and the pool it came from
	db       *sql.DB
	meta     *sqlMeta
	readOnly bool
	before   []hook
	after    []func(committed bool)
	atCommit *Batch
	values   map[any]any

	// PostgreSQL: the connection, and BEGIN, sent with the first statement.
	conn     *sql.Conn
	beginSQL string
	begun    bool
	beginErr error
}

type hook struct {
	key any
	fn  func(ctx context.Context) error
}

// begin sends BEGIN on PostgreSQL unless a statement already did.
func (tx *Tx) begin(ctx context.Context) error {
	if tx.conn == nil || tx.begun {
		return nil
	}
	if tx.beginErr != nil {
		return tx.beginErr
	}
	if _, err := tx.conn.ExecContext(ctx, tx.beginSQL); err != nil {
		tx.beginErr = &StoreError{Store: tx.meta.name, Op: "begin", Err: unavailable(err)}
		return tx.beginErr
	}
	tx.begun = true
	return nil
}

// rollback ends a PostgreSQL transaction that will not commit. A failure
// leaves the connection inside a transaction, which the pool then discards.
func (tx *Tx) rollback() {
	if tx.conn != nil && tx.begun {
		tx.conn.ExecContext(context.WithoutCancel(context.Background()), "ROLLBACK")
	}
}

// Backend is "sqlite" or "postgres".
func (tx *Tx) Backend() string { return tx.meta.backend }

// Exec runs a statement and returns the number of affected rows.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := tx.begin(ctx); err != nil {
		return 0, err
	}
	res, err := tx.queryer(ctx, query).ExecContext(ctx, query, args...)
	if err != nil {
		return 0, tx.wrap("exec", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Query runs a query.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := tx.begin(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.queryer(ctx, query).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, tx.wrap("query", err)
	}
	return rows, nil
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if err := tx.begin(ctx); err != nil {
		// A Row that fails without touching the connection; Update and
		// View return the BEGIN error itself.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		return tx.q.QueryRowContext(done, query, args...)
	}
	return tx.queryer(ctx, query).QueryRowContext(ctx, query, args...)
}

// queryer returns what runs query: on SQLite its cached prepared
// statement bound to this transaction, else the transaction itself.
func (tx *Tx) queryer(ctx context.Context, query string) queryer {
	// Scripts of several statements run as they are: a prepared statement
	// holds only the first.
	if tx.stx == nil || strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";") {
		return tx.q
	}
	st := tx.meta.stmt(tx.db, query)
	if st == nil {
		return tx.q
	}
	return stmtQueryer{tx.stx.StmtContext(ctx, st)}
}

// stmtQueryer runs a prepared statement; the query text is ignored.
type stmtQueryer struct{ st *sql.Stmt }

func (s stmtQueryer) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQueryer) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQueryer) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

func (tx *Tx) wrap(op string, err error) error {
	return &StoreError{Store: tx.meta.name, Op: op, Err: unavailable(err)}
}

// Lock takes a lock named name until the end of the transaction, ordering
// transactions of every process that share the database. On PostgreSQL it
// is a transaction-level advisory lock (per schema); on SQLite a write
// transaction already holds the database's one write lock.
func (tx *Tx) Lock(ctx context.Context, name string) error {
	q, args, ok := tx.lockStatement(name)
	if !ok {
		return nil
	}
	if err := tx.begin(ctx); err != nil {
		return err
	}
	if _, err := tx.q.ExecContext(ctx, q, args...); err != nil {
		return tx.wrap("lock "+name, err)
	}
	return nil
}

func (tx *Tx) lockStatement(name string) (string, []any, bool) {
	if tx.meta.backend != "postgres" {
		return "", nil, false
	}
	h := fnv.New64a()
	h.Write([]byte(tx.meta.lockNS + "\x00" + name))
	return "SELECT pg_advisory_xact_lock($1)", []any{int64(h.Sum64())}, true
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

// AfterEnd registers fn to run when the transaction has ended, with
// whether it committed: false when it rolled back or failed, also when
// the connection broke while committing and the outcome is unknown. The
// evidence log updates its in-memory tree here.
func (tx *Tx) AfterEnd(fn func(committed bool)) { tx.after = append(tx.after, fn) }

func (tx *Tx) ended(committed bool) {
	for _, fn := range tx.after {
		fn(committed)
	}
}

// CommitBatch returns the batch of statements sent with the transaction's
// commit, after its BeforeCommit hooks: on PostgreSQL in the same round
// trip as COMMIT. Queue on it what nothing in the transaction reads back,
// such as the evidence log's rows.
func (tx *Tx) CommitBatch() *Batch {
	if tx.atCommit == nil {
		tx.atCommit = tx.Batch()
	}
	return tx.atCommit
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
