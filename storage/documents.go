package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DocumentMeta describes a document as it arrives.
type DocumentMeta struct {
	MediaType string // e.g. application/pdf
	Name      string // the file name given by the uploader
	Source    string // upload, scan, signed, result, letter, …
	Dossier   string // dossier code, may be empty
	Uploader  string // who brought it
	Parent    int64  // the document this one is a new version of (0: none)
}

// Document is one stored document version: a row that references an object.
type Document struct {
	ID     int64
	SHA256 Sum
	Size   int64
	DocumentMeta
	CreatedAt time.Time
}

// Report is an appended statement about a document: a validation report,
// a provenance assessment, … Bound to the subject's hash and its time.
type Report struct {
	ID        int64
	Kind      string // validation, provenance, …
	Subject   Sum    // the document's SHA-256
	Object    Sum    // optional: an object holding the full report
	Body      string // JSON
	CreatedAt time.Time
}

// ReferenceObject records that rows reference the object sum, so GC keeps
// it. Idempotent.
func (tx *Tx) ReferenceObject(ctx context.Context, sum Sum, size int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO objects (sha256, size, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (sha256) DO NOTHING`, sum.String(), size, FormatTime(time.Now()))
	return err
}

// InsertDocument appends a document row (and its object reference) and
// returns it with its ID and time.
func (tx *Tx) InsertDocument(ctx context.Context, d Document) (Document, error) {
	if err := tx.ReferenceObject(ctx, d.SHA256, d.Size); err != nil {
		return d, err
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now()
	}
	d.CreatedAt = d.CreatedAt.UTC().Truncate(time.Nanosecond)
	var parent sql.NullInt64
	if d.Parent != 0 {
		parent = sql.NullInt64{Int64: d.Parent, Valid: true}
	}
	err := tx.QueryRow(ctx, `INSERT INTO documents (sha256, size, media_type, name, source, dossier, uploader, parent_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		d.SHA256.String(), d.Size, d.MediaType, d.Name, d.Source, d.Dossier, d.Uploader, parent, FormatTime(d.CreatedAt)).Scan(&d.ID)
	if err != nil {
		return d, tx.wrap("insert document", err)
	}
	return d, nil
}

const documentColumns = "id, sha256, size, media_type, name, source, dossier, uploader, parent_id, created_at"

func scanDocument(row interface{ Scan(...any) error }) (Document, error) {
	var d Document
	var sum, created string
	var parent sql.NullInt64
	if err := row.Scan(&d.ID, &sum, &d.Size, &d.MediaType, &d.Name, &d.Source, &d.Dossier, &d.Uploader, &parent, &created); err != nil {
		return d, err
	}
	var err error
	if d.SHA256, err = ParseSum(sum); err != nil {
		return d, fmt.Errorf("document %d: %w", d.ID, err)
	}
	d.Parent = parent.Int64
	if d.CreatedAt, err = ParseTime(created); err != nil {
		return d, fmt.Errorf("document %d: %w", d.ID, err)
	}
	return d, nil
}

// Document returns the document row id.
func (tx *Tx) Document(ctx context.Context, id int64) (Document, error) {
	d, err := scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM documents WHERE id = $1", id))
	if notFound(err) {
		return d, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, tx.wrap("select document", err)
	}
	return d, nil
}

// DocumentsBySum returns every document row with these bytes, oldest first.
func (tx *Tx) DocumentsBySum(ctx context.Context, sum Sum) ([]Document, error) {
	return tx.documents(ctx, "WHERE sha256 = $1 ORDER BY id", sum.String())
}

// DocumentsOfDossier returns the document rows of a dossier, oldest first.
func (tx *Tx) DocumentsOfDossier(ctx context.Context, dossier string) ([]Document, error) {
	return tx.documents(ctx, "WHERE dossier = $1 ORDER BY id", dossier)
}

func (tx *Tx) documents(ctx context.Context, where string, args ...any) ([]Document, error) {
	rows, err := tx.Query(ctx, "SELECT "+documentColumns+" FROM documents "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, tx.wrap("select documents", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.wrap("select documents", err)
	}
	return out, nil
}

// InsertReport appends a report row.
func (tx *Tx) InsertReport(ctx context.Context, r Report) (Report, error) {
	var obj sql.NullString
	if !r.Object.IsZero() {
		obj = sql.NullString{String: r.Object.String(), Valid: true}
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt = r.CreatedAt.UTC()
	err := tx.QueryRow(ctx, `INSERT INTO reports (kind, subject_sha256, object_sha256, body, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.Kind, r.Subject.String(), obj, r.Body, FormatTime(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return r, tx.wrap("insert report", err)
	}
	return r, nil
}

// Reports returns the reports of kind about subject, oldest first ("" kind: all).
func (tx *Tx) Reports(ctx context.Context, subject Sum, kind string) ([]Report, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, subject_sha256, object_sha256, body, created_at FROM reports
		WHERE subject_sha256 = $1 AND ($2 = '' OR kind = $2) ORDER BY id`, subject.String(), kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var subj, created string
		var obj sql.NullString
		if err := rows.Scan(&r.ID, &r.Kind, &subj, &obj, &r.Body, &created); err != nil {
			return nil, tx.wrap("select reports", err)
		}
		r.Subject, _ = ParseSum(subj)
		if obj.Valid {
			r.Object, _ = ParseSum(obj.String)
		}
		r.CreatedAt, _ = ParseTime(created)
		out = append(out, r)
	}
	return out, tx.rowsErr(rows)
}

func (tx *Tx) rowsErr(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		return tx.wrap("query", err)
	}
	return nil
}

// ObjectRef is a referenced object as recorded in the objects table.
type ObjectRef struct {
	SHA256 Sum
	Size   int64
}

// ReferencedObjects calls fn for every referenced object, in name order.
func (tx *Tx) ReferencedObjects(ctx context.Context, fn func(ObjectRef) error) error {
	rows, err := tx.Query(ctx, "SELECT sha256, size FROM objects ORDER BY sha256")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var ref ObjectRef
		if err := rows.Scan(&s, &ref.Size); err != nil {
			return tx.wrap("select objects", err)
		}
		if ref.SHA256, err = ParseSum(s); err != nil {
			return fmt.Errorf("objects table: %w", err)
		}
		if err := fn(ref); err != nil {
			return err
		}
	}
	return tx.rowsErr(rows)
}

// IsReferenced reports whether a row references the object sum.
func (tx *Tx) IsReferenced(ctx context.Context, sum Sum) (bool, error) {
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM objects WHERE sha256 = $1", sum.String()).Scan(&n); err != nil {
		return false, tx.wrap("select objects", err)
	}
	return n > 0, nil
}
