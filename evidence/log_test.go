package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

func newLog(t testing.TB, m storage.Meta) *evidence.Log {
	t.Helper()
	s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "kyso.test/evidence")
	if err != nil {
		t.Fatal(err)
	}
	l, err := evidence.New(m, evidence.Options{Signer: s, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func forBackends(t *testing.T, f func(t *testing.T, m storage.Meta)) {
	for _, b := range storagetest.MetaBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, storagetest.OpenMeta(t, b))
		})
	}
}

func TestAppendProveVerify(t *testing.T) {
	forBackends(t, func(t *testing.T, m storage.Meta) {
		ctx := context.Background()
		l := newLog(t, m)
		if res, err := l.Verify(ctx); err != nil || res.Entries != 0 {
			t.Fatalf("empty log: %+v, %v", res, err)
		}
		var cps []evidence.Checkpoint
		for i := range 37 {
			idx, err := l.Add(ctx, evidence.Entry{Type: evidence.DossierState, Actor: "chuyên viên",
				Subject: evidence.Subject{Dossier: "H62-0001"}, Data: map[string]any{"to": fmt.Sprint("state-", i)}})
			if err != nil || idx != uint64(i) {
				t.Fatalf("Add %d = %d, %v", i, idx, err)
			}
			if i%9 == 0 {
				cp, err := l.Checkpoint(ctx)
				if err != nil || cp.Size != uint64(i+1) {
					t.Fatalf("Checkpoint = %+v, %v", cp, err)
				}
				cps = append(cps, cp)
			}
		}
		res, err := l.Verify(ctx)
		if err != nil || res.Entries != 37 || res.Checkpoints != 37 {
			t.Fatalf("Verify = %+v, %v", res, err)
		}
		latest, err := l.Checkpoint(ctx)
		if err != nil || latest.Size != 37 {
			t.Fatalf("latest = %+v, %v", latest, err)
		}
		parsed, err := evidence.ParseCheckpoint(latest.Note, l.Verifier())
		if err != nil || parsed.Root != latest.Root || !bytes.HasPrefix(latest.Note, []byte("kyso.test/evidence\n37\n")) {
			t.Fatalf("ParseCheckpoint = %+v, %v\n%s", parsed, err, latest.Note)
		}
		for _, i := range []uint64{0, 1, 17, 36} {
			e, err := l.Entry(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.InclusionProof(ctx, i, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := evidence.VerifyInclusion(latest, i, e.Body, p); err != nil {
				t.Errorf("entry %d: %v", i, err)
			}
			if err := evidence.VerifyInclusion(latest, i, append(bytes.Clone(e.Body), ' '), p); !errors.Is(err, evidence.ErrBadProof) {
				t.Errorf("entry %d with a changed body: %v, want ErrBadProof", i, err)
			}
		}
		for _, old := range cps {
			p, err := l.ConsistencyProof(ctx, old.Size, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := evidence.VerifyConsistency(old, latest, p); err != nil {
				t.Errorf("from %d: %v", old.Size, err)
			}
		}
		if _, err := l.Entry(ctx, 99); !errors.Is(err, evidence.ErrNoEntry) {
			t.Errorf("Entry(99) = %v", err)
		}
		if _, err := l.InclusionProof(ctx, 0, 99); !errors.Is(err, evidence.ErrNoEntry) {
			t.Errorf("InclusionProof beyond the log = %v", err)
		}
	})
}

func TestAppendInCallersTransaction(t *testing.T) {
	forBackends(t, func(t *testing.T, m storage.Meta) {
		ctx := context.Background()
		l := newLog(t, m)
		boom := errors.New("boom")
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := l.Append(ctx, tx, evidence.Entry{Type: evidence.LetterIssued}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for i := range 3 {
				idx, err := l.Append(ctx, tx, evidence.Entry{Type: evidence.LetterIssued})
				if err != nil {
					return err
				}
				if idx != uint64(i) {
					return fmt.Errorf("index %d, want %d (rolled-back entries must not count)", idx, i)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.Verify(ctx)
		if err != nil || res.Entries != 3 || res.Checkpoints != 1 {
			t.Fatalf("Verify = %+v, %v (one checkpoint per transaction)", res, err)
		}
	})
}

func TestConcurrentLogsOneSequence(t *testing.T) {
	forBackends(t, func(t *testing.T, m storage.Meta) {
		ctx := context.Background()
		key := filepath.Join(t.TempDir(), "log.key")
		// Two Log values over one database behave like two processes: each
		// has its own in-memory tree and group-commit queue.
		var logs []*evidence.Log
		for range 2 {
			s, vkey, err := evidence.LoadOrCreateKey(key, "kyso.test/evidence")
			if err != nil {
				t.Fatal(err)
			}
			l, err := evidence.New(m, evidence.Options{Signer: s, VerifierKey: vkey})
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l)
		}
		var wg sync.WaitGroup
		seen := make([]map[uint64]bool, 8)
		for w := range 8 {
			seen[w] = map[uint64]bool{}
			wg.Go(func() {
				for range 25 {
					idx, err := logs[w%2].Add(ctx, evidence.Entry{Type: evidence.DocumentValidated, Actor: fmt.Sprint("w", w)})
					if err != nil {
						t.Error(err)
						return
					}
					seen[w][idx] = true
				}
			})
		}
		wg.Wait()
		all := map[uint64]bool{}
		for _, s := range seen {
			for i := range s {
				if all[i] {
					t.Fatalf("index %d given twice", i)
				}
				all[i] = true
			}
		}
		if len(all) != 200 {
			t.Fatalf("%d distinct indexes", len(all))
		}
		for _, l := range logs {
			if res, err := l.Verify(ctx); err != nil || res.Entries != 200 {
				t.Fatalf("Verify = %+v, %v", res, err)
			}
		}
	})
}

// TestTamper edits the log's rows directly in SQL; Verify must name the entry.
func TestTamper(t *testing.T) {
	tests := []struct {
		name      string
		sql       []string
		wantEntry int64 // -1: a checkpoint is blamed
		want      string
	}{
		{"edit body", []string{`UPDATE evidence_entries SET body = replace(body, 'w3', 'w9') WHERE seq = 3`}, 3, "leaf hash"},
		{"edit body and leaf hash", nil, 3, "signed checkpoint"}, // filled in below
		{"edit leaf hash", []string{`UPDATE evidence_entries SET leaf_hash = '00' || substr(leaf_hash, 3) WHERE seq = 5`}, 5, "leaf hash"},
		{"edit created_at", []string{`UPDATE evidence_entries SET created_at = '2020-01-01T00:00:00.000000000Z' WHERE seq = 2`}, 2, "created_at"},
		{"delete middle row", []string{`DELETE FROM evidence_entries WHERE seq = 4`}, 4, "missing"},
		{"delete last row", []string{`DELETE FROM evidence_entries WHERE seq = 7`}, 7, "missing"},
		{"reorder rows", []string{
			`UPDATE evidence_entries SET seq = 100 WHERE seq = 1`,
			`UPDATE evidence_entries SET seq = 1 WHERE seq = 6`,
			`UPDATE evidence_entries SET seq = 6 WHERE seq = 100`}, 1, "index"},
		{"insert row at the end", []string{`INSERT INTO evidence_entries (seq, body, leaf_hash, created_at)
			SELECT 8, replace(body, '"index":7', '"index":8'), leaf_hash, created_at FROM evidence_entries WHERE seq = 7`}, 8, ""},
		{"edit checkpoint", []string{`UPDATE log_checkpoints SET note = replace(note, 'kyso.test/evidence', 'kyso.test/evidencf') WHERE size = 6`}, -1, "checkpoint"},
		{"delete checkpoints", []string{`DELETE FROM log_checkpoints`}, 0, "checkpoint"},
	}
	for _, b := range storagetest.MetaBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx := context.Background()
					m := storagetest.OpenMeta(t, b)
					l := newLog(t, m)
					for i := range 8 {
						if _, err := l.Add(ctx, evidence.Entry{Type: evidence.DocumentSigned, Actor: fmt.Sprint("w", i)}); err != nil {
							t.Fatal(err)
						}
					}
					stmts := tt.sql
					if tt.name == "edit body and leaf hash" {
						e, _ := l.Entry(ctx, 3)
						body := strings.Replace(string(e.Body), "w3", "w9", 1)
						lh := evidence.LeafHash([]byte(body))
						stmts = []string{fmt.Sprintf(`UPDATE evidence_entries SET body = '%s', leaf_hash = '%x' WHERE seq = 3`, body, lh)}
					}
					err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
						for _, s := range stmts {
							n, err := tx.Exec(ctx, s)
							if err != nil {
								return err
							}
							if n == 0 {
								return fmt.Errorf("%s changed nothing", s)
							}
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					_, err = l.Verify(ctx)
					var ve *evidence.VerifyError
					if !errors.As(err, &ve) || !errors.Is(err, evidence.ErrTampered) {
						t.Fatalf("Verify = %v, want a VerifyError", err)
					}
					if ve.Entry != tt.wantEntry || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("Verify = %v; want entry %d and %q", err, tt.wantEntry, tt.want)
					}
				})
			}
		})
	}
}

// TestAppendRefusesTamperedTail: a row inserted after the latest signed
// checkpoint, or a log that shrank, is refused by the next append (of a
// running process and of a fresh one), so no checkpoint ever covers it.
func TestAppendRefusesTamperedTail(t *testing.T) {
	tests := []struct {
		name string
		sql  []string
		// fresh: a new process (empty in-memory tree) also refuses.
		fresh bool
		want  string
	}{
		{"row inserted at the end", []string{`INSERT INTO evidence_entries (seq, body, leaf_hash, created_at)
			SELECT 5, replace(body, '"index":4', '"index":5'), leaf_hash, created_at FROM evidence_entries WHERE seq = 4`}, true, "covers 5"},
		{"latest checkpoint deleted", []string{`DELETE FROM log_checkpoints WHERE size = 5`}, true, "covers 4"},
		{"last row deleted", []string{`DELETE FROM evidence_entries WHERE seq = 4`}, true, "shrank from 5 to 4"},
		{"tail truncated with its checkpoints", []string{`DELETE FROM evidence_entries WHERE seq >= 3`,
			`DELETE FROM log_checkpoints WHERE size > 3`}, false, "shrank from 5 to 3"},
		{"leaf hash of a new row replaced", nil, true, "do not match"}, // see below
	}
	for _, b := range storagetest.MetaBackends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx := context.Background()
					m := storagetest.OpenMeta(t, b)
					key := filepath.Join(t.TempDir(), "log.key")
					open := func() *evidence.Log {
						s, vkey, err := evidence.LoadOrCreateKey(key, "kyso.test/evidence")
						if err != nil {
							t.Fatal(err)
						}
						l, err := evidence.New(m, evidence.Options{Signer: s, VerifierKey: vkey})
						if err != nil {
							t.Fatal(err)
						}
						return l
					}
					running, other := open(), open()
					for i := range 5 {
						if _, err := running.Add(ctx, evidence.Entry{Type: evidence.DocumentSigned, Actor: fmt.Sprint("w", i)}); err != nil {
							t.Fatal(err)
						}
					}
					stmts := tt.sql
					if stmts == nil {
						// Another process's last transaction, with its leaf hash
						// swapped for that of a different body: the tree
						// then misses the signed root.
						if _, err := other.Add(ctx, evidence.Entry{Type: evidence.DocumentSigned, Actor: "w5"}); err != nil {
							t.Fatal(err)
						}
						lh := evidence.LeafHash([]byte("forged"))
						stmts = []string{fmt.Sprintf(`UPDATE evidence_entries SET leaf_hash = '%x' WHERE seq = 5`, lh)}
					}
					execAll(t, m, stmts)
					_, err := running.Add(ctx, evidence.Entry{Type: evidence.DocumentSigned, Actor: "after"})
					if !errors.Is(err, evidence.ErrTampered) || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("running process: Add = %v; want ErrTampered with %q", err, tt.want)
					}
					_, err = open().Add(ctx, evidence.Entry{Type: evidence.DocumentSigned, Actor: "after"})
					if tt.fresh != errors.Is(err, evidence.ErrTampered) {
						t.Fatalf("fresh process: Add = %v; tampering noticed: %v, want %v", err, errors.Is(err, evidence.ErrTampered), tt.fresh)
					}
				})
			}
		})
	}
}

func execAll(t *testing.T, m storage.Meta, stmts []string) {
	t.Helper()
	err := m.Update(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		for _, s := range stmts {
			n, err := tx.Exec(ctx, s)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%s changed nothing", s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer collects log output from the checkpointer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCheckpointer(t *testing.T) {
	forBackends(t, func(t *testing.T, m storage.Meta) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var logs syncBuffer
		s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "kyso.test/evidence")
		if err != nil {
			t.Fatal(err)
		}
		l, err := evidence.New(m, evidence.Options{Signer: s, VerifierKey: vkey,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.RunCheckpointer(ctx, 0, nil); err == nil {
			t.Fatal("RunCheckpointer with interval 0 ran")
		}
		published := make(chan evidence.Checkpoint, 100)
		stopped := make(chan error, 1)
		go func() {
			stopped <- l.RunCheckpointer(ctx, 20*time.Millisecond, func(ctx context.Context, cp evidence.Checkpoint) error {
				if _, err := evidence.ParseCheckpoint(cp.Note, l.Verifier()); err != nil {
					return err
				}
				published <- cp
				return nil
			})
		}()
		wait := func(size uint64) evidence.Checkpoint {
			t.Helper()
			timeout := time.After(10 * time.Second)
			for {
				select {
				case cp := <-published:
					if cp.Size == size {
						return cp
					}
					if cp.Size > size {
						t.Fatalf("published size %d, waiting for %d", cp.Size, size)
					}
				case <-timeout:
					t.Fatalf("no checkpoint of size %d published; log:\n%s", size, logs.String())
				}
			}
		}
		// The empty log gets its first checkpoint from the checkpointer.
		wait(0)
		if cp, err := l.CheckpointAt(ctx, 0); err != nil || cp.Size != 0 {
			t.Fatalf("stored checkpoint of the empty log: %+v, %v", cp, err)
		}
		for i := range 3 {
			if _, err := l.Add(ctx, evidence.Entry{Type: evidence.DossierState, Data: map[string]any{"to": i}}); err != nil {
				t.Fatal(err)
			}
		}
		wait(3)
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Fatalf("errors before any tampering:\n%s", logs.String())
		}
		// Truncate the log together with its checkpoints: only a watcher
		// that saw the longer log can tell.
		execAll(t, m, []string{`DELETE FROM evidence_entries WHERE seq >= 1`, `DELETE FROM log_checkpoints WHERE size > 1`})
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(logs.String(), "level=ERROR") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "tampered") {
			t.Fatalf("truncation not reported:\n%s", out)
		}
		cancel()
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("RunCheckpointer returned %v after cancel", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("RunCheckpointer did not stop")
		}
	})
}
