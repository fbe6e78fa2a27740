package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/storage"
)

type noteSigner = note.Signer

const logUsage = `log verify [--checkpoint FILE] [--json]
       kyso log checkpoint [--key] [--json]
       kyso log prove --entry N [--size S] > proof.json
       kyso log prove --from OLD [--to NEW] > proof.json
       kyso log check-proof FILE --key VERIFIER-KEY

verify recomputes every entry of the evidence log, rebuilds the Merkle tree
and checks every signed checkpoint (and FILE, a checkpoint kept elsewhere,
and DATA/log.checkpoint, the last one verified here): exit 1 naming the
first bad entry when a row was edited, deleted, reordered or inserted.
checkpoint prints the latest signed checkpoint (C2SP tlog-checkpoint), or
with --key the log's public verifier key. prove prints an inclusion or
consistency proof with its checkpoint, which check-proof checks offline.`

func runLog(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, logUsage, args, []subcommand{
		{"verify", logVerify},
		{"checkpoint", logCheckpoint},
		{"prove", logProve},
		{"check-proof", noCtx(logCheckProof)},
	})
}

// anchorPath keeps the last checkpoint this data directory verified, so
// that deleting the newest entries together with their checkpoints from
// the database is still noticed.
func anchorPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "log.checkpoint") }

func saveAnchor(cfg config.Config, cp evidence.Checkpoint) {
	if len(cp.Note) == 0 {
		return
	}
	tmp := anchorPath(cfg) + ".tmp"
	if os.WriteFile(tmp, cp.Note, 0o600) == nil {
		os.Rename(tmp, anchorPath(cfg))
	}
}

func openExistingLog(ctx context.Context, e *env, cfg config.Config) (*storage.Store, *evidence.Log, error) {
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return nil, nil, err
	}
	if v, err := s.Meta.SchemaVersion(ctx); err != nil || v < 2 {
		s.Close()
		if err == nil {
			err = errors.New("the database has no evidence log (run kyso migrate)")
		}
		return nil, nil, withCode(exitUsage, fmt.Errorf("%s: %w", s.Meta.Name(), err))
	}
	l, err := openLog(cfg, s, false)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, l, nil
}

func logVerify(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("log verify", "log verify [--checkpoint FILE] [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	cpFile := fs.String("checkpoint", "", "a checkpoint kept outside the database (e.g. by a witness) that the log must still contain")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	s, l, err := openExistingLog(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var trusted []evidence.Checkpoint
	for _, f := range []string{*cpFile, anchorPath(cfg)} {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) && f == anchorPath(cfg) {
			continue
		}
		if err != nil {
			return withCode(exitUsage, err)
		}
		cp, err := evidence.ParseCheckpoint(b, l.Verifier())
		if err != nil {
			return withCode(exitFailed, fmt.Errorf("%s: %w", f, err))
		}
		trusted = append(trusted, cp)
	}
	res, err := l.Verify(ctx, trusted...)
	if *asJSON {
		out := map[string]any{"ok": err == nil, "entries": res.Entries, "checkpoints": res.Checkpoints}
		var ve *evidence.VerifyError
		if errors.As(err, &ve) {
			out["error"] = ve.Error()
			if ve.Entry >= 0 {
				out["first_bad_entry"] = ve.Entry
			} else {
				out["bad_checkpoint"] = ve.Checkpoint
			}
		} else if err == nil {
			out["root"] = base64.StdEncoding.EncodeToString(res.Root[:])
		}
		if werr := writeJSON(e.stdout, out); werr != nil {
			return werr
		}
	}
	if err != nil {
		if errors.Is(err, evidence.ErrTampered) {
			return withCode(exitFailed, err)
		}
		return withCode(exitUsage, err)
	}
	saveAnchor(cfg, res.Latest)
	if !*asJSON {
		fmt.Fprintf(e.stdout, "evidence log OK: %d entries, %d signed checkpoints, root %s\n",
			res.Entries, res.Checkpoints, base64.StdEncoding.EncodeToString(res.Root[:]))
	}
	return nil
}

func logCheckpoint(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("log checkpoint", "log checkpoint [--key] [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	keyOnly := fs.Bool("key", false, "print the log's public verifier key (note format) instead")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *keyOnly {
		_, vkey, err := evidence.LoadOrCreateKey(logKeyPath(cfg), cfg.LogOrigin)
		if err != nil {
			return withCode(exitUsage, err)
		}
		fmt.Fprintln(e.stdout, vkey)
		return nil
	}
	s, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := openLog(cfg, s, true)
	if err != nil {
		return err
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		if errors.Is(err, evidence.ErrTampered) {
			return withCode(exitFailed, err)
		}
		return withCode(exitUsage, err)
	}
	_, vkey, _ := evidence.LoadKey(logKeyPath(cfg))
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"origin": cp.Origin, "size": cp.Size,
			"root": base64.StdEncoding.EncodeToString(cp.Root[:]), "checkpoint": string(cp.Note), "verifier_key": vkey})
	}
	_, err = e.stdout.Write(cp.Note)
	return err
}

// proofFile is what kyso log prove prints and check-proof reads.
type proofFile struct {
	Type          string   `json:"type"` // inclusion or consistency
	Index         uint64   `json:"index,omitempty"`
	Entry         string   `json:"entry,omitempty"` // the canonical entry body
	Proof         [][]byte `json:"proof"`           // base64 hashes
	Checkpoint    string   `json:"checkpoint"`      // signed note (the newer one)
	OldCheckpoint string   `json:"old_checkpoint,omitempty"`
}

func logProve(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("log prove", "log prove --entry N [--size S] | --from OLD [--to NEW]", e.stdout)
	entry := fs.Int64("entry", -1, "prove that entry N is in the log")
	size := fs.Int64("size", 0, "size of the checkpoint to prove against (default: the latest)")
	from := fs.Int64("from", -1, "prove that the log of this size is a prefix of the newer one")
	to := fs.Int64("to", 0, "size of the newer checkpoint (default: the latest)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if (*entry < 0) == (*from < 0) {
		return usageErrorf("give either --entry N or --from OLD")
	}
	s, l, err := openExistingLog(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	newer := *size
	if *from >= 0 {
		newer = *to
	}
	var cp evidence.Checkpoint
	if newer > 0 {
		cp, err = l.CheckpointAt(ctx, uint64(newer))
	} else {
		cp, err = l.Checkpoint(ctx)
	}
	if err != nil {
		return withCode(exitUsage, err)
	}
	out := proofFile{Checkpoint: string(cp.Note)}
	if *entry >= 0 {
		out.Type, out.Index = "inclusion", uint64(*entry)
		ent, err := l.Entry(ctx, uint64(*entry))
		if err != nil {
			return withCode(exitUsage, err)
		}
		out.Entry = string(ent.Body)
		if out.Proof, err = l.InclusionProof(ctx, uint64(*entry), cp.Size); err != nil {
			return withCode(exitUsage, err)
		}
	} else {
		out.Type = "consistency"
		old, err := l.CheckpointAt(ctx, uint64(*from))
		if err != nil {
			return withCode(exitUsage, err)
		}
		out.OldCheckpoint = string(old.Note)
		if out.Proof, err = l.ConsistencyProof(ctx, old.Size, cp.Size); err != nil {
			return withCode(exitUsage, err)
		}
	}
	if out.Proof == nil {
		out.Proof = [][]byte{}
	}
	return writeJSON(e.stdout, out)
}

func logCheckProof(e *env, cfg config.Config, args []string) error {
	fs := newFlags("log check-proof", "log check-proof FILE --key VERIFIER-KEY", e.stdout)
	key := fs.String("key", "", "the log's public verifier key, as printed by kyso log checkpoint --key (default: the data directory's log key)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "FILE (or - for stdin)"); err != nil {
		return err
	}
	vkey := *key
	if vkey == "" {
		if _, vkey, err = evidence.LoadKey(logKeyPath(cfg)); err != nil {
			return usageErrorf("--key is required (no log key at %s)", logKeyPath(cfg))
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return usageErrorf("--key: %v", err)
	}
	var b []byte
	if pos[0] == "-" {
		b, err = readAll(e)
	} else {
		b, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return withCode(exitUsage, err)
	}
	var p proofFile
	if err := json.Unmarshal(b, &p); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: not a proof file: %w", pos[0], err))
	}
	cp, err := evidence.ParseCheckpoint([]byte(p.Checkpoint), v)
	if err != nil {
		return withCode(exitFailed, fmt.Errorf("%s: %w", pos[0], err))
	}
	switch p.Type {
	case "inclusion":
		if err := evidence.VerifyInclusion(cp, p.Index, []byte(p.Entry), p.Proof); err != nil {
			return withCode(exitFailed, fmt.Errorf("%s: %w", pos[0], err))
		}
		fmt.Fprintf(e.stdout, "OK: entry %d is in the log %s of %d entries\n%s\n", p.Index, cp.Origin, cp.Size, p.Entry)
	case "consistency":
		old, err := evidence.ParseCheckpoint([]byte(p.OldCheckpoint), v)
		if err != nil {
			return withCode(exitFailed, fmt.Errorf("%s: old checkpoint: %w", pos[0], err))
		}
		if err := evidence.VerifyConsistency(old, cp, p.Proof); err != nil {
			return withCode(exitFailed, fmt.Errorf("%s: %w", pos[0], err))
		}
		fmt.Fprintf(e.stdout, "OK: the log %s of %d entries extends the one of %d entries\n", cp.Origin, cp.Size, old.Size)
	default:
		return withCode(exitUsage, fmt.Errorf("%s: unknown proof type %q", pos[0], p.Type))
	}
	return nil
}

func readAll(e *env) ([]byte, error) { return io.ReadAll(e.stdin) }
