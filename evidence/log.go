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
	// ErrEntryTooLarge: an entry's body exceeds MaxEntrySize.
	ErrEntryTooLarge = errors.New("evidence entry too large")
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
	vkey     string // the verifier key in note format
	origin   string
	logger   *slog.Logger
	maxBatch int

	mu       sync.Mutex // guards tree and inflight
	tree     tree       // committed entries, for proofs and for checkpoints
	inflight *inflight  // the commit under way, if any

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
	l := &Log{meta: meta, signer: opts.Signer, verifier: v, vkey: opts.VerifierKey, origin: v.Name(), logger: opts.Logger, maxBatch: opts.MaxBatch}
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

// VerifierKey is the public key checkpoints are checked with, in note
// format (what offline clients and archive packages are given).
func (l *Log) VerifierKey() string { return l.vkey }

// Verifier returns the checkpoint verifier.
func (l *Log) Verifier() note.Verifier { return l.verifier }

type txKey struct{ l *Log }

// txState is an open transaction's view of the log: the size when it took
// the lock, and the entries it appends, written with its commit.
type txState struct {
	base   uint64
	size   uint64
	rng    *compact.Range // [0, size)
	rows   []row
	sealed bool // the checkpoint is signed: no more entries
}

type row struct {
	body []byte
	leaf Hash
	time string
}

// Append adds e to the log inside the caller's transaction, which then
// holds the log's lock until it ends: the entry becomes visible, in order,
// exactly when the change it describes commits. Its row and the signed
// checkpoint covering the transaction's entries are written with the
// commit (in the same round trip on PostgreSQL), so nothing in the
// transaction reads them back. Append last, after the transaction's other
// work, to hold the lock briefly.
func (l *Log) Append(ctx context.Context, tx *storage.Tx, e Entry) (uint64, error) {
	idx, err := l.AppendBatch(ctx, tx, []Entry{e})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendBatch is Append for several entries; it returns their indexes.
func (l *Log) AppendBatch(ctx context.Context, tx *storage.Tx, es []Entry) ([]uint64, error) {
	encs := make([]encoded, len(es))
	for i, e := range es {
		var err error
		if encs[i], err = e.encode(); err != nil {
			return nil, err
		}
	}
	return l.appendEncoded(ctx, tx, encs)
}

func (l *Log) appendEncoded(ctx context.Context, tx *storage.Tx, encs []encoded) ([]uint64, error) {
	if l.signer == nil {
		return nil, errors.New("evidence log: no signer key: cannot append")
	}
	st, _ := tx.Value(txKey{l}).(*txState)
	if st == nil {
		var err error
		if st, err = l.lock(ctx, tx); err != nil {
			return nil, err
		}
		tx.SetValue(txKey{l}, st)
		tx.BeforeCommit(txKey{l}, func(ctx context.Context) error { return l.seal(tx, st) })
	}
	if st.sealed {
		return nil, errors.New("evidence log: append after the transaction's checkpoint was signed")
	}
	idxs := make([]uint64, len(encs))
	for i, enc := range encs {
		idxs[i] = st.size
		body := enc.body(st.size)
		leaf := LeafHash(body)
		if err := st.rng.Append(leaf[:], nil); err != nil {
			return nil, err
		}
		st.rows = append(st.rows, row{body: body, leaf: leaf, time: enc.time})
		st.size++
	}
	return idxs, nil
}

// headQuery reads the log's size and its latest signed checkpoint.
const headQuery = `SELECT (SELECT coalesce(max(seq) + 1, 0) FROM evidence_entries),
	coalesce((SELECT size FROM log_checkpoints ORDER BY size DESC LIMIT 1), -1),
	coalesce((SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1), '')`

// head is the stored log as one statement saw it.
type head struct {
	size   uint64
	cpSize int64 // -1: no checkpoint
	note   string
}

func (h *head) scan(b *storage.Batch) {
	b.Queue(headQuery).Scan(&h.size, &h.cpSize, &h.note)
}

// lock takes the log's lock in tx and reads the log's head in the same
// round trip, then catches up with what other processes appended.
func (l *Log) lock(ctx context.Context, tx *storage.Tx) (*txState, error) {
	var h head
	b := tx.Batch()
	b.Lock(lockName)
	h.scan(b)
	if err := b.Send(ctx); err != nil {
		return nil, fmt.Errorf("evidence log: %w", err)
	}
	if err := l.catchUp(ctx, tx, h, true); err != nil {
		return nil, err
	}
	l.mu.Lock()
	rng, err := l.tree.rangeAt(h.size)
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &txState{base: h.size, size: h.size, rng: rng}, nil
}

// seal signs the checkpoint of the transaction's final size and queues
// the entries and the checkpoint for the commit.
func (l *Log) seal(tx *storage.Tx, st *txState) error {
	st.sealed = true
	if len(st.rows) == 0 {
		return nil
	}
	root, err := st.rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	msg, err := signCheckpoint(l.signer, l.origin, st.size, Hash(root))
	if err != nil {
		return err
	}
	b := tx.CommitBatch()
	insertRows(tx, b, st.base, st.rows)
	b.Queue("INSERT INTO log_checkpoints (size, note, created_at) VALUES ($1, $2, $3)",
		int64(st.size), string(msg), storage.FormatTime(time.Now()))
	// Until the commit's outcome is known, a transaction of this process
	// that gets the lock next waits for it rather than reading these rows
	// back (see catchUp).
	fl := &inflight{base: st.base, done: make(chan struct{})}
	l.mu.Lock()
	l.inflight = fl
	l.mu.Unlock()
	tx.AfterEnd(func(committed bool) {
		l.mu.Lock()
		if committed && l.tree.size() == st.base {
			for _, r := range st.rows {
				l.tree.append(r.leaf)
			}
		}
		if l.inflight == fl {
			l.inflight = nil
		}
		l.mu.Unlock()
		close(fl.done)
	})
	return nil
}

// inflight is this process's transaction whose commit is under way.
type inflight struct {
	base uint64 // the log's size before it
	done chan struct{}
}

// insertRows queues the INSERT of rows, the first at index base: one
// statement on PostgreSQL (arrays), multi-row statements on SQLite.
func insertRows(tx *storage.Tx, b *storage.Batch, base uint64, rows []row) {
	if tx.Backend() == "postgres" {
		seqs := make([]int64, len(rows))
		bodies, leaves, times := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			seqs[i], bodies[i], leaves[i], times[i] = int64(base)+int64(i), string(r.body), hex.EncodeToString(r.leaf[:]), r.time
		}
		b.Queue(`INSERT INTO evidence_entries (seq, body, leaf_hash, created_at)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])`, seqs, bodies, leaves, times)
		return
	}
	// SQLite: anonymous ? parameters, since it looks up each named one ($n)
	// in a list, which makes a long statement quadratic to prepare.
	const chunk = 256
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		q := "INSERT INTO evidence_entries (seq, body, leaf_hash, created_at) VALUES (?, ?, ?, ?)" +
			strings.Repeat(", (?, ?, ?, ?)", len(part)-1)
		args := make([]any, 0, 4*len(part))
		for i, r := range part {
			args = append(args, int64(base)+int64(start+i), string(r.body), hex.EncodeToString(r.leaf[:]), r.time)
		}
		b.Queue(q, args...)
	}
}

// catchUp brings the in-memory tree up to the stored log h and checks it
// against the latest signed checkpoint: every committed transaction that
// appended also stored the checkpoint of the size it left, so the latest
// checkpoint covers exactly the stored entries. Entries appended by other
// processes are taken from their stored leaf hashes and accepted only if
// the tree then has the checkpoint's root; an uncovered (inserted) tail, a
// shrunken log or a root that does not match is ErrTampered, and nothing
// is appended onto it. Verify recomputes everything from the bodies.
// locked says tx holds the log's lock (it sees the latest commits);
// otherwise h may be an older snapshot than the tree.
func (l *Log) catchUp(ctx context.Context, tx *storage.Tx, h head, locked bool) error {
	l.mu.Lock()
	have, fl := l.tree.size(), l.inflight
	l.mu.Unlock()
	if locked && fl != nil && fl.base == have && h.size > have {
		// The lock came free with the commit of this process's previous
		// transaction, whose outcome is about to be known: its leaves are
		// in memory. (If it takes long, read the rows instead.)
		t := time.NewTimer(time.Second)
		select {
		case <-fl.done:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
		l.mu.Lock()
		have = l.tree.size()
		l.mu.Unlock()
	}
	switch {
	case h.size < have:
		if locked {
			return fmt.Errorf("%w: the log shrank from %d to %d entries (run kyso log verify)", ErrTampered, have, h.size)
		}
		return nil
	case h.size == 0 && h.cpSize <= 0:
		return nil
	case h.cpSize != int64(h.size):
		return fmt.Errorf("%w: the log has %d entries, its latest signed checkpoint covers %d (run kyso log verify)", ErrTampered, h.size, h.cpSize)
	case h.size == have:
		return nil
	}
	cp, err := ParseCheckpoint([]byte(h.note), l.verifier)
	if err != nil || cp.Size != h.size {
		return fmt.Errorf("%w: latest checkpoint (size %d): %v (run kyso log verify)", ErrTampered, h.cpSize, err)
	}
	rows, err := tx.Query(ctx, "SELECT seq, leaf_hash FROM evidence_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq", int64(have), int64(h.size))
	if err != nil {
		return fmt.Errorf("evidence log: %w", err)
	}
	defer rows.Close()
	leaves := make([]Hash, 0, h.size-have)
	for rows.Next() {
		var seq int64
		var lh string
		if err := rows.Scan(&seq, &lh); err != nil {
			return fmt.Errorf("evidence log: %w", err)
		}
		var leaf Hash
		if b, err := hex.DecodeString(lh); err != nil || len(b) != len(leaf) || uint64(seq) != have+uint64(len(leaves)) {
			return fmt.Errorf("%w: entry %d: malformed leaf hash or out of sequence (run kyso log verify)", ErrTampered, seq)
		} else {
			copy(leaf[:], b)
		}
		leaves = append(leaves, leaf)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("evidence log: %w", err)
	}
	if uint64(len(leaves)) != h.size-have {
		return fmt.Errorf("%w: entry %d is missing (run kyso log verify)", ErrTampered, have+uint64(len(leaves)))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tree.size() != have { // another goroutine caught up meanwhile
		if l.tree.size() >= h.size {
			return nil
		}
		return fmt.Errorf("evidence log: the in-memory tree moved during a catch-up; try again")
	}
	for _, leaf := range leaves {
		l.tree.append(leaf)
	}
	if root, err := l.tree.root(h.size); err != nil || root != cp.Root {
		l.tree.truncate(have)
		return fmt.Errorf("%w: entries %d to %d do not match the latest signed checkpoint (run kyso log verify)", ErrTampered, have, h.size-1)
	}
	return nil
}

// refresh catches up with the committed log in a read transaction and
// returns its head.
func (l *Log) refresh(ctx context.Context) (head, error) {
	var h head
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		b := tx.Batch()
		h.scan(b)
		if err := b.Send(ctx); err != nil {
			return fmt.Errorf("evidence log: %w", err)
		}
		return l.catchUp(ctx, tx, h, false)
	})
	return h, err
}

type pending struct {
	enc   encoded
	index uint64
	err   error
	done  chan struct{} // closed when committed or failed
	lead  chan struct{} // receives leadership: commit the next batch
}

// Add appends e in its own transaction. Concurrent Adds are grouped (group
// commit): one writer at a time leads, committing every entry that is
// waiting in one transaction (one lock, one checkpoint, one commit), then
// hands the lead to the next waiting writer and returns. Each writer
// encodes its own entry before it queues. Once queued, an entry is
// committed or fails as a whole with its batch; cancelling ctx does not
// withdraw it.
func (l *Log) Add(ctx context.Context, e Entry) (uint64, error) {
	if l.signer == nil {
		return 0, errors.New("evidence log: no signer key: cannot append")
	}
	enc, err := e.encode()
	if err != nil {
		return 0, err
	}
	p := &pending{enc: enc, done: make(chan struct{}), lead: make(chan struct{}, 1)}
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

// commitBatch commits the waiting entries (this leader's among them) in
// two round trips on PostgreSQL: BEGIN, the lock and the log's head; then
// the rows, the signed checkpoint and COMMIT. The batch is taken once the
// lock is held, so it includes every entry that arrived while the previous
// batch committed, and the lead passes on right then, so the next batch's
// transaction starts (and queues on the lock) while this one commits.
func (l *Log) commitBatch(ctx context.Context) {
	var batch []*pending
	var idxs []uint64
	err := l.meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		st, err := l.lock(ctx, tx)
		if err != nil {
			return err
		}
		tx.SetValue(txKey{l}, st)
		tx.BeforeCommit(txKey{l}, func(ctx context.Context) error { return l.seal(tx, st) })
		if batch == nil {
			batch = l.takeBatch()
		}
		encs := make([]encoded, len(batch))
		for i, p := range batch {
			encs[i] = p.enc
		}
		idxs, err = l.appendEncoded(ctx, tx, encs)
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

// Size returns the number of committed entries.
func (l *Log) Size(ctx context.Context) (uint64, error) {
	h, err := l.refresh(ctx)
	return h.size, err
}

// Checkpoint returns the latest signed checkpoint, which covers every
// committed entry (each appending transaction signs one). A log without a
// checkpoint (new and empty) gets its first one here when the log has its
// signer key.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	h, err := l.refresh(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if h.cpSize < 0 {
		if l.signer == nil {
			return Checkpoint{}, fmt.Errorf("%w: no checkpoint yet", ErrNoEntry)
		}
		return l.Sign(ctx)
	}
	cp, err := ParseCheckpoint([]byte(h.note), l.verifier)
	if err != nil || cp.Size != uint64(h.cpSize) {
		return cp, fmt.Errorf("%w: checkpoint of size %d: %v", ErrTampered, h.cpSize, err)
	}
	return cp, nil
}

// Sign signs and stores a checkpoint of the log as it is now, on demand
// (kyso log checkpoint) or from [Log.RunCheckpointer]. Every appending
// transaction already stored the checkpoint of the size it left, so Sign
// adds one only to a log that has none of its size (a new, empty log);
// Ed25519 signatures are deterministic, so it returns the same checkpoint
// that is stored.
func (l *Log) Sign(ctx context.Context) (Checkpoint, error) {
	if l.signer == nil {
		return Checkpoint{}, errors.New("evidence log: no signer key: cannot sign")
	}
	var msg []byte
	err := l.meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		st, err := l.lock(ctx, tx)
		if err != nil {
			return err
		}
		l.mu.Lock()
		root, err := l.tree.root(st.size)
		l.mu.Unlock()
		if err != nil {
			return err
		}
		if msg, err = signCheckpoint(l.signer, l.origin, st.size, root); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO log_checkpoints (size, note, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (size) DO NOTHING`, int64(st.size), string(msg), storage.FormatTime(time.Now()))
		return err
	})
	if err != nil {
		return Checkpoint{}, err
	}
	return ParseCheckpoint(msg, l.verifier)
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
	h, err := l.refresh(ctx)
	if err != nil {
		return err
	}
	if h.size < size {
		return fmt.Errorf("%w: the log has %d entries, not %d", ErrNoEntry, h.size, size)
	}
	return nil
}
