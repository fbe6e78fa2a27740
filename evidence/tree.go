package evidence

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

var hasher = rfc6962.DefaultHasher

// Hash is a SHA-256 Merkle tree hash.
type Hash = [32]byte

// LeafHash is the RFC 6962 leaf hash of an entry body: SHA-256(0x00 || body).
func LeafHash(body []byte) Hash { return Hash(hasher.HashLeaf(body)) }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// tree keeps every complete subtree hash of the log in memory:
// levels[0] are the leaves, levels[l][i] covers leaves [i<<l, (i+1)<<l).
// At one million entries it takes about 64 MB.
type tree struct {
	levels [][]Hash
}

func (t *tree) size() uint64 {
	if len(t.levels) == 0 {
		return 0
	}
	return uint64(len(t.levels[0]))
}

func (t *tree) append(leaf Hash) {
	if len(t.levels) == 0 {
		t.levels = [][]Hash{nil}
	}
	t.levels[0] = append(t.levels[0], leaf)
	for l := 0; len(t.levels[l])%2 == 0; l++ {
		n := len(t.levels[l])
		parent := Hash(hasher.HashChildren(t.levels[l][n-2][:], t.levels[l][n-1][:]))
		if l+1 == len(t.levels) {
			t.levels = append(t.levels, nil)
		}
		t.levels[l+1] = append(t.levels[l+1], parent)
	}
}

// truncate drops the leaves from n on (and the subtrees that cover them).
func (t *tree) truncate(n uint64) {
	for l := range t.levels {
		t.levels[l] = t.levels[l][:n>>l]
	}
	for len(t.levels) > 1 && len(t.levels[len(t.levels)-1]) == 0 {
		t.levels = t.levels[:len(t.levels)-1]
	}
}

func (t *tree) node(id compact.NodeID) ([]byte, error) {
	if int(id.Level) >= len(t.levels) || id.Index >= uint64(len(t.levels[id.Level])) {
		return nil, fmt.Errorf("tree node %d/%d not available", id.Level, id.Index)
	}
	h := t.levels[id.Level][id.Index]
	return h[:], nil
}

var factory = &compact.RangeFactory{Hash: hasher.HashChildren}

// rangeAt returns the compact range [0, size).
func (t *tree) rangeAt(size uint64) (*compact.Range, error) {
	if size > t.size() {
		return nil, fmt.Errorf("tree size %d beyond %d", size, t.size())
	}
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := t.node(id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return factory.NewRange(0, size, hashes)
}

// root returns the root hash of the tree of the first size leaves.
func (t *tree) root(size uint64) (Hash, error) {
	if size == 0 {
		return Hash(hasher.EmptyRoot()), nil
	}
	r, err := t.rangeAt(size)
	if err != nil {
		return Hash{}, err
	}
	h, err := r.GetRootHash(nil)
	return Hash(h), err
}

func (t *tree) fetch(n proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(n.IDs))
	for i, id := range n.IDs {
		h, err := t.node(id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return n.Rehash(hashes, hasher.HashChildren)
}

func (t *tree) inclusion(index, size uint64) ([][]byte, error) {
	if index >= size || size > t.size() {
		return nil, fmt.Errorf("no inclusion proof for entry %d in a tree of %d entries (log has %d)", index, size, t.size())
	}
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return t.fetch(n)
}

func (t *tree) consistency(size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 || size2 > t.size() {
		return nil, fmt.Errorf("no consistency proof from %d to %d entries (log has %d)", size1, size2, t.size())
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return t.fetch(n)
}

var errNoRows = sql.ErrNoRows
