package evidence

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/kyso-vn/kyso/storage"
)

// VerifyError says where verification failed. It wraps ErrTampered.
type VerifyError struct {
	// Entry is the first bad entry, or -1 when the problem is a checkpoint
	// (then Checkpoint is its size).
	Entry      int64
	Checkpoint int64
	Reason     string
}

func (e *VerifyError) Error() string {
	if e.Entry >= 0 {
		return fmt.Sprintf("evidence log: entry %d: %s", e.Entry, e.Reason)
	}
	return fmt.Sprintf("evidence log: checkpoint of size %d: %s", e.Checkpoint, e.Reason)
}

func (e *VerifyError) Unwrap() error { return ErrTampered }

// VerifyResult summarises a successful verification.
type VerifyResult struct {
	Entries     uint64     `json:"entries"`
	Checkpoints int        `json:"checkpoints"`
	Latest      Checkpoint `json:"-"`
	Root        Hash       `json:"-"`
}

// Verify reads the whole log in one snapshot and checks that:
// every entry's body is canonical and names its own index, its leaf hash
// and created_at columns match the body, the indexes run 0, 1, 2, … with no
// gap; every stored checkpoint is signed by the log's key, names the
// stored size, and its root equals the root recomputed from the entries;
// consecutive checkpoints are consistent; the latest checkpoint covers
// every entry; and each of trusted (checkpoints kept outside the database,
// e.g. by a witness) matches the recomputed tree. An edited, deleted,
// reordered or inserted row makes it fail with a *VerifyError naming the
// first bad entry.
func (l *Log) Verify(ctx context.Context, trusted ...Checkpoint) (VerifyResult, error) {
	var res VerifyResult
	var t tree
	type cpRow struct {
		size int64
		note string
	}
	var cps []cpRow
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, "SELECT seq, body, leaf_hash, created_at FROM evidence_entries ORDER BY seq")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var raw, lh, created string
			if err := rows.Scan(&seq, &raw, &lh, &created); err != nil {
				return err
			}
			want := int64(t.size())
			if seq != want {
				if seq < want {
					return &VerifyError{Entry: seq, Reason: "index out of sequence"}
				}
				return &VerifyError{Entry: want, Reason: fmt.Sprintf("missing: the next stored entry is %d (deleted row?)", seq)}
			}
			b, err := parseBody([]byte(raw))
			if err != nil {
				return &VerifyError{Entry: seq, Reason: err.Error()}
			}
			if b.Index != uint64(seq) {
				return &VerifyError{Entry: seq, Reason: fmt.Sprintf("body names index %d (rows reordered or inserted?)", b.Index)}
			}
			if created != b.Time {
				return &VerifyError{Entry: seq, Reason: fmt.Sprintf("created_at %q differs from the body's time %q", created, b.Time)}
			}
			leaf := LeafHash([]byte(raw))
			if lh != hex.EncodeToString(leaf[:]) {
				return &VerifyError{Entry: seq, Reason: "leaf hash does not match the body (body or leaf_hash edited)"}
			}
			t.append(leaf)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows2, err := tx.Query(ctx, "SELECT size, note FROM log_checkpoints ORDER BY size")
		if err != nil {
			return err
		}
		defer rows2.Close()
		for rows2.Next() {
			var r cpRow
			if err := rows2.Scan(&r.size, &r.note); err != nil {
				return err
			}
			cps = append(cps, r)
		}
		return rows2.Err()
	})
	if err != nil {
		return res, err
	}
	res.Entries = t.size()

	// Where did the first checkpoint that disagrees start? Entries before
	// the last good checkpoint are proven; the first bad one is after it.
	var prev *Checkpoint
	for _, r := range cps {
		cp, err := ParseCheckpoint([]byte(r.note), l.verifier)
		if err != nil {
			return res, &VerifyError{Entry: -1, Checkpoint: r.size, Reason: err.Error()}
		}
		if int64(cp.Size) != r.size {
			return res, &VerifyError{Entry: -1, Checkpoint: r.size, Reason: fmt.Sprintf("the row holds a checkpoint of size %d", cp.Size)}
		}
		from := uint64(0)
		if prev != nil {
			from = prev.Size
		}
		if cp.Size > t.size() {
			return res, &VerifyError{Entry: int64(t.size()), Reason: fmt.Sprintf(
				"missing: signed checkpoint covers %d entries, only %d are stored (deleted rows?)", cp.Size, t.size())}
		}
		root, err := t.root(cp.Size)
		if err != nil {
			return res, err
		}
		if root != cp.Root {
			return res, l.blame(from, cp.Size)
		}
		if prev != nil {
			p, err := t.consistency(prev.Size, cp.Size)
			if err == nil {
				err = VerifyConsistency(*prev, cp, p)
			}
			if err != nil {
				return res, &VerifyError{Entry: -1, Checkpoint: int64(cp.Size), Reason: err.Error()}
			}
		}
		res.Checkpoints++
		c := cp
		prev = &c
	}
	for _, cp := range trusted {
		if cp.Size > t.size() {
			return res, &VerifyError{Entry: int64(t.size()), Reason: fmt.Sprintf(
				"missing: a trusted checkpoint covers %d entries, only %d are stored", cp.Size, t.size())}
		}
		if root, err := t.root(cp.Size); err != nil || root != cp.Root {
			return res, &VerifyError{Entry: -1, Checkpoint: int64(cp.Size), Reason: "the trusted checkpoint does not match the stored entries"}
		}
	}
	switch {
	case prev == nil && t.size() > 0:
		return res, &VerifyError{Entry: 0, Reason: "no signed checkpoint covers the log (checkpoints deleted?)"}
	case prev != nil && prev.Size < t.size():
		return res, &VerifyError{Entry: int64(prev.Size), Reason: fmt.Sprintf(
			"not covered by any signed checkpoint (the latest covers %d entries): inserted row?", prev.Size)}
	}
	if prev != nil {
		res.Latest = *prev
	}
	res.Root, _ = t.root(t.size())
	return res, nil
}

// blame names the first bad entry between two checkpoints: exactly when the
// range holds one entry, else the range.
func (l *Log) blame(from, to uint64) error {
	if to-from == 1 {
		return &VerifyError{Entry: int64(from), Reason: fmt.Sprintf(
			"does not match the signed checkpoint of size %d (edited, replaced or reordered)", to)}
	}
	return &VerifyError{Entry: int64(from), Reason: fmt.Sprintf(
		"entries %d to %d do not match the signed checkpoint of size %d (one of them was edited, replaced or reordered; %d is the first unproven)",
		from, to-1, to, from)}
}
