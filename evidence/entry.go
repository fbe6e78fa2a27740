package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

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

// MaxEntrySize bounds an entry body in bytes: C2SP tlog-tiles entry
// bundles prefix every entry with its length as a big-endian uint16.
const MaxEntrySize = 1<<16 - 1

// encoded is an entry's canonical body around its index, so that the index
// can be filled in under the log's lock without encoding again:
// body = prefix || decimal index || suffix.
type encoded struct {
	prefix, suffix []byte
	time           string // the body's time, also stored as created_at
}

// encode returns e's canonical body (RFC 8785) without its index. The
// members of a body sort as actor, data, index, subject, time, type, v, so
// the body is built member by member in that order, each value in its
// canonical form; parseBody checks the result on every read.
func (e Entry) encode() (encoded, error) {
	if e.Type == "" {
		return encoded{}, errors.New("evidence entry without a type")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	enc := encoded{time: storage.FormatTime(e.Time)}
	for _, s := range []string{e.Type, e.Actor, e.Subject.SHA256, e.Subject.Dossier} {
		if !utf8.ValidString(s) {
			return encoded{}, fmt.Errorf("evidence entry %q: invalid UTF-8 in %q", e.Type, s)
		}
	}
	name := func(p []byte, name string) []byte { return append(append(append(p, '"'), name...), '"', ':') }
	p := []byte{'{'}
	if e.Actor != "" {
		p = append(appendCanonString(name(p, "actor"), e.Actor), ',')
	}
	if e.Data != nil {
		d, err := json.Marshal(e.Data)
		if err != nil {
			return encoded{}, fmt.Errorf("evidence entry %s: data: %w", e.Type, err)
		}
		switch {
		case string(d) == "null" || string(d) == "{}":
		case d[0] != '{':
			return encoded{}, fmt.Errorf("evidence entry %s: data must be a JSON object", e.Type)
		default:
			c, err := Canonicalize(d)
			if err != nil {
				return encoded{}, fmt.Errorf("evidence entry %s: data: %w", e.Type, err)
			}
			p = append(append(name(p, "data"), c...), ',')
		}
	}
	enc.prefix = name(p, "index")
	// The subject's members sort as document, dossier, sha256.
	p = nil
	if sub := e.Subject; sub != (Subject{}) {
		p = append(name(append(p, ','), "subject"), '{')
		sep := false
		if sub.Document != 0 {
			p = strconv.AppendInt(name(p, "document"), sub.Document, 10)
			sep = true
		}
		if sub.Dossier != "" {
			if sep {
				p = append(p, ',')
			}
			p = appendCanonString(name(p, "dossier"), sub.Dossier)
			sep = true
		}
		if sub.SHA256 != "" {
			if sep {
				p = append(p, ',')
			}
			p = appendCanonString(name(p, "sha256"), sub.SHA256)
		}
		p = append(p, '}')
	}
	p = appendCanonString(name(append(p, ','), "time"), enc.time)
	p = appendCanonString(name(append(p, ','), "type"), e.Type)
	p = strconv.AppendInt(name(append(p, ','), "v"), SchemaVersion, 10)
	enc.suffix = append(p, '}')
	if n := len(enc.prefix) + len(enc.suffix) + 20; n > MaxEntrySize {
		return encoded{}, fmt.Errorf("evidence entry %s: %w: about %d bytes, at most %d", e.Type, ErrEntryTooLarge, n, MaxEntrySize)
	}
	return enc, nil
}

// body returns the canonical body of the entry at index.
func (enc encoded) body(index uint64) []byte {
	b := make([]byte, 0, len(enc.prefix)+20+len(enc.suffix))
	b = append(b, enc.prefix...)
	b = strconv.AppendUint(b, index, 10)
	return append(b, enc.suffix...)
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
