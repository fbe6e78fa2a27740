package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a signed statement of the log's size and root hash in the
// C2SP tlog-checkpoint format: a signed note (C2SP signed-note) whose text
// is the origin, the size in decimal and the base64 root hash, one per line.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   Hash
	Note   []byte // the signed note, as stored and served
}

// checkpointText is the body of a checkpoint note.
func checkpointText(origin string, size uint64, root Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

func signCheckpoint(s note.Signer, origin string, size uint64, root Hash) ([]byte, error) {
	return note.Sign(&note.Note{Text: checkpointText(origin, size, root)}, s)
}

// ParseCheckpoint opens a signed checkpoint note, checking its signature
// with v and its origin (the first line) against v's name.
func ParseCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, fmt.Errorf("%w: want origin, size and root hash lines", ErrBadCheckpoint)
	}
	cp := Checkpoint{Origin: lines[0], Note: msg}
	if cp.Origin != v.Name() {
		return cp, fmt.Errorf("%w: origin %q, key is for %q", ErrBadCheckpoint, cp.Origin, v.Name())
	}
	if cp.Size, err = strconv.ParseUint(lines[1], 10, 64); err != nil || strconv.FormatUint(cp.Size, 10) != lines[1] {
		return cp, fmt.Errorf("%w: malformed size %q", ErrBadCheckpoint, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != len(cp.Root) {
		return cp, fmt.Errorf("%w: malformed root hash %q", ErrBadCheckpoint, lines[2])
	}
	copy(cp.Root[:], root)
	return cp, nil
}

// VerifyInclusion checks, offline, that the entry body is the entry at
// index of the log that cp (already parsed, so signature-checked) commits to.
func VerifyInclusion(cp Checkpoint, index uint64, body []byte, p [][]byte) error {
	leaf := LeafHash(body)
	if err := proof.VerifyInclusion(hasher, index, cp.Size, leaf[:], p, cp.Root[:]); err != nil {
		return fmt.Errorf("%w: entry %d in checkpoint of size %d: %w", ErrBadProof, index, cp.Size, err)
	}
	return nil
}

// VerifyConsistency checks, offline, that the log of checkpoint newer
// extends the log of checkpoint older.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, p, older.Root[:], newer.Root[:]); err != nil {
		return fmt.Errorf("%w: from size %d to %d: %w", ErrBadProof, older.Size, newer.Size, err)
	}
	return nil
}

// DefaultOrigin is the origin (and key name) of a log whose key is
// created without a name.
const DefaultOrigin = "kyso.local/evidence"

// LoadOrCreateKey reads the Ed25519 note signer key at path, creating it
// (mode 0600) with the given origin as its name when the file does not
// exist. It returns the signer and the matching public verifier key in
// note format (name+hash+base64), which is what clients need.
func LoadOrCreateKey(path, origin string) (note.Signer, string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if origin == "" {
			origin = DefaultOrigin
		}
		skey, _, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, "", err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, "", err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another process won the race
			return LoadOrCreateKey(path, origin)
		}
		if err != nil {
			return nil, "", err
		}
		if _, err := f.WriteString(skey + "\n"); err != nil {
			f.Close()
			return nil, "", err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, "", err
		}
		if err := f.Close(); err != nil {
			return nil, "", err
		}
		b = []byte(skey)
	} else if err != nil {
		return nil, "", err
	}
	return parseKey(path, b)
}

// LoadKey reads the note signer key at path; a missing file is fs.ErrNotExist.
func LoadKey(path string) (note.Signer, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return parseKey(path, b)
}

func parseKey(path string, b []byte) (note.Signer, string, error) {
	skey := string(bytes.TrimSpace(b))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return s, vkey, nil
}

// verifierKey derives the public verifier key from a note signer key
// (PRIVATE+KEY+name+hash+base64(0x01 || seed)).
func verifierKey(skey string) (string, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	parts := strings.SplitN(rest, "+", 3)
	if !ok || len(parts) != 3 {
		return "", errors.New("malformed signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("malformed signer key: want an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[0], pub)
}
