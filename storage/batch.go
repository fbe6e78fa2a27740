package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// A Batch is statements of one transaction sent together: on PostgreSQL
// in one round trip (a pipeline, with the transaction's BEGIN when it is
// the first thing the transaction sends), on SQLite one after the other.
// They run in order; the first that fails stops the batch and, on
// PostgreSQL, aborts the transaction. Make one with [Tx.Batch].
type Batch struct {
	tx    *Tx
	items []*BatchItem
}

// BatchItem is one statement of a Batch.
type BatchItem struct {
	query string
	args  []any
	dest  []any
	scan  bool
	rows  int64
}

// Batch returns an empty batch of statements for tx.
func (tx *Tx) Batch() *Batch { return &Batch{tx: tx} }

// Queue adds a statement.
func (b *Batch) Queue(query string, args ...any) *BatchItem {
	it := &BatchItem{query: query, args: args}
	b.items = append(b.items, it)
	return it
}

// Lock queues [Tx.Lock] of name: statements queued after it run holding
// the lock and see every transaction committed before it was granted.
func (b *Batch) Lock(name string) {
	if q, args, ok := b.tx.lockStatement(name); ok {
		b.Queue(q, args...)
	}
}

// Len is the number of queued statements.
func (b *Batch) Len() int { return len(b.items) }

// Scan makes the statement a query returning exactly one row, scanned
// into dest when the batch runs (no row is an error wrapping
// sql.ErrNoRows).
func (it *BatchItem) Scan(dest ...any) *BatchItem {
	it.dest, it.scan = dest, true
	return it
}

// RowsAffected is the number of rows the statement changed, once the
// batch has run.
func (it *BatchItem) RowsAffected() int64 { return it.rows }

// Send runs the batch's statements and empties it.
func (b *Batch) Send(ctx context.Context) error {
	return b.tx.pipeline(ctx, b.take(), false)
}

func (b *Batch) take() []*BatchItem {
	items := b.items
	b.items = nil
	return items
}

// pipeline runs items in order; on PostgreSQL in one round trip, preceded
// by BEGIN when nothing was sent yet and, with commit, followed by COMMIT.
func (tx *Tx) pipeline(ctx context.Context, items []*BatchItem, commit bool) error {
	if tx.conn == nil {
		for _, it := range items {
			if err := it.runSQL(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 && !commit {
		return nil
	}
	if tx.beginErr != nil {
		return tx.beginErr
	}
	pb := &pgx.Batch{}
	sentBegin := !tx.begun
	if sentBegin {
		pb.Queue(tx.beginSQL)
		// Sent: whatever happens now, a ROLLBACK ends the transaction.
		tx.begun = true
	}
	for _, it := range items {
		q := pb.Queue(it.query, it.args...)
		if it.scan {
			q.QueryRow(func(r pgx.Row) error { return r.Scan(it.dest...) })
		} else {
			q.Exec(func(ct pgconn.CommandTag) error { it.rows = ct.RowsAffected(); return nil })
		}
	}
	if commit {
		pb.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
			if ct.String() != "COMMIT" {
				return fmt.Errorf("the transaction was rolled back (%s): a statement in it failed", ct)
			}
			return nil
		})
	}
	err := tx.conn.Raw(func(dc any) error {
		return dc.(*stdlib.Conn).Conn().SendBatch(ctx, pb).Close()
	})
	if err != nil {
		if sentBegin && pgconn.SafeToRetry(err) {
			tx.begun = false // nothing reached the server
		}
		op := "batch"
		if commit {
			op = "commit"
		}
		return tx.wrap(op, err)
	}
	return nil
}

func (it *BatchItem) runSQL(ctx context.Context, tx *Tx) error {
	if it.scan {
		if err := tx.queryer(ctx, it.query).QueryRowContext(ctx, it.query, it.args...).Scan(it.dest...); err != nil {
			return tx.wrap("batch", fmt.Errorf("%s: %w", firstWords(it.query), err))
		}
		return nil
	}
	res, err := tx.queryer(ctx, it.query).ExecContext(ctx, it.query, it.args...)
	if err != nil {
		return tx.wrap("batch", fmt.Errorf("%s: %w", firstWords(it.query), err))
	}
	it.rows, _ = res.RowsAffected()
	return nil
}

// firstWords names a statement in an error without its arguments.
func firstWords(q string) string {
	if len(q) > 40 {
		return q[:40] + "…"
	}
	return q
}
