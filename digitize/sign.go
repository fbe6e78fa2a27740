package digitize

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/signer"
)

// SignOptions say how the documents of a batch are signed: by the
// assigned staff member with a personal certificate (or by the centre with
// its organisation certificate), at PAdES B-T or above, visibly on page 1
// with the officer's name and the capture time.
type SignOptions struct {
	// Credential is opened once for the whole batch (one PIN entry). For
	// PrepareBatch only its certificate and chain are needed.
	Credential *signer.Credential
	Level      signer.Level // at least signer.LevelBT
	TSA        *signer.TSA
	HTTPClient *http.Client
	Hash       crypto.Hash
	PSS        bool
	// AsCentre marks an organisation signature of the centre or commune
	// (QĐ 03/2020 Đ9.3c allows it instead of the staff member's).
	AsCentre  bool
	Invisible bool // no visible appearance
	// Time is the claimed signing time written to /M (now when zero); the
	// time-stamp proves the real one.
	Time  time.Time
	Image []byte // PNG signature image shown in the appearance
}

func (so *SignOptions) check() error {
	switch {
	case so.Credential == nil || so.Credential.Certificate == nil:
		return fmt.Errorf("%w: no signing certificate", ErrSigning)
	case so.Level < signer.LevelBT:
		return fmt.Errorf("%w: desk digitization needs PAdES B-T or above (a trusted time of signing), not %s", ErrSigning, so.Level)
	case so.TSA == nil || so.TSA.URL == "":
		return fmt.Errorf("%w: PAdES %s needs a time-stamp authority", ErrSigning, so.Level)
	}
	return nil
}

// options returns the signer options for d.
func (so *SignOptions) options(d *Document) *signer.Options {
	o := &signer.Options{Credential: so.Credential, Level: so.Level, Hash: so.Hash, PSS: so.PSS, TSA: so.TSA,
		HTTPClient: so.HTTPClient, Reason: "Số hóa từ bản giấy (TT 01/2023/TT-VPCP)",
		FieldName: "SoHoa", Time: so.Time}
	if !so.Invisible && d.sigBox.w > 0 {
		op := d.Record.DigitizedBy
		ap := &signer.Appearance{Kind: signer.Personal, Page: 1,
			Rect: signer.Rect{X: d.sigBox.x, Y: d.sigBox.y, W: d.sigBox.w, H: d.sigBox.h},
			Name: op.Name, Unit: op.Unit, Image: so.Image,
			Title: strings.TrimSpace(op.Title + " — số hóa lúc " + displayTime(d.Record.DigitizedAt))}
		if strings.TrimSpace(op.Title) == "" {
			ap.Title = "Cán bộ số hóa — số hóa lúc " + displayTime(d.Record.DigitizedAt)
		}
		if so.AsCentre {
			ap.Kind, ap.Title = signer.Organisation, ""
			ap.Unit = so.Credential.Certificate.Subject.CommonName
		}
		o.Appearance = ap
	}
	return o
}

// signable reports whether d is produced, unsigned and can be signed.
func (d *Document) signable() bool {
	return d.Err == nil && d.PDF != nil && d.Record.Signature == nil && d.Path == ""
}

// sign signs d in memory with a local key.
func (d *Document) sign(ctx context.Context, so *SignOptions) error {
	tmp, err := os.CreateTemp("", "kyso-digitize-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	res, err := signer.Sign(ctx, tmp, bytes.NewReader(d.PDF), int64(len(d.PDF)), so.options(d))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSigning, d.Name, err)
	}
	return d.signed(tmp, res, so)
}

// signed takes the signed file into d and re-assesses its validity.
func (d *Document) signed(f *os.File, res *signer.Result, so *SignOptions) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return err
	}
	c := so.Credential.Certificate
	d.PDF = b
	sum := sha256.Sum256(b)
	d.Record.SHA256 = hex.EncodeToString(sum[:])
	d.Record.Signature = &Signature{Signer: c.Subject.CommonName, Serial: c.SerialNumber.Text(16),
		Level: res.Level.String(), SigningTime: res.SigningTime, Organisation: so.AsCentre}
	d.Record.assess()
	return nil
}

// SignAll signs every produced, unsigned document of docs with one
// credential — one PIN entry for the batch. A document whose signature
// fails keeps its error; the others are signed.
func SignAll(ctx context.Context, docs []*Document, so *SignOptions) error {
	if err := so.check(); err != nil {
		return err
	}
	var errs []error
	for _, d := range docs {
		if !d.signable() {
			continue
		}
		if err := d.sign(ctx, so); err != nil {
			d.Err = err
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// A BatchSession is the first half of signing a batch with a key held
// elsewhere (a USB token in the browser, a remote signing service): one
// signer.Session per document, JSON-serialisable, holding no secret.
type BatchSession struct {
	Documents []string          `json:"documents"` // names, in order
	Sessions  []*signer.Session `json:"sessions"`
}

// ToBeSigned returns the digests the key holder signs, one per document,
// in order — all N in one round trip.
func (bs *BatchSession) ToBeSigned() [][]byte {
	out := make([][]byte, len(bs.Sessions))
	for i, s := range bs.Sessions {
		out[i] = s.ToBeSigned
	}
	return out
}

// PrepareBatch prepares a signature for every produced, unsigned
// document; so.Credential needs the certificate and chain only.
func PrepareBatch(ctx context.Context, docs []*Document, so *SignOptions) (*BatchSession, error) {
	if err := so.check(); err != nil {
		return nil, err
	}
	bs := &BatchSession{}
	for _, d := range docs {
		if !d.signable() {
			continue
		}
		s, err := signer.Prepare(ctx, bytes.NewReader(d.PDF), int64(len(d.PDF)), so.options(d))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrSigning, d.Name, err)
		}
		bs.Documents = append(bs.Documents, d.Name)
		bs.Sessions = append(bs.Sessions, s)
	}
	return bs, nil
}

// CompleteBatch embeds the signature values (in the order of
// ToBeSigned) into the documents prepared by PrepareBatch. A document
// whose signature fails keeps its error; the others are signed.
func CompleteBatch(ctx context.Context, docs []*Document, bs *BatchSession, signatures [][]byte, so *SignOptions) error {
	if len(signatures) != len(bs.Sessions) {
		return fmt.Errorf("%w: %d signatures for %d documents", ErrSigning, len(signatures), len(bs.Sessions))
	}
	byName := map[string]*Document{}
	for _, d := range docs {
		byName[d.Name] = d
	}
	var errs []error
	for i, name := range bs.Documents {
		d := byName[name]
		if d == nil || !d.signable() {
			errs = append(errs, fmt.Errorf("%w: %s is not an unsigned document of this batch", ErrSigning, name))
			continue
		}
		if err := d.complete(ctx, bs.Sessions[i], signatures[i], so); err != nil {
			d.Err = err
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *Document) complete(ctx context.Context, s *signer.Session, sig []byte, so *SignOptions) error {
	tmp, err := os.CreateTemp("", "kyso-digitize-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	res, err := signer.Complete(ctx, tmp, bytes.NewReader(d.PDF), int64(len(d.PDF)), s, sig,
		&signer.Options{TSA: so.TSA, HTTPClient: so.HTTPClient})
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSigning, d.Name, err)
	}
	return d.signed(tmp, res, so)
}
