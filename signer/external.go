package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/digitorus/pkcs7"
)

// DefaultSessionLifetime is how long a prepared signature can be completed.
const DefaultSessionLifetime = 15 * time.Minute

// Session is a prepared signature waiting for its signature value: plain
// data, safe to serialise as JSON and to keep across a process restart.
// It holds no secret. ToBeSigned is the digest the key holder signs
// (with PKCS#1 v1.5, PSS or ECDSA as the session says).
type Session struct {
	Version     int       `json:"version"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
	InputSize   int64     `json:"input_size"`
	FieldName   string    `json:"field_name"`
	SigningTime time.Time `json:"signing_time"`
	Level       string    `json:"level"`
	Hash        string    `json:"hash"` // SHA-256, SHA-384 or SHA-512
	PSS         bool      `json:"pss,omitempty"`

	Certificate []byte   `json:"certificate"` // DER
	Chain       [][]byte `json:"chain,omitempty"`

	Appended    []byte `json:"appended"` // the incremental update, byte range filled, contents zero
	Contents    int    `json:"contents"` // index of '<' of /Contents in Appended
	ContentsEnd int    `json:"contents_end"`

	DocumentDigest   []byte `json:"document_digest"`   // of the byte ranges
	SignedAttributes []byte `json:"signed_attributes"` // DER SET OF
	ToBeSigned       []byte `json:"to_be_signed"`      // hash of SignedAttributes
}

var hashNames = map[crypto.Hash]string{crypto.SHA256: "SHA-256", crypto.SHA384: "SHA-384", crypto.SHA512: "SHA-512"}

func hashByName(n string) (crypto.Hash, error) {
	for h, name := range hashNames {
		if name == n {
			return h, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", errUnsupportedHash, n)
}

// Prepare builds the signature update for src without a private key and
// returns the session to complete once the key holder has signed
// ToBeSigned. opts.Credential needs the certificate and chain only.
func Prepare(ctx context.Context, src io.ReaderAt, size int64, opts *Options) (*Session, error) {
	if opts == nil || opts.Credential == nil || opts.Credential.Certificate == nil {
		return nil, fmt.Errorf("%w: no signing certificate", ErrBadOptions)
	}
	j, err := plan(ctx, src, size, opts)
	if err != nil {
		return nil, err
	}
	h := opts.hash()
	hh := h.New()
	if err := hashRange(ctx, hh, src, 0, size); err != nil {
		return nil, err
	}
	hh.Write(j.placed.appended[:j.placed.contents])
	hh.Write(j.placed.appended[j.placed.contentsEnd:])
	digest := hh.Sum(nil)
	attrs, err := signedAttributes(digest, h, opts.Credential.Certificate)
	if err != nil {
		return nil, err
	}
	tbs := h.New()
	tbs.Write(attrs)
	now := time.Now().UTC().Truncate(time.Second)
	s := &Session{
		Version: 1, Created: now, Expires: now.Add(DefaultSessionLifetime),
		InputSize: size, FieldName: j.fieldName, SigningTime: j.signingTime, Level: opts.Level.String(),
		Hash: hashNames[h], PSS: opts.PSS, Certificate: opts.Credential.Certificate.Raw,
		Appended: j.placed.appended, Contents: j.placed.contents, ContentsEnd: j.placed.contentsEnd,
		DocumentDigest: digest, SignedAttributes: attrs, ToBeSigned: tbs.Sum(nil),
	}
	for _, c := range opts.Credential.Chain {
		s.Chain = append(s.Chain, c.Raw)
	}
	return s, nil
}

// Complete finishes a prepared signature: it copies src (which must be the
// document the session was prepared for; this is checked) to dst with the
// update and embeds the CMS built around signature, the raw signature
// value over ToBeSigned. A complete DER CMS SignedData made by the holder
// for the same signed attributes is accepted too. opts supplies the TSA and
// HTTP client for B-T and above; its other fields are ignored.
func Complete(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, s *Session, signature []byte, opts *Options) (*Result, error) {
	if s == nil || s.Version != 1 {
		return nil, fmt.Errorf("%w: unknown session format", ErrBadOptions)
	}
	if time.Now().After(s.Expires) {
		return nil, fmt.Errorf("%w at %s", ErrSessionExpired, s.Expires.Format(time.RFC3339))
	}
	if size != s.InputSize {
		return nil, fmt.Errorf("%w: %d bytes, prepared for %d", ErrSessionMismatch, size, s.InputSize)
	}
	h, err := hashByName(s.Hash)
	if err != nil {
		return nil, err
	}
	level, err := ParseLevel(s.Level)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(s.Certificate)
	if err != nil {
		return nil, fmt.Errorf("session certificate: %w", err)
	}
	cred := &Credential{Certificate: cert}
	for _, der := range s.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("session chain: %w", err)
		}
		cred.Chain = append(cred.Chain, c)
	}
	if s.Contents < 0 || s.ContentsEnd > len(s.Appended) || s.Contents >= s.ContentsEnd {
		return nil, fmt.Errorf("%w: bad placeholder offsets", ErrBadOptions)
	}
	sigAlg, _, err := signatureAlgorithm(cert.PublicKey, h, s.PSS)
	if err != nil {
		return nil, err
	}
	if looksLikeCMS(signature) {
		if signature, err = signatureFromCMS(signature, s.DocumentDigest); err != nil {
			return nil, err
		}
	}
	// Check the value before copying anything.
	if err := verifySignatureValue(cert, s.SignedAttributes, signature, h, s.PSS); err != nil {
		return nil, err
	}
	p := &placed{appended: s.Appended, base: size, contents: s.Contents, contentsEnd: s.ContentsEnd}
	digest, err := copyAndHash(ctx, dst, src, size, p, h)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(digest, s.DocumentDigest) {
		return nil, fmt.Errorf("%w: its content changed since Prepare", ErrSessionMismatch)
	}
	o := Options{Credential: cred, Level: level, Hash: h, PSS: s.PSS}
	if opts != nil {
		o.TSA, o.HTTPClient = opts.TSA, opts.HTTPClient
	}
	if level >= LevelBT && (o.TSA == nil || o.TSA.URL == "") {
		return nil, fmt.Errorf("%w: level %v needs a time-stamp authority", ErrBadOptions, level)
	}
	j := &job{placed: p, fieldName: s.FieldName, signingTime: s.SigningTime, sigAlg: sigAlg}
	return finish(ctx, dst, j, &o, digest, s.SignedAttributes, signature)
}

// CompleteFile is Complete writing outPath atomically.
func CompleteFile(ctx context.Context, inPath, outPath string, s *Session, signature []byte, opts *Options) (*Result, error) {
	in, err := os.Open(inPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	return writeAtomically(outPath, func(tmp *os.File) (*Result, error) {
		return Complete(ctx, tmp, in, st.Size(), s, signature, opts)
	})
}

func looksLikeCMS(b []byte) bool {
	var ci contentInfo
	_, err := asn1.Unmarshal(b, &ci)
	return err == nil && ci.ContentType.Equal(oidSignedData)
}

// signatureFromCMS takes the signature value out of a holder-made CMS after
// checking that it signs the same document digest.
func signatureFromCMS(der, digest []byte) ([]byte, error) {
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureValue, err)
	}
	var md []byte
	if err := p7.UnmarshalSignedAttribute(oidAttrMessageDigest, &md); err != nil {
		return nil, fmt.Errorf("%w: CMS has no message digest: %v", ErrSignatureValue, err)
	}
	if !bytes.Equal(md, digest) {
		return nil, fmt.Errorf("%w: the CMS signs another document", ErrSignatureValue)
	}
	return signatureValue(der)
}

// SignerOpts returns the crypto.SignerOpts to sign ToBeSigned with a
// crypto.Signer holding the key (the hash, or PSS options).
func (s *Session) SignerOpts() (crypto.SignerOpts, error) {
	h, err := hashByName(s.Hash)
	if err != nil {
		return nil, err
	}
	if s.PSS {
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}, nil
	}
	return h, nil
}
