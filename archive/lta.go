package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"time"

	"github.com/kyso-vn/kyso/signer"
)

// spool gives random access to a version's bytes: directly when the
// source's reader is an *os.File, else through a temporary file.
func spool(ctx context.Context, src Source, v *Version) (*os.File, func(), error) {
	var rc io.ReadCloser
	var err error
	if v.Open != nil {
		rc, err = v.Open(ctx)
	} else {
		rc, err = src.Open(ctx, v.SHA256)
	}
	if err != nil {
		return nil, nil, err
	}
	if f, ok := rc.(*os.File); ok {
		return f, func() { f.Close() }, nil
	}
	defer rc.Close()
	return spoolReader(rc, "kyso-archive-")
}

// spoolReader copies r into a new temporary file (named with prefix); the
// cleanup closes and removes it.
func spoolReader(r io.Reader, prefix string) (*os.File, func(), error) {
	f, err := os.CreateTemp("", prefix)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

// signedPDF is the latest version of a selected document, a PDF that
// signer.Inspect could read, spooled for random access.
type signedPDF struct {
	dossier  *Dossier
	document *Document
	version  *Version
	file     *os.File
	state    *signer.LTAState
}

// eachLatestPDF calls fn for the latest version of every selected
// document that is a PDF signer.Inspect can read (others are passed over),
// and stops at fn's first error. Failures to read a version are wrapped
// with op and the dossier and document.
func eachLatestPDF(ctx context.Context, src Source, sel Selection, op string, fn func(p signedPDF) error) error {
	sel.MetadataOnly = false
	for d, err := range src.Dossiers(ctx, sel) {
		if err != nil {
			return err
		}
		for i := range d.Documents {
			doc := &d.Documents[i]
			last := doc.latest()
			if last == nil || last.MediaType != "application/pdf" {
				continue
			}
			f, cleanup, err := spool(ctx, src, last)
			if err != nil {
				return fmt.Errorf("%s: dossier %s document %s: %w", op, d.Code, doc.ID, err)
			}
			st, err := signer.Inspect(f, last.Size)
			if err == nil {
				err = fn(signedPDF{dossier: d, document: doc, version: last, file: f, state: st})
			} else {
				err = nil // not a PDF kyso can augment: left as it is
			}
			cleanup()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// augmentFunc is signer.Extend or signer.Renew.
type augmentFunc func(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, opts *signer.ExtendOptions) (*signer.ExtendResult, error)

// addAugmented runs f on the latest version and stores the result as a new version.
func addAugmented(ctx context.Context, store VersionStore, d *Dossier, doc *Document, f *os.File, size int64,
	fn augmentFunc, opts signer.ExtendOptions, now time.Time) (string, error) {
	out, err := os.CreateTemp("", "kyso-archive-lta-")
	if err != nil {
		return "", err
	}
	defer func() { out.Close(); os.Remove(out.Name()) }()
	res, err := fn(ctx, out, f, size, &opts)
	if err != nil {
		return "", err
	}
	if !res.Changed {
		return "", nil
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(out, 0, res.Size)); err != nil {
		return "", err
	}
	last := doc.latest()
	nv := Version{Kind: Signed, Role: last.Role, Source: "archive", MediaType: last.MediaType, Name: last.Name,
		SHA256: hex.EncodeToString(h.Sum(nil)), Size: res.Size, Created: now}
	if err := store.AddVersion(ctx, d.Code, doc.ID, nv, io.NewSectionReader(out, 0, res.Size)); err != nil {
		return "", fmt.Errorf("dossier %s document %s: storing the new version: %w", d.Code, doc.ID, err)
	}
	return nv.SHA256, nil
}

// PrepareLTA extends every selected document whose latest version is a
// signed PDF not yet at PAdES B-LTA (signer.Extend) and stores the result
// as a new version through store. It returns how many it extended.
func PrepareLTA(ctx context.Context, src Source, store VersionStore, sel Selection, opts signer.ExtendOptions) (int, error) {
	if store == nil {
		return 0, errors.New("archive: B-LTA extension needs a version store")
	}
	n := 0
	err := eachLatestPDF(ctx, src, sel, "archive", func(p signedPDF) error {
		if len(p.state.Signatures) == 0 || p.state.LTA {
			return nil
		}
		sum, err := addAugmented(ctx, store, p.dossier, p.document, p.file, p.version.Size, signer.Extend, opts, time.Now())
		if err != nil {
			return fmt.Errorf("archive: extending dossier %s document %s to B-LTA: %w", p.dossier.Code, p.document.ID, err)
		}
		if sum != "" {
			n++
		}
		return nil
	})
	return n, err
}

// RenewOptions control Renew.
type RenewOptions struct {
	// Window: renew when the latest document time-stamp's TSA certificate
	// expires before now + Window.
	Window time.Duration
	Extend signer.ExtendOptions
	Now    func() time.Time
}

// Renewed is one renewed document.
type Renewed struct {
	Dossier    string    `json:"dossier"`
	Document   string    `json:"document"`
	Previous   string    `json:"previous_sha256"`
	SHA256     string    `json:"sha256"`
	TSAExpires time.Time `json:"tsa_expires"` // of the time-stamp that was renewed
}

// RenewResult tells what Renew did.
type RenewResult struct {
	Checked int       `json:"checked"` // documents at B-LTA that were looked at
	Renewed []Renewed `json:"renewed"`
}

// Renew re-time-stamps (B-LTA renewal, signer.Renew) every selected
// document whose latest version's last document time-stamp was issued by
// a TSA certificate that expires within the window, storing each result as
// a new version through store (which records it in the evidence log).
func Renew(ctx context.Context, src Source, store VersionStore, sel Selection, opts RenewOptions) (*RenewResult, error) {
	if store == nil {
		return nil, errors.New("archive renew: no version store")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	limit := now().Add(opts.Window)
	res := &RenewResult{Renewed: []Renewed{}}
	err := eachLatestPDF(ctx, src, sel, "archive renew", func(p signedPDF) error {
		if p.state.Latest == nil || p.state.Latest.TSA == nil {
			return nil
		}
		res.Checked++
		expires := p.state.Latest.TSA.NotAfter
		if !expires.Before(limit) {
			return nil
		}
		sum, err := addAugmented(ctx, store, p.dossier, p.document, p.file, p.version.Size, signer.Renew, opts.Extend, now())
		if err != nil {
			return fmt.Errorf("archive renew: dossier %s document %s: %w", p.dossier.Code, p.document.ID, err)
		}
		res.Renewed = append(res.Renewed, Renewed{Dossier: p.dossier.Code, Document: p.document.ID,
			Previous: p.version.SHA256, SHA256: sum, TSAExpires: expires.UTC()})
		return nil
	})
	return res, err
}

// DueDossier is a dossier that should have been handed over to the archive.
type DueDossier struct {
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	UnitCode string    `json:"unit_code"`
	Closed   time.Time `json:"closed"`
	Due      time.Time `json:"due"` // one year after closing (TT 13/2023)
}

// Due yields the dossiers of unit (all units when empty) closed more than
// a year before now and not yet handed over, in code order.
func Due(ctx context.Context, src Source, unit string, now time.Time) iter.Seq2[DueDossier, error] {
	return func(yield func(DueDossier, error) bool) {
		sel := Selection{ClosedBefore: now.AddDate(-1, 0, 0), Unit: unit, MetadataOnly: true}
		for d, err := range src.Dossiers(ctx, sel) {
			if err != nil {
				yield(DueDossier{}, err)
				return
			}
			due := d.Closed.AddDate(1, 0, 0)
			if d.Closed.IsZero() || !d.HandedOver.IsZero() || !due.Before(now) {
				continue
			}
			if !yield(DueDossier{Code: d.Code, Title: d.Title, UnitCode: d.UnitCode, Closed: d.Closed.UTC(), Due: due.UTC()}, nil) {
				return
			}
		}
	}
}
