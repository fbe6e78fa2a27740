package evidence

import (
	"context"
	"io"

	"github.com/kyso-vn/kyso/storage"
)

// Ingest stores a document that arrives: the bytes go to the object store
// (streamed and hashed), then one transaction inserts the document row, its
// object reference, whatever also adds, and a document.received entry
// (last, so the log's lock is held briefly). It returns the document and
// the entry's index.
func (l *Log) Ingest(ctx context.Context, s *storage.Store, r io.Reader, meta storage.DocumentMeta, actor string, also ...storage.TxFunc) (storage.Document, uint64, error) {
	var index uint64
	add := func(ctx context.Context, tx *storage.Tx, d storage.Document) error {
		var err error
		index, err = l.Append(ctx, tx, Entry{
			Type:    DocumentReceived,
			Time:    d.CreatedAt,
			Actor:   actor,
			Subject: Subject{SHA256: d.SHA256.String(), Document: d.ID, Dossier: d.Dossier},
			Data: map[string]any{
				"size": d.Size, "media_type": d.MediaType, "name": d.Name, "source": d.Source,
				"parent": d.Parent,
			},
		})
		return err
	}
	d, err := s.Ingest(ctx, r, meta, append(also, add)...)
	return d, index, err
}
