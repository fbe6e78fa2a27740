package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/storage"
)

// SchemaVersion is the "v" member of every entry body.
const SchemaVersion = 1

// Event types. Other packages may use their own dotted names.
const (
	DocumentReceived   = "document.received"
	DocumentDigitized  = "document.digitized"
	DocumentSigned     = "document.signed"
	DocumentValidated  = "document.validated"
	ProvenanceAssessed = "provenance.assessed"
	DossierState       = "dossier.state_changed"
	LetterIssued       = "letter.issued"
	DossierExported    = "dossier.exported"
)

// Entry is one event as the caller describes it. Append adds the index and,
// when Time is zero, the current time.
type Entry struct {
	Type    string    // required: what happened (see the constants)
	Time    time.Time // when; zero: now
	Actor   string    // who did it: a user, a service, "system"
	Subject Subject   // what it is about
	Data    any       // event details, marshalled with encoding/json; must be a JSON object or nil
}

// Subject names what an entry is about.
type Subject struct {
	SHA256   string `json:"sha256,omitempty"`   // a document's bytes
	Document int64  `json:"document,omitempty"` // a document row
	Dossier  string `json:"dossier,omitempty"`  // a dossier code
}

// body is the stored form; see SCHEMA.md.
type body struct {
	V       int             `json:"v"`
	Index   uint64          `json:"index"`
	Type    string          `json:"type"`
	Time    string          `json:"time"`
	Actor   string          `json:"actor,omitempty"`
	Subject *Subject        `json:"subject,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// encode returns the canonical body of e at index.
func (e Entry) encode(index uint64) ([]byte, error) {
	if e.Type == "" {
		return nil, errors.New("evidence entry without a type")
	}
	b := body{V: SchemaVersion, Index: index, Type: e.Type, Time: storage.FormatTime(e.Time), Actor: e.Actor}
	if e.Subject != (Subject{}) {
		s := e.Subject
		b.Subject = &s
	}
	if e.Data != nil {
		d, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("evidence entry %s: data: %w", e.Type, err)
		}
		if len(d) == 0 || d[0] != '{' {
			if string(d) != "null" {
				return nil, fmt.Errorf("evidence entry %s: data must be a JSON object", e.Type)
			}
		} else if string(d) != "{}" {
			b.Data = d
		}
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	return Canonicalize(raw)
}

// StoredEntry is an entry as stored in the log.
type StoredEntry struct {
	Index    uint64
	Body     []byte // canonical JSON
	LeafHash [32]byte
	Type     string
	Time     time.Time
	Actor    string
	Subject  Subject
	Data     json.RawMessage
}

// parseBody checks that raw is a canonical entry body and decodes it.
func parseBody(raw []byte) (body, error) {
	var b body
	c, err := Canonicalize(raw)
	if err != nil {
		return b, err
	}
	if string(c) != string(raw) {
		return b, errors.New("body is not in canonical form")
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, fmt.Errorf("body: %w", err)
	}
	if b.V != SchemaVersion {
		return b, fmt.Errorf("body: schema version %d, want %d", b.V, SchemaVersion)
	}
	if b.Type == "" {
		return b, errors.New("body: no type")
	}
	if _, err := storage.ParseTime(b.Time); err != nil {
		return b, fmt.Errorf("body: time: %w", err)
	}
	return b, nil
}

func (b body) stored(raw []byte, leaf [32]byte) StoredEntry {
	e := StoredEntry{Index: b.Index, Body: raw, LeafHash: leaf, Type: b.Type, Actor: b.Actor, Data: b.Data}
	e.Time, _ = storage.ParseTime(b.Time)
	if b.Subject != nil {
		e.Subject = *b.Subject
	}
	return e
}
