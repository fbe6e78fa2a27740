package wire

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/signer"
)

// SignVersion signs the latest version of a dossier document with a key
// the server holds (opts.Credential) and adds the signed bytes as the
// document's next version: the earlier bytes stay a prefix, the new
// version is inspected and assessed like any other.
func SignVersion(ctx context.Context, eng *dossier.Engine, code string, actor dossier.Actor, lineage int64, opts *signer.Options) (*dossier.DocumentVersion, error) {
	latest, err := eng.Latest(ctx, lineage)
	if err != nil {
		return nil, err
	}
	if latest.Dossier != code {
		return nil, fmt.Errorf("%w: document %d belongs to dossier %s, not %s", dossier.ErrInvalid, lineage, latest.Dossier, code)
	}
	src, err := spoolVersion(ctx, eng, latest)
	if err != nil {
		return nil, err
	}
	defer os.Remove(src.Name())
	defer src.Close()
	dst, err := os.CreateTemp("", "kyso-signed-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(dst.Name())
	defer dst.Close()
	if _, err := signer.Sign(ctx, dst, src, latest.Size, opts); err != nil {
		return nil, fmt.Errorf("signing %s: %w", latest.Title, err)
	}
	if _, err := dst.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return eng.AddDocument(ctx, code, actor, dossier.DocumentInput{Role: latest.Role, Source: latest.Source, Component: latest.Component,
		Title: latest.Title, Name: latest.Name, MediaType: latest.MediaType, Body: dst, Facts: latest.Facts, Version: lineage})
}

// spoolVersion copies a stored version to a temporary file (the signer
// reads at offsets); the object store verifies the hash on the way.
func spoolVersion(ctx context.Context, eng *dossier.Engine, v *dossier.DocumentVersion) (*os.File, error) {
	rc, err := eng.Open(ctx, v)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "kyso-src-*.pdf")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}
