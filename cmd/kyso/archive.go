package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/config"
)

const archiveUsage = `archive export (--dossier CODE... | --closed-before DATE [--unit CODE]) -o FILE.tar|FILE.zip [--json]
       kyso archive verify FILE [--trust PEM]... [--only-given-anchors] [--json]
       kyso archive import FILE [--trust PEM]... [--json]
       kyso archive renew [--window 90d] [--dossier CODE... | --closed-before DATE [--unit CODE]] [--json]
       kyso archive due [--unit CODE] [--json]

export writes closed dossiers as a BagIt 1.0 package (RFC 8493; layout in
archive/LAYOUT.md): every document version as received and as signed —
each signed PDF first brought to PAdES B-LTA —, the TT 05/2025 archive
metadata, provenance, validation reports (JSON and a Vietnamese PDF), the
state history, the evidence entries with inclusion proofs against one signed
checkpoint and the log's key, and the certificates, OCSP responses and CRLs
to validate every signature offline. Streaming, resumable when interrupted
(run the same command again); records the hand-over in the evidence log.
import loads a verified package into this (fresh) instance; renew adds a
new document time-stamp where the latest one's TSA certificate expires
within the window (B-LTA renewal); due lists the dossiers closed more than
a year ago and not handed over (TT 13/2023).

verify checks a BagIt package made by kyso archive export, offline, with
nothing but the package (and the extra trust anchors given): every manifest
entry present and no unlisted payload file, SHA-256 and SHA-512 fixity, the
tag manifests and Payload-Oxum, every signed PDF validated at the time the
evidence log proves for it with only the embedded certificates, OCSP
responses and CRLs, every inclusion proof against its signed checkpoint,
and the state history against the log entries. Exit 0 only if everything
holds; 1 naming every failing file or entry; 2 when FILE is not a package.`

func runArchive(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, archiveUsage, args, []subcommand{
		{"export", archiveExport},
		{"verify", archiveVerify},
		{"import", archiveImport},
		{"renew", archiveRenew},
		{"due", archiveDue},
	})
}

func archiveVerify(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("archive verify", "archive verify FILE [--trust PEM]... [--only-given-anchors] [--json]", e.stdout)
	var trust multiFlag
	fs.Var(&trust, "trust", "extra trust anchor file or directory (repeatable), e.g. the national root")
	onlyGiven := fs.Bool("only-given-anchors", false, "do not trust the roots the package carries: only --trust")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "FILE"); err != nil {
		return err
	}
	opts := archive.VerifyOptions{OnlyGivenAnchors: *onlyGiven}
	if len(trust) > 0 {
		if opts.Trust, err = certs.LoadTrustStore(trust...); err != nil {
			return withCode(exitUsage, fmt.Errorf("--trust: %w", err))
		}
	} else if *onlyGiven {
		return usageErrorf("--only-given-anchors needs at least one --trust")
	}
	name := pos[0]
	f, err := os.Open(name)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return withCode(exitUsage, err)
	}
	rep, err := archive.Verify(ctx, f, st.Size(), opts)
	if err != nil { // not a bag (archive.ErrNotBag) or unreadable
		return withCode(exitUsage, fmt.Errorf("%s: %w", name, err))
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "FAIL %s\n", p)
		}
		signed, sigs := 0, 0
		for _, d := range rep.Dossiers {
			signed += d.Signed
			sigs += d.Signatures
		}
		fmt.Fprintf(e.stdout, "%s: BagIt %s, %d dossiers, %d payload files (%d bytes), %d signed versions with %d signatures and time-stamps validated offline\n",
			name, rep.BagIt, len(rep.Dossiers), rep.PayloadFiles, rep.PayloadBytes, signed, sigs)
		for _, c := range rep.Checkpoints {
			fmt.Fprintf(e.stdout, "evidence checkpoint: %s, %d entries, root %s\n", c.Origin, c.Size, c.Root)
		}
		for _, a := range rep.Anchors {
			fmt.Fprintf(e.stdout, "trust anchor (%s): %s, SHA-256 %s\n", a.Source, a.Subject, a.SHA256)
		}
		if rep.OK {
			fmt.Fprintln(e.stdout, "OK: the package is complete, unchanged, and every signature, proof and history step holds")
		}
	}
	if !rep.OK {
		return withCode(exitFailed, fmt.Errorf("%s: %d problems; the first: %s", name, len(rep.Problems), rep.Problems[0]))
	}
	return nil
}
