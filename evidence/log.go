package evidence

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/kyso-vn/kyso/storage"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrTampered: the stored log does not match itself or its signed checkpoints.
	ErrTampered = errors.New("evidence log tampered")
	// ErrBadCheckpoint: a checkpoint's signature or format is wrong.
	ErrBadCheckpoint = errors.New("invalid checkpoint")
	// ErrBadProof: a proof does not verify.
	ErrBadProof = errors.New("invalid proof")
	// ErrNoEntry: the index is beyond the log.
	ErrNoEntry = errors.New("no such entry")
)

// lockName orders appends of every process on the database.
const lockName = "evidence_log"

// Options configure a Log.
type Options struct {
	// Signer signs checkpoints (see LoadOrCreateKey). Required to append.
	Signer note.Signer
	// VerifierKey is the public key checkpoints are checked with, in note
	// format. Required.
	VerifierKey string
	// Logger receives operational messages (default: discarded).
	Logger *slog.Logger
	// MaxBatch bounds the entries Add commits in one transaction (default 1024).
	MaxBatch int
}

// Log is the evidence log over a metadata store. It is safe for concurrent
// use, and several processes may append to the same database.
type Log struct {
	meta     storage.Meta
	signer   note.Signer
	verifier note.Verifier
	origin   string
	logger   *slog.Logger
	maxBatch int

	mu   sync.Mutex // guards tree
	tree tree       // committed entries, for proofs and for checkpoints

	gmu        sync.Mutex // guards queue and committing
	queue      []*pending
	committing bool
}

// New returns the log stored in meta.
func New(meta storage.Meta, opts Options) (*Log, error) {
	v, err := note.NewVerifier(opts.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("evidence log verifier key: %w", err)
	}
	if opts.Signer != nil && (opts.Signer.Name() != v.Name() || opts.Signer.KeyHash() != v.KeyHash()) {
		return nil, errors.New("evidence log: signer and verifier keys do not match")
	}
	l := &Log{meta: meta, signer: opts.Signer, verifier: v, origin: v.Name(), logger: opts.Logger, maxBatch: opts.MaxBatch}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	if l.maxBatch <= 0 {
		l.maxBatch = 1024
	}
	return l, nil
}

// Origin is the log's name, the first line of its checkpoints.
func (l *Log) Origin() string { return l.origin }

// Verifier returns the checkpoint verifier.
func (l *Log) Verifier() note.Verifier { return l.verifier }

type txKey struct{ l *Log }

// txState is an open transaction's view of the log: its size and compact
// range, including the entries the transaction appended.
type txState struct {
	size uint64
	rng  *compact.Range
	base uint64 // size when the transaction took the lock
}

// Append adds e to the log inside the caller's transaction, which then
// holds the log's lock until it ends: the entry becomes visible, in order,
// exactly when the change it describes commits. A checkpoint covering the
// transaction's entries is signed just before the commit. Append last,
// after the transaction's other work, to hold the lock briefly.
func (l *Log) Append(ctx context.Context, tx *storage.Tx, e Entry) (uint64, error) {
	idx, err := l.AppendBatch(ctx, tx, []Entry{e})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendBatch is Append for several entries, inserted with one statement
// per 256 entries; it returns their indexes.
func (l *Log) AppendBatch(ctx context.Context, tx *storage.Tx, es []Entry) ([]uint64, error) {
	if l.signer == nil {
		return nil, errors.New("evidence log: no signer key: cannot append")
	}
	st, _ := tx.Value(txKey{l}).(*txState)
	if st == nil {
		if tx.Value(lockedKey{l}) == nil {
			if err := tx.Lock(ctx, lockName); err != nil {
				return nil, err
			}
		}
		size, err := l.catchUp(ctx, tx)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		rng, err := l.tree.rangeAt(size)
		l.mu.Unlock()
		if err != nil {
			return nil, err
		}
		st = &txState{size: size, rng: rng, base: size}
		tx.SetValue(txKey{l}, st)
		tx.BeforeCommit(txKey{l}, func(ctx context.Context) error { return l.signInTx(ctx, tx, st) })
	}
	const chunk = 256
	idxs := make([]uint64, 0, len(es))
	leaves := make([]Hash, 0, len(es))
	for len(es) > 0 {
		part := es[:min(chunk, len(es))]
		es = es[len(part):]
		var q strings.Builder
		q.WriteString("INSERT INTO evidence_entries (seq, body, leaf_hash, created_at) VALUES ")
		args := make([]any, 0, 4*len(part))
		for i, e := range part {
			if e.Time.IsZero() {
				e.Time = time.Now()
			}
			idx := st.size + uint64(len(idxs))
			raw, err := e.encode(idx)
			if err != nil {
				return nil, err
			}
			leaf := LeafHash(raw)
			if i > 0 {
				q.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
			args = append(args, int64(idx), string(raw), hex.EncodeToString(leaf[:]), storage.FormatTime(e.Time))
			idxs = append(idxs, idx)
			leaves = append(leaves, leaf)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return nil, err
		}
	}
	for _, leaf := range leaves {
		if err := st.rng.Append(leaf[:], nil); err != nil {
			return nil, err
		}
	}
	st.size += uint64(len(leaves))
	return idxs, nil
}

// signInTx signs the checkpoint of the transaction's final size.
func (l *Log) signInTx(ctx context.Context, tx *storage.Tx, st *txState) error {
	if st.size == st.base {
		return nil
	}
	root, err := st.rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	return l.storeCheckpoint(ctx, tx, st.size, Hash(root))
}

func (l *Log) storeCheckpoint(ctx context.Context, tx *storage.Tx, size uint64, root Hash) error {
	msg, err := signCheckpoint(l.signer, l.origin, size, root)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO log_checkpoints (size, note, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (size) DO NOTHING`, int64(size), string(msg), storage.FormatTime(time.Now()))
	return err
}

// catchUp brings the in-memory tree up to the committed entries visible to
// tx and returns the log's size. Stored leaf hashes are trusted here;
// Verify recomputes them.
func (l *Log) catchUp(ctx context.Context, tx *storage.Tx) (uint64, error) {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq) + 1, 0) FROM evidence_entries").Scan(&n); err != nil {
		return 0, fmt.Errorf("evidence log: %w", err)
	}
	size := uint64(n)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tree.size() > size {
		l.logger.Warn("evidence log shrank: rebuilding the in-memory tree", "had", l.tree.size(), "now", size)
		l.tree = tree{}
	}
	if l.tree.size() == size {
		return size, nil
	}
	rows, err := tx.Query(ctx, "SELECT seq, leaf_hash FROM evidence_entries WHERE seq >= $1 ORDER BY seq", int64(l.tree.size()))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var lh string
		if err := rows.Scan(&seq, &lh); err != nil {
			return 0, err
		}
		var h Hash
		if b, err := hex.DecodeString(lh); err != nil || len(b) != len(h) || uint64(seq) != l.tree.size() {
			l.tree = tree{}
			return 0, fmt.Errorf("%w: entry %d: malformed leaf hash or out of sequence (run kyso log verify)", ErrTampered, seq)
		} else {
			copy(h[:], b)
		}
		l.tree.append(h)
		if l.tree.size() == size {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if l.tree.size() != size {
		got := l.tree.size()
		l.tree = tree{}
		return 0, fmt.Errorf("%w: entry %d is missing (run kyso log verify)", ErrTampered, got)
	}
	return size, nil
}

// refresh catches up with the committed log in a read transaction.
func (l *Log) refresh(ctx context.Context) (uint64, error) {
	var size uint64
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		size, err = l.catchUp(ctx, tx)
		return err
	})
	return size, err
}

type pending struct {
	e     Entry
	index uint64
	err   error
	done  chan struct{} // closed when committed or failed
	lead  chan struct{} // receives leadership: commit the next batch
}

// Add appends e in its own transaction. Concurrent Adds are grouped (group
// commit): one writer at a time leads, committing every entry that is
// waiting in one transaction (one lock, one checkpoint, one commit), then
// hands the lead to the next waiting writer and returns. Once queued, an
// entry is committed or fails as a whole with its batch; cancelling ctx
// does not withdraw it.
func (l *Log) Add(ctx context.Context, e Entry) (uint64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	p := &pending{e: e, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	l.gmu.Lock()
	l.queue = append(l.queue, p)
	if !l.committing {
		l.committing = true
		p.lead <- struct{}{}
	}
	l.gmu.Unlock()
	for {
		select {
		case <-p.done:
			return p.index, p.err
		case <-p.lead:
			l.commitBatch(context.WithoutCancel(ctx))
		}
	}
}

// commitBatch commits the waiting entries (this leader's among them).
// The batch is taken once the transaction holds the log's lock, so it
// includes every entry that arrived while the previous batch committed,
// and the lead passes on right then, so the next batch's transaction
// starts (and queues on the lock) while this one commits.
func (l *Log) commitBatch(ctx context.Context) {
	var batch []*pending
	var idxs []uint64
	err := l.meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.Lock(ctx, lockName); err != nil {
			return err
		}
		tx.SetValue(lockedKey{l}, true)
		if batch == nil {
			batch = l.takeBatch()
		}
		es := make([]Entry, len(batch))
		for i, p := range batch {
			es[i] = p.e
		}
		var err error
		idxs, err = l.AppendBatch(ctx, tx, es)
		return err
	})
	if batch == nil {
		batch = l.takeBatch()
	}
	for i, p := range batch {
		if err == nil {
			p.index = idxs[i]
		}
		p.err = err
		close(p.done)
	}
}

// takeBatch removes the waiting entries from the queue and passes the lead
// to the next writer, if one is waiting.
func (l *Log) takeBatch() []*pending {
	l.gmu.Lock()
	defer l.gmu.Unlock()
	n := min(len(l.queue), l.maxBatch)
	batch := l.queue[:n:n]
	l.queue = l.queue[n:]
	if len(l.queue) > 0 {
		l.queue[0].lead <- struct{}{}
	} else {
		l.committing = false
	}
	return batch
}

type lockedKey struct{ l *Log }

// Size returns the number of committed entries.
func (l *Log) Size(ctx context.Context) (uint64, error) { return l.refresh(ctx) }

// Checkpoint returns the latest signed checkpoint, signing a new one first
// when entries were committed after it (or none exists yet) and the log
// has its signer key.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	cp, err := l.latest(ctx)
	if err != nil && !errors.Is(err, ErrNoEntry) {
		return cp, err
	}
	size, err2 := l.refresh(ctx)
	if err2 != nil {
		return cp, err2
	}
	if err == nil && cp.Size == size || l.signer == nil {
		return cp, err
	}
	return l.Sign(ctx)
}

// Sign signs and stores a checkpoint of the log as it is now (on demand,
// or periodically from a timer); an existing checkpoint of the same size
// is kept and returned.
func (l *Log) Sign(ctx context.Context) (Checkpoint, error) {
	if l.signer == nil {
		return Checkpoint{}, errors.New("evidence log: no signer key: cannot sign")
	}
	err := l.meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.Lock(ctx, lockName); err != nil {
			return err
		}
		size, err := l.catchUp(ctx, tx)
		if err != nil {
			return err
		}
		l.mu.Lock()
		root, err := l.tree.root(size)
		l.mu.Unlock()
		if err != nil {
			return err
		}
		return l.storeCheckpoint(ctx, tx, size, root)
	})
	if err != nil {
		return Checkpoint{}, err
	}
	return l.latest(ctx)
}

// latest returns the stored checkpoint of the largest size, checked.
func (l *Log) latest(ctx context.Context) (Checkpoint, error) {
	var msg string
	var size int64
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1").Scan(&size, &msg)
	})
	if err != nil {
		if errors.Is(err, errNoRows) {
			return Checkpoint{}, fmt.Errorf("%w: no checkpoint yet", ErrNoEntry)
		}
		return Checkpoint{}, err
	}
	cp, err := ParseCheckpoint([]byte(msg), l.verifier)
	if err != nil {
		return cp, fmt.Errorf("%w: checkpoint of size %d: %w", ErrTampered, size, err)
	}
	if cp.Size != uint64(size) {
		return cp, fmt.Errorf("%w: checkpoint row %d holds a checkpoint of size %d", ErrTampered, size, cp.Size)
	}
	return cp, nil
}

// CheckpointAt returns the stored checkpoint of exactly size entries.
func (l *Log) CheckpointAt(ctx context.Context, size uint64) (Checkpoint, error) {
	var msg string
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT note FROM log_checkpoints WHERE size = $1", int64(size)).Scan(&msg)
	})
	if errors.Is(err, errNoRows) {
		return Checkpoint{}, fmt.Errorf("%w: no checkpoint of size %d", ErrNoEntry, size)
	}
	if err != nil {
		return Checkpoint{}, err
	}
	return ParseCheckpoint([]byte(msg), l.verifier)
}

// Entry returns the stored entry at index.
func (l *Log) Entry(ctx context.Context, index uint64) (StoredEntry, error) {
	var raw, lh string
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT body, leaf_hash FROM evidence_entries WHERE seq = $1", int64(index)).Scan(&raw, &lh)
	})
	if errors.Is(err, errNoRows) {
		return StoredEntry{}, fmt.Errorf("%w: %d", ErrNoEntry, index)
	}
	if err != nil {
		return StoredEntry{}, err
	}
	b, err := parseBody([]byte(raw))
	if err != nil {
		return StoredEntry{}, fmt.Errorf("%w: entry %d: %w", ErrTampered, index, err)
	}
	leaf := LeafHash([]byte(raw))
	if hex.EncodeToString(leaf[:]) != lh || b.Index != index {
		return StoredEntry{}, fmt.Errorf("%w: entry %d does not match its leaf hash or index", ErrTampered, index)
	}
	return b.stored([]byte(raw), leaf), nil
}

// InclusionProof returns the RFC 6962 inclusion proof of entry index in
// the tree of size entries.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if err := l.ensure(ctx, size); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.inclusion(index, size)
}

// ConsistencyProof returns the RFC 6962 consistency proof between the
// trees of size1 and size2 entries.
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if err := l.ensure(ctx, size2); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.consistency(size1, size2)
}

// ensure refreshes the tree when it is smaller than size.
func (l *Log) ensure(ctx context.Context, size uint64) error {
	l.mu.Lock()
	have := l.tree.size()
	l.mu.Unlock()
	if have >= size {
		return nil
	}
	n, err := l.refresh(ctx)
	if err != nil {
		return err
	}
	if n < size {
		return fmt.Errorf("%w: the log has %d entries, not %d", ErrNoEntry, n, size)
	}
	return nil
}
