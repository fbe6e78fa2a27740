package certs

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Errors of chain verification; test with errors.Is.
var (
	ErrUntrusted          = errors.New("certificate does not chain to a trust anchor")
	ErrNotValidAtTime     = errors.New("certificate is not valid at that time")
	ErrKeyUsage           = errors.New("certificate is not allowed for this purpose")
	ErrRevoked            = errors.New("certificate is revoked")
	ErrRevocationUnknown  = errors.New("revocation status could not be determined")
	ErrNoAnchors          = errors.New("no trust anchors")
	errUnsupportedPurpose = errors.New("unsupported purpose")
)

// Purpose is what a certificate is checked for.
type Purpose int

const (
	PurposeDocumentSigning Purpose = iota // signatures on documents
	PurposeTimeStamping                   // RFC 3161 time-stamp tokens
	PurposeOCSPSigning                    // delegated OCSP responses
)

func (p Purpose) String() string {
	switch p {
	case PurposeDocumentSigning:
		return "document signing"
	case PurposeTimeStamping:
		return "time-stamping"
	case PurposeOCSPSigning:
		return "OCSP signing"
	}
	return fmt.Sprintf("Purpose(%d)", int(p))
}

// TrustStore is a set of trust anchors. It is safe for concurrent use
// (Add excepted) and remembers the chains it has built: a service
// verifies the same signer and TSA chains again and again, and building
// one checks several signatures.
type TrustStore struct {
	anchors []*x509.Certificate
	pool    *x509.CertPool
	chains  *lru.Cache[chainKey, []*x509.Certificate]
}

// chainKey names a chain search: the leaf and the candidate intermediates.
type chainKey struct{ leaf, intermediates [sha256.Size]byte }

// chainCacheSize bounds the remembered chains (a few KB each).
const chainCacheSize = 4096

// NewTrustStore returns a store with the given anchors.
func NewTrustStore(anchors ...*x509.Certificate) *TrustStore {
	chains, _ := lru.New[chainKey, []*x509.Certificate](chainCacheSize)
	s := &TrustStore{pool: x509.NewCertPool(), chains: chains}
	for _, a := range anchors {
		s.Add(a)
	}
	return s
}

// Add adds an anchor.
func (s *TrustStore) Add(c *x509.Certificate) {
	for _, a := range s.anchors {
		if a.Equal(c) {
			return
		}
	}
	s.anchors = append(s.anchors, c)
	s.pool.AddCert(c)
	s.chains.Purge() // a new anchor can end shorter chains
}

// Anchors returns the anchors in the order they were added.
func (s *TrustStore) Anchors() []*x509.Certificate { return slices.Clone(s.anchors) }

// LoadTrustStore reads anchors from PEM or DER files, or from every
// .pem/.crt/.cer/.der file of a directory.
func LoadTrustStore(paths ...string) (*TrustStore, error) {
	s := NewTrustStore()
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		if fi.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".pem", ".crt", ".cer", ".der":
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			cs, err := ReadCertificatesFile(f)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				s.Add(c)
			}
		}
	}
	if len(s.anchors) == 0 {
		return nil, fmt.Errorf("%s: %w", strings.Join(paths, ", "), ErrNoAnchors)
	}
	return s, nil
}

// VerifyOptions control TrustStore.Verify.
type VerifyOptions struct {
	At            time.Time           // when the certificate must be valid; now when zero
	Purpose       Purpose             // what the leaf is used for
	Intermediates []*x509.Certificate // candidate intermediates (from the CMS, the DSS, AIA)
	// Revocation, when not nil, checks every certificate of the chain but
	// the anchor. A revoked certificate fails the verification; an unknown
	// status fails it only in RevocationHard mode.
	Revocation *RevocationPolicy
}

// Chain is the outcome of a successful verification.
type Chain struct {
	Certificates []*x509.Certificate // leaf first, anchor last
	Revocation   []RevocationResult  // one per non-anchor certificate, when checked
}

// Verify builds a chain from leaf to an anchor valid at opts.At and checks
// the leaf's key usage and extended key usage for opts.Purpose.
func (s *TrustStore) Verify(ctx context.Context, leaf *x509.Certificate, opts VerifyOptions) (*Chain, error) {
	if len(s.anchors) == 0 {
		return nil, ErrNoAnchors
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	who := describe(leaf)
	if err := CheckUsage(leaf, opts.Purpose); err != nil {
		return nil, fmt.Errorf("%s: %w", who, err)
	}
	chain, err := s.build(leaf, opts.Intermediates, at)
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return nil, fmt.Errorf("%s at %s: %w (%v)", who, at.UTC().Format(time.RFC3339), ErrNotValidAtTime, err)
		}
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return nil, fmt.Errorf("%s: %w", who, ErrUntrusted)
		}
		return nil, fmt.Errorf("%s: %w: %v", who, ErrUntrusted, err)
	}
	ch := &Chain{Certificates: chain}

	if opts.Revocation == nil || opts.Revocation.Mode == RevocationOff {
		return ch, nil
	}
	ch.Revocation = opts.Revocation.CheckChain(ctx, ch.Certificates, at)
	for _, r := range ch.Revocation {
		switch {
		case r.Status == StatusRevoked:
			return ch, fmt.Errorf("%s: %w on %s (%s)", describe(r.Certificate), ErrRevoked,
				r.RevokedAt.UTC().Format(time.RFC3339), ReasonName(r.Reason))
		case r.Status == StatusUnknown && opts.Revocation.Mode == RevocationHard:
			return ch, fmt.Errorf("%s: %w: %v", describe(r.Certificate), ErrRevocationUnknown, r.Err)
		}
	}
	return ch, nil
}

// build finds a chain from leaf to an anchor, every certificate of it
// valid at at. A chain found before for the same leaf and intermediates is
// reused when it is valid at at: what x509 checks besides validity periods
// (signatures, basic constraints, name constraints, path length) does not
// depend on the time. Otherwise x509 searches anew, and its first chain is
// remembered.
func (s *TrustStore) build(leaf *x509.Certificate, intermediates []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	key := chainKey{leaf: sha256.Sum256(leaf.Raw)}
	h := sha256.New()
	for _, c := range intermediates {
		h.Write(c.Raw)
	}
	h.Sum(key.intermediates[:0])
	if chain, ok := s.chains.Get(key); ok && validAt(chain, at) {
		return slices.Clone(chain), nil
	}
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         s.pool,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, err
	}
	s.chains.Add(key, slices.Clone(chains[0]))
	return chains[0], nil
}

func validAt(chain []*x509.Certificate, at time.Time) bool {
	for _, c := range chain {
		if at.Before(c.NotBefore) || at.After(c.NotAfter) {
			return false
		}
	}
	return true
}

var (
	oidEKUServerAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidEKUTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// CheckUsage checks key usage and extended key usage of a certificate for
// a purpose. For document signing a certificate needs digitalSignature or
// nonRepudiation when it has a key-usage extension, and, when it has an
// EKU extension, one of the document-signing EKUs, emailProtection or
// anyExtendedKeyUsage; a TLS-only certificate is refused.
func CheckUsage(c *x509.Certificate, p Purpose) error {
	switch p {
	case PurposeDocumentSigning:
		if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
			return fmt.Errorf("%w: key usage allows neither digitalSignature nor nonRepudiation", ErrKeyUsage)
		}
		if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
			return nil
		}
		for _, u := range c.ExtKeyUsage {
			if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
				return nil
			}
		}
		for _, u := range c.UnknownExtKeyUsage {
			if u.Equal(OIDExtKeyUsageAdobeDocumentSigning) || u.Equal(OIDExtKeyUsageDocumentSigning) ||
				u.Equal(OIDExtKeyUsageMicrosoftDocumentSigning) {
				return nil
			}
		}
		return fmt.Errorf("%w: extended key usage %s does not include document signing", ErrKeyUsage, ekuNames(c))
	case PurposeTimeStamping:
		// RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, critical.
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) != 0 {
			return fmt.Errorf("%w: a TSA certificate needs id-kp-timeStamping as its only extended key usage (has %s)", ErrKeyUsage, ekuNames(c))
		}
		for _, e := range c.Extensions {
			if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) && !e.Critical {
				return fmt.Errorf("%w: the TSA certificate's extended key usage is not critical", ErrKeyUsage)
			}
		}
		return nil
	case PurposeOCSPSigning:
		if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return nil
		}
		return fmt.Errorf("%w: no id-kp-OCSPSigning (has %s)", ErrKeyUsage, ekuNames(c))
	}
	return fmt.Errorf("%w: %v", errUnsupportedPurpose, p)
}

func ekuNames(c *x509.Certificate) string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			out = append(out, "serverAuth")
		case x509.ExtKeyUsageClientAuth:
			out = append(out, "clientAuth")
		case x509.ExtKeyUsageEmailProtection:
			out = append(out, "emailProtection")
		case x509.ExtKeyUsageTimeStamping:
			out = append(out, "timeStamping")
		case x509.ExtKeyUsageOCSPSigning:
			out = append(out, "OCSPSigning")
		case x509.ExtKeyUsageCodeSigning:
			out = append(out, "codeSigning")
		default:
			out = append(out, fmt.Sprintf("eku(%d)", u))
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		out = append(out, u.String())
	}
	if len(out) == 0 {
		return "none"
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// describe names a certificate in error messages: its CN and serial.
func describe(c *x509.Certificate) string {
	cn := c.Subject.CommonName
	if cn == "" {
		cn = SubjectOf(c).CommonName
	}
	return fmt.Sprintf("certificate %q (serial %s)", cn, c.SerialNumber.Text(16))
}
