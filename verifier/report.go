package verifier

import "time"

// Indication is the main status of a validation, ETSI EN 319 102-1 §5.1.3.
type Indication string

const (
	TotalPassed   Indication = "TOTAL-PASSED"
	TotalFailed   Indication = "TOTAL-FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication refines an Indication (ETSI EN 319 102-1 Table 5 and 6).
// DisallowedModification is kyso's own: the document was changed after
// the signature beyond what its permissions allow, so the signature no
// longer covers what a reader sees.
type SubIndication string

const (
	FormatFailure                  SubIndication = "FORMAT_FAILURE"
	HashFailure                    SubIndication = "HASH_FAILURE"
	SigCryptoFailure               SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                        SubIndication = "REVOKED"
	RevokedNoPOE                   SubIndication = "REVOKED_NO_POE"
	NoCertificateChainFound        SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	NoSigningCertificateFound      SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	OutOfBoundsNoPOE               SubIndication = "OUT_OF_BOUNDS_NO_POE"
	Expired                        SubIndication = "EXPIRED"
	NotYetValid                    SubIndication = "NOT_YET_VALID"
	TryLater                       SubIndication = "TRY_LATER"
	ChainConstraintsFailure        SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	SigConstraintsFailure          SubIndication = "SIG_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailureNoPOE  SubIndication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	TimestampOrderFailure          SubIndication = "TIMESTAMP_ORDER_FAILURE"
	CertificateChainGeneralFailure SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
	DisallowedModification         SubIndication = "DISALLOWED_MODIFICATION"
	SignedDataNotFound             SubIndication = "SIGNED_DATA_NOT_FOUND"
	RevocationOutOfBoundsNoPOE     SubIndication = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
)

// Report is the validation report of one document. Its JSON form is
// documented in SCHEMA.md and is stable.
type Report struct {
	Size           int64      `json:"size"`
	SHA256         string     `json:"sha256"`
	Revisions      int        `json:"revisions"`
	ValidationTime time.Time  `json:"validation_time"`
	Indication     Indication `json:"indication"`
	// SubIndication of the document as a whole: why it is not TOTAL-PASSED.
	SubIndication SubIndication     `json:"sub_indication,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	Signatures    []*Signature      `json:"signatures"`
	Updates       []*RevisionReport `json:"revision_changes"`
	// UncoveredBytes counts bytes after the last revision that no
	// cross-reference section describes (ignoring whitespace).
	UncoveredBytes int64         `json:"uncovered_bytes,omitempty"`
	Policy         *PolicyResult `json:"policy,omitempty"`
}

// Signature is the validation of one signature or document time-stamp.
type Signature struct {
	Index         int           `json:"index"`
	Field         string        `json:"field"`
	Kind          string        `json:"kind"` // "signature" or "document-timestamp"
	SubFilter     string        `json:"sub_filter"`
	Revision      int           `json:"revision"` // the revision the signature covers (0-based)
	ByteRange     []int64       `json:"byte_range"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Errors        []string      `json:"errors,omitempty"`
	Warnings      []string      `json:"warnings,omitempty"`

	Signer          *Signer    `json:"signer,omitempty"`
	ClaimedTime     *time.Time `json:"claimed_signing_time,omitempty"` // /M, not proven
	BestTime        time.Time  `json:"best_signature_time"`
	BestTimeProof   string     `json:"best_signature_time_proof"` // signature-timestamp, document-timestamp, validation-time
	Level           string     `json:"level,omitempty"`           // B-B, B-T, B-LT, B-LTA, or "" when not PAdES baseline
	DigestAlgorithm string     `json:"digest_algorithm,omitempty"`
	Certification   int        `json:"certification,omitempty"` // DocMDP P of a certification signature
	FieldLock       *FieldLock `json:"field_lock,omitempty"`
	Reason          string     `json:"reason,omitempty"`
	Location        string     `json:"location,omitempty"`

	Timestamp  *Timestamp        `json:"timestamp,omitempty"` // the signature time-stamp, or the token of a document time-stamp
	Chain      []Certificate     `json:"chain,omitempty"`
	Revocation []RevocationCheck `json:"revocation,omitempty"`
	// Modifications lists what later revisions changed and whether this
	// signature's permissions allow it.
	Modifications *Modifications `json:"modifications"`
}

// Signer identifies the holder of the signing certificate.
type Signer struct {
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	Unit         string `json:"unit,omitempty"`
	Organization string `json:"organization,omitempty"`
	Province     string `json:"province,omitempty"`
	IDKind       string `json:"id_kind,omitempty"` // CCCD, CMND, MST, MNS…
	IDNumber     string `json:"id_number,omitempty"`
	AgencyCode   string `json:"agency_code,omitempty"`
	Issuer       string `json:"issuer"`
	Serial       string `json:"serial"`
	Organisation bool   `json:"organisation"` // an organisation (seal) certificate
}

// Certificate is one certificate of a chain.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
}

// RevocationCheck is the revocation status of one certificate.
type RevocationCheck struct {
	Subject   string     `json:"subject"`
	Status    string     `json:"status"` // good, revoked, unknown
	Source    string     `json:"source,omitempty"`
	Embedded  bool       `json:"embedded"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// Timestamp is a validated RFC 3161 time-stamp token.
type Timestamp struct {
	Time       time.Time     `json:"time"`
	TSA        string        `json:"tsa"`
	Valid      bool          `json:"valid"`
	Indication Indication    `json:"indication"`
	SubInd     SubIndication `json:"sub_indication,omitempty"`
	Errors     []string      `json:"errors,omitempty"`
}

// FieldLock is a FieldMDP transform.
type FieldLock struct {
	Action string   `json:"action"`
	Fields []string `json:"fields,omitempty"`
}

// Modifications says what happened after a signature.
type Modifications struct {
	// Class is the strongest kind of change: none, dss (validation data or
	// document time-stamps only), signing, form-fill, annotations, other.
	Class   string   `json:"class"`
	Allowed bool     `json:"allowed"`
	Changes []Change `json:"changes,omitempty"`
}

// Change is one object changed after a signature.
type Change struct {
	Revision int    `json:"revision"`
	Object   string `json:"object"` // "12 0 R"
	Kind     string `json:"kind"`   // dss, timestamp, signing, form-fill, annotation, other
	Allowed  bool   `json:"allowed"`
	What     string `json:"what"`
}

// RevisionReport lists what one incremental update changed.
type RevisionReport struct {
	Revision int      `json:"revision"`
	End      int64    `json:"end"`
	Signed   []string `json:"signed_by,omitempty"` // fields whose signature covers up to this revision
	Changes  []Change `json:"changes,omitempty"`
}
