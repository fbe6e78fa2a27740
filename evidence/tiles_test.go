package evidence_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// httpTiles is a tlog.TileReader that fetches C2SP tlog-tiles over HTTP,
// as a standard client or witness does.
type httpTiles struct {
	t       testing.TB
	base    string
	fetched []string
}

func (h *httpTiles) Height() int { return evidence.TileHeight }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := h.get(evidence.TilePath(t))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (h *httpTiles) get(path string) ([]byte, error) {
	h.fetched = append(h.fetched, path)
	resp, err := http.Get(h.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return b, nil
}

// bundle splits an entry bundle into its entries.
func bundle(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var es [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("entry bundle: %d trailing bytes", len(b))
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			t.Fatalf("entry bundle: entry of %d bytes, %d left", n, len(b)-2)
		}
		es = append(es, b[2:2+n])
		b = b[2+n:]
	}
	return es
}

// TestTilesStandardClient serves a log of 1,100 entries in the
// tlog-tiles layout and audits it with x/mod's tlog client: tree hash,
// inclusion of entries read from entry bundles, consistency with older
// checkpoints, all against the signed checkpoint served over HTTP.
func TestTilesStandardClient(t *testing.T) {
	forBackends(t, func(t *testing.T, m storage.Meta) {
		ctx := context.Background()
		l := newLog(t, m)
		// Transactions that leave checkpoints at these sizes.
		sizes := []int{1, 255, 256, 257, 600, 1100}
		done := 0
		for _, size := range sizes {
			err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
				es := make([]evidence.Entry, size-done)
				for i := range es {
					es[i] = evidence.Entry{Type: evidence.DocumentValidated, Actor: "tiles",
						Data: map[string]any{"n": done + i, "pad": strings.Repeat("đ", (done+i)%50)}}
				}
				_, err := l.AppendBatch(ctx, tx, es)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			done = size
		}
		srv := httptest.NewServer(http.StripPrefix("/log", l.Handler()))
		defer srv.Close()
		h := &httpTiles{t: t, base: srv.URL + "/log/"}

		resp, err := http.Get(h.base + "checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		note, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("checkpoint: Content-Type %q, Cache-Control %q", ct, resp.Header.Get("Cache-Control"))
		}
		cp, err := evidence.ParseCheckpoint(note, l.Verifier())
		if err != nil || cp.Size != 1100 {
			t.Fatalf("served checkpoint: %+v, %v\n%s", cp, err, note)
		}
		tree := tlog.Tree{N: int64(cp.Size), Hash: tlog.Hash(cp.Root)}
		thr := tlog.TileHashReader(tree, h)
		if th, err := tlog.TreeHash(tree.N, thr); err != nil || th != tree.Hash {
			t.Fatalf("TreeHash over the tiles = %v, %v; checkpoint root %v", th, err, tree.Hash)
		}

		for _, n := range []int64{0, 1, 255, 256, 599, 1023, 1024, 1099} {
			p, err := tlog.ProveRecord(tree.N, n, thr)
			if err != nil {
				t.Fatalf("ProveRecord(%d): %v", n, err)
			}
			bt := tlog.Tile{H: evidence.TileHeight, L: -1, N: n / 256, W: int(min(256, tree.N-n/256*256))}
			raw, err := h.get(evidence.TilePath(bt))
			if err != nil {
				t.Fatal(err)
			}
			es := bundle(t, raw)
			if len(es) != bt.W {
				t.Fatalf("bundle %s: %d entries", evidence.TilePath(bt), len(es))
			}
			body := es[n%256]
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, n, tlog.RecordHash(body)); err != nil {
				t.Fatalf("CheckRecord(%d): %v", n, err)
			}
			stored, err := l.Entry(ctx, uint64(n))
			if err != nil || !bytes.Equal(stored.Body, body) {
				t.Fatalf("entry %d: bundle has %s, stored %s (%v)", n, body, stored.Body, err)
			}
			// kyso's own proof is the same RFC 6962 proof.
			own, err := l.InclusionProof(ctx, uint64(n), cp.Size)
			if err != nil || len(own) != len(p) {
				t.Fatalf("InclusionProof(%d) = %d hashes, %v; tlog has %d", n, len(own), err, len(p))
			}
			for i := range own {
				if !bytes.Equal(own[i], p[i][:]) {
					t.Fatalf("entry %d: proof hash %d differs from tlog's", n, i)
				}
			}
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, n, tlog.RecordHash(append(bytes.Clone(body), ' '))); err == nil {
				t.Fatalf("CheckRecord(%d) accepted an altered entry", n)
			}
		}

		for _, old := range sizes[:len(sizes)-1] {
			ocp, err := l.CheckpointAt(ctx, uint64(old))
			if err != nil {
				t.Fatal(err)
			}
			p, err := tlog.ProveTree(tree.N, int64(old), thr)
			if err != nil {
				t.Fatalf("ProveTree(%d): %v", old, err)
			}
			if err := tlog.CheckTree(p, tree.N, tree.Hash, int64(old), tlog.Hash(ocp.Root)); err != nil {
				t.Fatalf("CheckTree from %d: %v", old, err)
			}
			own, _ := l.ConsistencyProof(ctx, uint64(old), cp.Size)
			if err := evidence.VerifyConsistency(ocp, cp, own); err != nil || len(own) != len(p) {
				t.Fatalf("ConsistencyProof(%d) = %d hashes, %v; tlog has %d", old, len(own), err, len(p))
			}
		}

		// What exists at size 1100: level 0 tiles 000-003 and 004.p/76,
		// level 1 tile 000.p/4; nothing at level 2.
		for _, tt := range []struct {
			path   string
			status int
			length int
		}{
			{"tile/0/000", 200, 256 * 32},
			{"tile/0/003", 200, 256 * 32},
			{"tile/0/004.p/76", 200, 76 * 32},
			{"tile/0/004.p/1", 200, 32},
			{"tile/0/004.p/77", 404, 0},
			{"tile/0/004", 404, 0},
			{"tile/0/005.p/1", 404, 0},
			{"tile/1/000.p/4", 200, 4 * 32},
			{"tile/1/000.p/5", 404, 0},
			{"tile/1/000", 404, 0},
			{"tile/2/000.p/1", 404, 0},
			{"tile/7/000.p/1", 404, 0},
			{"tile/63/x999/x999/x999/x999/x999/x999/999.p/255", 404, 0},
			{"tile/entries/004.p/76", 200, -1},
			{"tile/entries/004", 404, 0},
			{"tile/entries/005.p/1", 404, 0},
			{"tile/0/4", 404, 0},
			{"tile/00/000", 404, 0},
			{"tile/0/000.p/256", 404, 0},
			{"tile/data/000", 404, 0},
			{"tile/", 404, 0},
			{"checkpoints", 404, 0},
		} {
			resp, err := http.Get(h.base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || tt.length >= 0 && tt.status == 200 && len(b) != tt.length {
				t.Errorf("GET %s: %d, %d bytes; want %d, %d bytes", tt.path, resp.StatusCode, len(b), tt.status, tt.length)
			}
			if tt.status == 200 && (resp.Header.Get("Content-Type") != "application/octet-stream" ||
				!strings.Contains(resp.Header.Get("Cache-Control"), "immutable")) {
				t.Errorf("GET %s: Content-Type %q, Cache-Control %q", tt.path, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
			}
			if tt.status == 404 && strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("GET %s: a 404 is cached as immutable", tt.path)
			}
		}

		// Entry bundles are gzip-compressed for a client that asks.
		req, _ := http.NewRequest("GET", h.base+"tile/entries/000", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("gzip bundle: %v, Content-Encoding %q", err, resp.Header.Get("Content-Encoding"))
		}
		unz, _ := io.ReadAll(zr)
		resp.Body.Close()
		if es := bundle(t, unz); len(es) != 256 {
			t.Fatalf("gzip bundle: %d entries", len(es))
		}

		// Read-only.
		resp, err = http.Post(h.base+"checkpoint", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST checkpoint: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}

		// A body edited in SQL is not served as part of the signed tree.
		if err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE evidence_entries SET body = replace(body, 'tiles', 'tilez') WHERE seq = 300`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.get("tile/entries/001"); err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("bundle with an edited entry: %v, want 503", err)
		}
		if !slices.Contains(h.fetched, "tile/0/000") {
			t.Errorf("the client fetched %v", h.fetched)
		}
	})
}

// TestTilesEmptyLog: a new log serves the checkpoint of the empty tree
// and no tiles.
func TestTilesEmptyLog(t *testing.T) {
	m := storagetest.OpenMeta(t, "sqlite")
	l := newLog(t, m)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	note, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cp, err := evidence.ParseCheckpoint(note, l.Verifier())
	if err != nil || cp.Size != 0 {
		t.Fatalf("checkpoint of the empty log: %+v, %v", cp, err)
	}
	for _, p := range []string{"/tile/0/000.p/1", "/tile/entries/000.p/1"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s on the empty log: %d", p, resp.StatusCode)
		}
	}
}

// TestTilesSpecExample serves the tree of C2SP tlog-tiles' example, 70,000
// entries: 273 full level-0 tiles and one of width 112, a full level-1
// tile and one of width 17, a level-2 tile of width 1. x/mod's client
// proves entries of every region against the served checkpoint.
// (The 1,100-entry test above runs on both backends.)
func TestTilesSpecExample(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// PostgreSQL: the server does the inserting, outside the race detector.
	m := storagetest.OpenMeta(t, "postgres")
	l := newLog(t, m)
	const size = 70000
	for done := 0; done < size; done += 10000 {
		err := m.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			es := make([]evidence.Entry, 10000)
			for i := range es {
				es[i] = evidence.Entry{Type: evidence.DocumentValidated, Data: map[string]any{"n": done + i}}
			}
			_, err := l.AppendBatch(ctx, tx, es)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	h := &httpTiles{t: t, base: srv.URL + "/"}
	note, err := h.get("checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := evidence.ParseCheckpoint(note, l.Verifier())
	if err != nil || cp.Size != size {
		t.Fatalf("checkpoint %+v, %v", cp, err)
	}
	tree := tlog.Tree{N: size, Hash: tlog.Hash(cp.Root)}
	thr := tlog.TileHashReader(tree, h)
	for _, n := range []int64{0, 65535, 65536, 69887, 69888, 69999} {
		p, err := tlog.ProveRecord(tree.N, n, thr)
		if err != nil {
			t.Fatalf("ProveRecord(%d): %v", n, err)
		}
		e, err := l.Entry(ctx, uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, n, tlog.RecordHash(e.Body)); err != nil {
			t.Fatalf("CheckRecord(%d): %v", n, err)
		}
	}
	for path, want := range map[string]int{
		"tile/0/272": 256 * 32, "tile/0/273.p/112": 112 * 32, "tile/1/000": 256 * 32, "tile/1/001.p/17": 17 * 32,
		"tile/2/000.p/1": 32, "tile/0/273": -1, "tile/0/273.p/113": -1, "tile/1/001.p/18": -1, "tile/2/000.p/2": -1,
		"tile/3/000.p/1": -1, "tile/entries/273.p/112": -2, "tile/entries/273": -1,
	} {
		b, err := h.get(path)
		switch {
		case want == -1:
			if err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("GET %s: %v, want 404", path, err)
			}
		case err != nil:
			t.Errorf("GET %s: %v", path, err)
		case want == -2:
			if es := bundle(t, b); len(es) != 112 {
				t.Errorf("GET %s: %d entries", path, len(es))
			}
		case len(b) != want:
			t.Errorf("GET %s: %d bytes, want %d", path, len(b), want)
		}
	}
}
