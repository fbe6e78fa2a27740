package signer

import (
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Level is a PAdES baseline level.
type Level int

const (
	LevelBB   Level = iota // B-B
	LevelBT                // B-T
	LevelBLT               // B-LT
	LevelBLTA              // B-LTA
)

var levelNames = [...]string{"B-B", "B-T", "B-LT", "B-LTA"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses "B-B", "B-T", "B-LT" or "B-LTA" (case-insensitive, the
// "PAdES-" prefix allowed).
func ParseLevel(s string) (Level, error) {
	t := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "PADES-")
	for i, n := range levelNames {
		if t == n {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown PAdES level %q: want B-B, B-T, B-LT or B-LTA", s)
}

// FieldLock is a FieldMDP lock: which form fields the signature locks.
type FieldLock struct {
	Action string   // "All", "Include" or "Exclude"
	Fields []string // field names for Include and Exclude
}

// Options control a signature.
type Options struct {
	Credential *Credential // key, certificate and chain; Signer may be nil for Prepare
	Level      Level
	Hash       crypto.Hash // SHA-256 when zero
	PSS        bool        // RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys
	TSA        *TSA        // required for B-T and above

	// Revocation material for B-LT is fetched from the URLs in the
	// certificates with this client (a 10 s client when nil).
	HTTPClient *http.Client

	Time        time.Time // signing time written to /M; now when zero
	Reason      string
	Location    string
	ContactInfo string
	FieldName   string // name of the signature field; "SignatureN" when empty

	Appearance *Appearance // nil for an invisible signature
	Certify    int         // 0: approval signature; 1, 2, 3: certification with DocMDP /P
	Lock       *FieldLock  // FieldMDP lock, optional

	// AllowInvalidCert signs even when the certificate is expired, not yet
	// valid, or lacks a document-signing key usage.
	AllowInvalidCert bool
}

func (o *Options) hash() crypto.Hash {
	if o.Hash == 0 {
		return crypto.SHA256
	}
	return o.Hash
}

func (o *Options) signingTime() time.Time {
	if o.Time.IsZero() {
		return time.Now().Truncate(time.Second)
	}
	return o.Time.Truncate(time.Second)
}

func (o *Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Errors of signing; test with errors.Is.
var (
	ErrCertified       = errors.New("the document is certified with no changes allowed (DocMDP P=1)")
	ErrAlreadySigned   = errors.New("a certification signature must be the first signature of a document")
	ErrInvalidCert     = errors.New("the signing certificate cannot sign documents")
	ErrPageOutOfRange  = errors.New("page out of range")
	ErrBadOptions      = errors.New("invalid signing options")
	ErrFieldExists     = errors.New("a field with that name exists and is not an empty signature field")
	ErrSessionExpired  = errors.New("signing session expired")
	ErrSessionMismatch = errors.New("the document is not the one the signing session was prepared for")
	ErrSignatureValue  = errors.New("the signature value does not verify")
)
