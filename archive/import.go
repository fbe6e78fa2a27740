package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ImportResult tells what Import loaded.
type ImportResult struct {
	Dossiers []string `json:"dossiers"`
	Objects  int      `json:"objects"`
	Report   *Report  `json:"report"`
}

// Import verifies a package and loads its dossiers into sink: every
// version's bytes (PutObject), then the dossier with its history, JSON
// records and its evidence as exported (PutDossier, d.Archived). A package
// that does not verify is refused with ErrInvalid and nothing is stored.
// Exporting the imported dossiers again gives the same payload manifests.
func Import(ctx context.Context, r io.ReaderAt, size int64, sink Sink, opts VerifyOptions) (*ImportResult, error) {
	rep, err := Verify(ctx, r, size, opts)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Report: rep, Dossiers: []string{}}
	if !rep.OK {
		return res, fmt.Errorf("%w: %d problems, the first: %s", ErrInvalid, len(rep.Problems), rep.Problems[0])
	}
	b, err := openBag(r, size)
	if err != nil {
		return res, err
	}
	var codes []string
	seen := map[string]bool{}
	for _, m := range b.order {
		if code, _, ok := strings.Cut(strings.TrimPrefix(m.name, "data/"), "/"); ok && strings.HasPrefix(m.name, "data/") && !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		d, err := readDossier(b, code)
		if err != nil {
			return res, err
		}
		for _, doc := range d.Documents {
			for _, v := range doc.Versions {
				rc, err := b.open(b.members[v.Path])
				if err != nil {
					return res, err
				}
				err = sink.PutObject(ctx, v.SHA256, v.Size, rc)
				rc.Close()
				if err != nil {
					return res, fmt.Errorf("archive import: dossier %s: object %s: %w", code, v.SHA256, err)
				}
				res.Objects++
			}
		}
		if err := sink.PutDossier(ctx, d); err != nil {
			return res, fmt.Errorf("archive import: dossier %s: %w", code, err)
		}
		res.Dossiers = append(res.Dossiers, code)
	}
	return res, nil
}

// readDossier rebuilds a Dossier from its directory in a verified bag.
func readDossier(b *bagReader, code string) (*Dossier, error) {
	prefix := "data/" + code + "/"
	get := func(name string, v any) error {
		raw, err := b.read(prefix + name)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, v)
	}
	d := &Dossier{}
	if err := get(fileDossier, d); err != nil {
		return nil, fmt.Errorf("archive import: %s%s: %w", prefix, fileDossier, err)
	}
	if err := get(fileHistory, &d.History); err != nil {
		return nil, fmt.Errorf("archive import: %s%s: %w", prefix, fileHistory, err)
	}
	if len(d.History) == 0 {
		d.History = nil
	}
	for name, dst := range map[string]*json.RawMessage{fileDigitization: &d.Digitization, fileProvenance: &d.Provenance, fileStored: &d.Validation} {
		if raw, err := b.read(prefix + name); err == nil {
			*dst = json.RawMessage(raw)
		}
	}
	bundle := &EvidenceBundle{}
	cp, err := b.read(prefix + fileCheckpoint)
	if err != nil {
		return nil, err
	}
	key, err := b.read(prefix + fileLogKey)
	if err != nil {
		return nil, err
	}
	bundle.Checkpoint, bundle.VerifierKey = string(cp), strings.TrimSuffix(string(key), "\n")
	if err := get(fileEntries, &bundle.Entries); err != nil {
		return nil, fmt.Errorf("archive import: %s%s: %w", prefix, fileEntries, err)
	}
	d.Archived = bundle
	return d, nil
}
