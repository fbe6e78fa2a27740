package storagetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/storage"
)

// Meta runs the metadata conformance suite against m, a freshly migrated,
// empty store.
func Meta(t *testing.T, m storage.Meta) {
	ctx := context.Background()

	t.Run("migrations", func(t *testing.T) {
		applied, err := m.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate = %v, %v; want nothing to apply", applied, err)
		}
		v, err := m.SchemaVersion(ctx)
		if want := storage.Migrations()[len(storage.Migrations())-1].Version; err != nil || v != want {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, want)
		}
	})

	t.Run("extra migrations", func(t *testing.T) {
		extra := []storage.Migration{
			{Version: 901, Name: "second", SQLite: "CREATE TABLE conformance_b (a_id BIGINT NOT NULL REFERENCES conformance_a (id))",
				Postgres: "CREATE TABLE conformance_b (a_id BIGINT NOT NULL REFERENCES conformance_a (id))"},
			{Version: 900, Name: "first", SQLite: "CREATE TABLE conformance_a (id BIGINT PRIMARY KEY)",
				Postgres: "CREATE TABLE conformance_a (id BIGINT PRIMARY KEY)"},
		}
		applied, err := m.Migrate(ctx, extra...)
		if err != nil || fmt.Sprint(applied) != "[900 901]" {
			t.Fatalf("Migrate(extra) = %v, %v; want [900 901] in version order", applied, err)
		}
		if applied, err := m.Migrate(ctx, extra...); err != nil || len(applied) != 0 {
			t.Fatalf("Migrate(extra) again = %v, %v; want nothing to apply", applied, err)
		}
		dup := append(extra, storage.Migration{Version: 900, Name: "clash", SQLite: "SELECT 1", Postgres: "SELECT 1"})
		if _, err := m.Migrate(ctx, dup...); !errors.Is(err, storage.ErrSchema) {
			t.Fatalf("Migrate with version 900 twice = %v; want ErrSchema", err)
		}
		if _, err := m.Migrate(ctx, storage.Migration{Version: 902, Name: "one dialect", SQLite: "SELECT 1"}); !errors.Is(err, storage.ErrSchema) {
			t.Fatalf("Migrate without a PostgreSQL body = %v; want ErrSchema", err)
		}
		if v, err := m.SchemaVersion(ctx); err != nil || v != 901 {
			t.Fatalf("SchemaVersion = %d, %v; want 901", v, err)
		}
	})

	sum := storage.SumOf([]byte("đơn đề nghị"))
	var first storage.Document
	t.Run("documents", func(t *testing.T) {
		when := time.Date(2025, 7, 1, 9, 15, 30, 123456789, time.FixedZone("ICT", 7*3600))
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			first, err = tx.InsertDocument(ctx, storage.Document{SHA256: sum, Size: 17, CreatedAt: when,
				DocumentMeta: storage.DocumentMeta{MediaType: "application/pdf", Name: "đơn.pdf", Source: "upload",
					Dossier: "000.00.12.H62-250701-0003", Uploader: "công dân"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == 0 {
			t.Fatal("no ID")
		}
		var second storage.Document
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			second, err = tx.InsertDocument(ctx, storage.Document{SHA256: sum, Size: 17,
				DocumentMeta: storage.DocumentMeta{MediaType: "application/pdf", Name: "đơn.pdf", Source: "signed",
					Dossier: first.Dossier, Parent: first.ID}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			got, err := tx.Document(ctx, first.ID)
			if err != nil {
				return err
			}
			if !got.CreatedAt.Equal(when) || got.Name != "đơn.pdf" || got.SHA256 != sum || got.Uploader != "công dân" {
				return fmt.Errorf("read back %+v", got)
			}
			if _, err := tx.Document(ctx, 1<<40); !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("missing document: %v, want ErrNotFound", err)
			}
			ds, err := tx.DocumentsBySum(ctx, sum)
			if err != nil || len(ds) != 2 || ds[1].Parent != first.ID || ds[1].ID != second.ID {
				return fmt.Errorf("DocumentsBySum = %+v, %v", ds, err)
			}
			ds, err = tx.DocumentsOfDossier(ctx, first.Dossier)
			if err != nil || len(ds) != 2 {
				return fmt.Errorf("DocumentsOfDossier = %d, %v", len(ds), err)
			}
			ref, err := tx.IsReferenced(ctx, sum)
			if err != nil || !ref {
				return fmt.Errorf("IsReferenced = %v, %v", ref, err)
			}
			var refs []storage.ObjectRef
			err = tx.ReferencedObjects(ctx, func(r storage.ObjectRef) error { refs = append(refs, r); return nil })
			if err != nil || len(refs) != 1 || refs[0].Size != 17 {
				return fmt.Errorf("ReferencedObjects = %+v, %v", refs, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reports", func(t *testing.T) {
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for _, body := range []string{`{"indication":"TOTAL-PASSED"}`, `{"indication":"INDETERMINATE"}`} {
				if _, err := tx.InsertReport(ctx, storage.Report{Kind: "validation", Subject: sum, Body: body}); err != nil {
					return err
				}
			}
			_, err := tx.InsertReport(ctx, storage.Report{Kind: "provenance", Subject: sum, Body: `{}`})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			rs, err := tx.Reports(ctx, sum, "validation")
			if err != nil || len(rs) != 2 || rs[1].Body != `{"indication":"INDETERMINATE"}` {
				t.Errorf("Reports = %+v, %v", rs, err)
			}
			if rs, _ := tx.Reports(ctx, sum, ""); len(rs) != 3 {
				t.Errorf("all reports: %d", len(rs))
			}
			return nil
		})
	})

	t.Run("rollback", func(t *testing.T) {
		boom := errors.New("boom")
		other := storage.SumOf([]byte("rolled back"))
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.InsertDocument(ctx, storage.Document{SHA256: other, Size: 1}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update = %v, want boom", err)
		}
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.InsertDocument(ctx, storage.Document{SHA256: other, Size: 1}); err != nil {
				return err
			}
			tx.BeforeCommit("k", func(ctx context.Context) error { return boom })
			return nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update with failing BeforeCommit = %v, want boom", err)
		}
		m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if ds, _ := tx.DocumentsBySum(ctx, other); len(ds) != 0 {
				t.Errorf("rolled-back rows visible: %+v", ds)
			}
			return nil
		})
	})

	t.Run("read-only view", func(t *testing.T) {
		err := m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.InsertDocument(ctx, storage.Document{SHA256: storage.SumOf([]byte("ro")), Size: 1})
			return err
		})
		if err == nil {
			t.Fatal("insert in View succeeded")
		}
	})

	t.Run("hooks and values", func(t *testing.T) {
		var order []string
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			tx.SetValue("k", 42)
			tx.BeforeCommit("a", func(ctx context.Context) error { order = append(order, "a"); return nil })
			tx.BeforeCommit("a", func(ctx context.Context) error { order = append(order, "a2"); return nil })
			tx.BeforeCommit("b", func(ctx context.Context) error { order = append(order, "b"); return nil })
			if tx.Value("k") != 42 {
				return errors.New("Value lost")
			}
			return nil
		})
		if err != nil || fmt.Sprint(order) != "[a b]" {
			t.Fatalf("hooks ran %v, err %v", order, err)
		}
	})

	t.Run("batches", func(t *testing.T) {
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE conformance_batch (n BIGINT PRIMARY KEY, s TEXT NOT NULL)")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A batch as the transaction's first statements (on PostgreSQL
		// BEGIN travels with it), then a query in the same transaction,
		// then statements sent with the commit.
		var before, after int64
		var ends []bool // what AfterEnd was told
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			b := tx.Batch()
			b.Lock("batch")
			b.Queue("SELECT count(*) FROM conformance_batch").Scan(&before)
			ins := b.Queue("INSERT INTO conformance_batch (n, s) VALUES ($1, $2), ($3, $4)", 1, "một", 2, "hai")
			if b.Len() < 2 {
				return fmt.Errorf("Len = %d", b.Len())
			}
			if err := b.Send(ctx); err != nil {
				return err
			}
			if ins.RowsAffected() != 2 || before != 0 {
				return fmt.Errorf("RowsAffected = %d, count before = %d", ins.RowsAffected(), before)
			}
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM conformance_batch").Scan(&after); err != nil || after != 2 {
				return fmt.Errorf("count in the transaction = %d, %v", after, err)
			}
			tx.BeforeCommit("late", func(ctx context.Context) error {
				tx.CommitBatch().Queue("INSERT INTO conformance_batch (n, s) VALUES ($1, $2)", 3, "ba")
				return nil
			})
			tx.AfterEnd(func(ok bool) { ends = append(ends, ok) })
			return nil
		})
		if err != nil || fmt.Sprint(ends) != "[true]" {
			t.Fatalf("Update = %v, AfterEnd got %v", err, ends)
		}
		count := func() int64 {
			var n int64
			if err := m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
				return tx.QueryRow(ctx, "SELECT count(*) FROM conformance_batch").Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows after the commit, want 3 (two from the batch, one sent with the commit)", n)
		}
		// A failing statement stops the batch, and the transaction's
		// earlier work is not committed.
		ends = nil
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO conformance_batch (n, s) VALUES (10, 'x')"); err != nil {
				return err
			}
			b := tx.Batch()
			b.Queue("INSERT INTO conformance_batch (n, s) VALUES (1, 'clash')")
			b.Queue("INSERT INTO conformance_batch (n, s) VALUES (11, 'y')")
			tx.AfterEnd(func(ok bool) { ends = append(ends, ok) })
			return b.Send(ctx)
		})
		if err == nil || fmt.Sprint(ends) != "[false]" {
			t.Fatalf("Update with a clashing batch = %v, AfterEnd got %v", err, ends)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows after a failed batch, want 3", n)
		}
		// A statement sent with the commit that fails rolls everything back.
		ends = nil
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO conformance_batch (n, s) VALUES (20, 'x')"); err != nil {
				return err
			}
			tx.CommitBatch().Queue("INSERT INTO conformance_batch (n, s) VALUES (2, 'clash')")
			tx.AfterEnd(func(ok bool) { ends = append(ends, ok) })
			return nil
		})
		if err == nil || fmt.Sprint(ends) != "[false]" {
			t.Fatalf("Update with a clashing commit batch = %v, AfterEnd got %v", err, ends)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows after a failed commit, want 3", n)
		}
		// A scanned query without a row.
		err = m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var s string
			b := tx.Batch()
			b.Queue("SELECT s FROM conformance_batch WHERE n = 99").Scan(&s)
			return b.Send(ctx)
		})
		if !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("scanning no row = %v, want sql.ErrNoRows", err)
		}
	})

	t.Run("view is one snapshot", func(t *testing.T) {
		err := m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var n1, n2 int64
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM conformance_batch").Scan(&n1); err != nil {
				return err
			}
			if err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO conformance_batch (n, s) VALUES (30, 'later')")
				return err
			}); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM conformance_batch").Scan(&n2); err != nil {
				return err
			}
			if n1 != n2 {
				return fmt.Errorf("a View saw %d rows, then %d: its statements must share one snapshot", n1, n2)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("lock orders writers", func(t *testing.T) {
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE conformance_counter (n BIGINT PRIMARY KEY)")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				for range 10 {
					err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
						if err := tx.Lock(ctx, "counter"); err != nil {
							return err
						}
						var n int64
						if err := tx.QueryRow(ctx, "SELECT coalesce(max(n) + 1, 0) FROM conformance_counter").Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, "INSERT INTO conformance_counter (n) VALUES ($1)", n)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var n, mx int64
		m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*), max(n) FROM conformance_counter").Scan(&n, &mx)
		})
		if n != 80 || mx != 79 {
			t.Fatalf("count %d, max %d; want 80, 79", n, mx)
		}
	})
}
