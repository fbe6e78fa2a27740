// Package archivetest is an in-memory implementation of archive's
// Source, Sink and VersionStore for tests and benchmarks: dossier records
// in memory, objects in memory or in a real storage.ObjectStore, evidence
// in a real evidence.Log. It is what the dossier domain's adapter will do
// for real, in the smallest form that exercises every path.
package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Store holds dossiers in memory.
type Store struct {
	objects storage.ObjectStore // nil: in memory
	log     *evidence.Log       // nil: nothing is logged
	meta    storage.Meta

	mu       sync.Mutex
	dossiers map[string]*archive.Dossier
	mem      map[string][]byte
	pending  []pendingEntry
}

type pendingEntry struct {
	code string
	e    evidence.Entry
}

// New returns an empty store. objects may be nil (bytes in memory); log
// and meta (the log's metadata store) may be nil (no evidence).
func New(objects storage.ObjectStore, log *evidence.Log, meta storage.Meta) *Store {
	return &Store{objects: objects, log: log, meta: meta, dossiers: map[string]*archive.Dossier{}, mem: map[string][]byte{}}
}

// Create adds a dossier record (documents, history and entries are added
// with the other methods).
func (s *Store) Create(d *archive.Dossier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *d
	s.dossiers[d.Code] = &c
}

// Dossier returns a copy of a stored dossier.
func (s *Store) Dossier(code string) (*archive.Dossier, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dossiers[code]
	if !ok {
		return nil, false
	}
	return clone(d), true
}

// SetHandedOver marks a dossier as handed over to the archive.
func (s *Store) SetHandedOver(code string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.dossiers[code]; ok {
		d.HandedOver = t
	}
}

func clone(d *archive.Dossier) *archive.Dossier {
	c := *d
	c.Documents = make([]archive.Document, len(d.Documents))
	for i, doc := range d.Documents {
		c.Documents[i] = archive.Document{ID: doc.ID, Versions: slices.Clone(doc.Versions)}
	}
	c.History = slices.Clone(d.History)
	c.EntryIndexes = slices.Clone(d.EntryIndexes)
	c.Keywords = slices.Clone(d.Keywords)
	return &c
}

func (s *Store) putBytes(ctx context.Context, r io.Reader) (string, int64, error) {
	if s.objects != nil {
		info, err := s.objects.Put(ctx, r)
		if err != nil {
			return "", 0, err
		}
		return info.SHA256.String(), info.Size, nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	s.mu.Lock()
	s.mem[h] = b
	s.mu.Unlock()
	return h, int64(len(b)), nil
}

// AddVersion stores b as the next version of document docID (created when
// new) and queues its evidence entry: document.received for a received
// version, document.signed otherwise. Call Flush to write queued entries.
func (s *Store) AddVersionBytes(ctx context.Context, code, docID string, v archive.Version, b []byte) (archive.Version, error) {
	sum, size, err := s.putBytes(ctx, bytes.NewReader(b))
	if err != nil {
		return v, err
	}
	v.SHA256, v.Size = sum, size
	if v.Created.IsZero() {
		v.Created = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dossiers[code]
	if !ok {
		return v, fmt.Errorf("%w: %s", archive.ErrNoDossier, code)
	}
	var doc *archive.Document
	for i := range d.Documents {
		if d.Documents[i].ID == docID {
			doc = &d.Documents[i]
		}
	}
	if doc == nil {
		d.Documents = append(d.Documents, archive.Document{ID: docID})
		doc = &d.Documents[len(d.Documents)-1]
	}
	var prev string
	if len(doc.Versions) > 0 {
		prev = doc.Versions[len(doc.Versions)-1].SHA256
	}
	doc.Versions = append(doc.Versions, v)
	typ := evidence.DocumentReceived
	data := map[string]any{"size": v.Size, "media_type": v.MediaType, "name": v.Name, "source": v.Source}
	if v.Kind == archive.Signed {
		typ = evidence.DocumentSigned
		data = map[string]any{"previous_sha256": prev, "source": v.Source}
	}
	s.pending = append(s.pending, pendingEntry{code: code, e: evidence.Entry{Type: typ, Time: v.Created, Actor: "test",
		Subject: evidence.Subject{SHA256: v.SHA256, Dossier: code}, Data: data}})
	return v, nil
}

// AddVersion is archive.VersionStore: it stores the new version and
// writes its evidence entry at once.
func (s *Store) AddVersion(ctx context.Context, code, docID string, v archive.Version, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	got, err := s.AddVersionBytes(ctx, code, docID, v, b)
	if err != nil {
		return err
	}
	if got.SHA256 != v.SHA256 {
		return fmt.Errorf("version of %s/%s: bytes have SHA-256 %s, not %s", code, docID, got.SHA256, v.SHA256)
	}
	return s.Flush(ctx)
}

// ChangeState appends a step to the dossier's history and queues its
// dossier.state_changed entry with the same time.
func (s *Store) ChangeState(code string, h archive.StateChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dossiers[code]
	if !ok {
		return fmt.Errorf("%w: %s", archive.ErrNoDossier, code)
	}
	d.History = append(d.History, h)
	s.pending = append(s.pending, pendingEntry{code: code, e: evidence.Entry{Type: evidence.DossierState, Time: h.Time, Actor: h.Actor,
		Subject: evidence.Subject{Dossier: code}, Data: map[string]any{"from": h.From, "to": h.To, "reason": h.Reason}}})
	return nil
}

// Flush writes the queued entries to the log in one transaction and
// records their indexes in the dossiers.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	p := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(p) == 0 || s.log == nil {
		return nil
	}
	es := make([]evidence.Entry, len(p))
	for i := range p {
		es[i] = p[i].e
	}
	var idx []uint64
	err := s.meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		idx, err = s.log.AppendBatch(ctx, tx, es)
		return err
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, pe := range p {
		if d, ok := s.dossiers[pe.code]; ok {
			d.EntryIndexes = append(d.EntryIndexes, idx[i])
		}
	}
	return nil
}

// Dossiers is archive.Source.
func (s *Store) Dossiers(ctx context.Context, sel archive.Selection) iter.Seq2[*archive.Dossier, error] {
	return func(yield func(*archive.Dossier, error) bool) {
		s.mu.Lock()
		var codes []string
		if len(sel.Codes) > 0 {
			codes = slices.Clone(sel.Codes)
		} else {
			for c, d := range s.dossiers {
				if !d.Closed.IsZero() && d.Closed.Before(sel.ClosedBefore) && (sel.Unit == "" || d.UnitCode == sel.Unit) {
					codes = append(codes, c)
				}
			}
		}
		s.mu.Unlock()
		sort.Strings(codes)
		codes = slices.Compact(codes)
		for _, c := range codes {
			d, ok := s.Dossier(c)
			if !ok {
				yield(nil, fmt.Errorf("%w: %s", archive.ErrNoDossier, c))
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// Open is archive.Source.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if s.objects != nil {
		ps, err := storage.ParseSum(sum)
		if err != nil {
			return nil, err
		}
		return s.objects.Open(ctx, ps)
	}
	s.mu.Lock()
	b, ok := s.mem[sum]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("object %s: %w", sum, errNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

var errNotFound = errors.New("not found")

// PutObject is archive.Sink.
func (s *Store) PutObject(ctx context.Context, sum string, size int64, r io.Reader) error {
	got, n, err := s.putBytes(ctx, r)
	if err != nil {
		return err
	}
	if got != sum || n != size {
		return fmt.Errorf("object %s: received %s (%d bytes)", sum, got, n)
	}
	return nil
}

// PutDossier is archive.Sink.
func (s *Store) PutDossier(ctx context.Context, d *archive.Dossier) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.dossiers[d.Code]; dup {
		return fmt.Errorf("dossier %s already exists", d.Code)
	}
	s.dossiers[d.Code] = clone(d)
	return nil
}

// Mutate changes a stored dossier in place (test setup of broken sources).
func (s *Store) Mutate(code string, fn func(d *archive.Dossier)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.dossiers[code]; ok {
		fn(d)
	}
}
