package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

func TestGCAndVerify(t *testing.T) {
	for _, b := range storagetest.ObjectBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := storage.Config{DataDir: t.TempDir()}
			if b == "s3" {
				s3 := storagetest.S3Config(t)
				cfg.S3 = &s3
			}
			s, err := storage.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			doc, err := s.Ingest(ctx, strings.NewReader("referenced"), storage.DocumentMeta{Source: "upload"})
			if err != nil {
				t.Fatal(err)
			}
			orphan, err := s.Objects.Put(ctx, strings.NewReader("left behind by a failed transaction"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.GC(ctx, storage.GCOptions{Grace: time.Hour})
			if err != nil || rep.Young != 1 || len(rep.Orphans) != 0 {
				t.Fatalf("GC within the grace period = %+v, %v", rep, err)
			}
			time.Sleep(1100 * time.Millisecond) // S3 times have second resolution
			rep, err = s.GC(ctx, storage.GCOptions{Grace: time.Millisecond, Delete: true})
			if err != nil || rep.Referenced != 1 || len(rep.Orphans) != 1 || rep.Orphans[0].SHA256 != orphan.SHA256 || rep.Deleted != 1 {
				t.Fatalf("GC = %+v, %v", rep, err)
			}
			if _, err := s.Objects.Stat(ctx, doc.SHA256); err != nil {
				t.Fatalf("GC touched a referenced object: %v", err)
			}
			vr, err := s.VerifyObjects(ctx)
			if err != nil || vr.Checked != 1 || len(vr.Problems) != 0 {
				t.Fatalf("VerifyObjects = %+v, %v", vr, err)
			}
			if err := s.Objects.Delete(ctx, doc.SHA256); err != nil {
				t.Fatal(err)
			}
			vr, err = s.VerifyObjects(ctx)
			if err != nil || len(vr.Problems) != 1 || vr.Problems[0].Kind != "missing" {
				t.Fatalf("VerifyObjects after a deletion = %+v, %v", vr, err)
			}
		})
	}
}

func ExampleStore_Ingest() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kyso-example")
	defer os.RemoveAll(dir)
	s, err := storage.Open(ctx, storage.Config{DataDir: dir}) // SQLite + filesystem
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	d, err := s.Ingest(ctx, strings.NewReader("%PDF-1.7 …"), storage.DocumentMeta{
		MediaType: "application/pdf", Name: "ket-qua.pdf", Source: "result", Dossier: "H62-0001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.ID, d.Size, d.SHA256.String()[:12], s.Meta.Backend())
	// Output: 1 12 64d018db22b8 sqlite
}

// Two statements in one round trip on PostgreSQL (one after the other on
// SQLite), and one more sent with the commit.
func ExampleTx_Batch() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kyso-example")
	defer os.RemoveAll(dir)
	m, err := storage.OpenSQLite(ctx, filepath.Join(dir, storage.SQLiteFile), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	var n int64
	err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TABLE counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL)"); err != nil {
			return err
		}
		b := tx.Batch()
		b.Lock("counters")
		ins := b.Queue("INSERT INTO counters (name, n) VALUES ($1, $2), ($3, $4)", "hồ sơ", 1, "văn bản", 2)
		b.Queue("SELECT sum(n) FROM counters").Scan(&n)
		if err := b.Send(ctx); err != nil {
			return err
		}
		fmt.Println("inserted", ins.RowsAffected(), "sum", n)
		tx.CommitBatch().Queue("UPDATE counters SET n = n + 10 WHERE name = $1", "hồ sơ")
		tx.AfterEnd(func(committed bool) { fmt.Println("committed:", committed) })
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT sum(n) FROM counters").Scan(&n)
	})
	fmt.Println("after the commit:", n)
	// Output:
	// inserted 2 sum 3
	// committed: true
	// after the commit: 13
}
