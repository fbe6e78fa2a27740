package evidence

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kyso-vn/kyso/storage"
)

// TileHeight is the height of C2SP tlog-tiles tiles: a full tile holds
// 2^8 = 256 hashes, a full entry bundle 256 entries.
const TileHeight = 8

const tileWidth = 1 << TileHeight

// Handler serves the log in the C2SP tlog-tiles layout
// (https://c2sp.org/tlog-tiles), so that standard clients and witnesses
// can audit it. Paths are relative to where it is mounted (use
// http.StripPrefix):
//
//	checkpoint                   the latest signed checkpoint, text/plain, not cached
//	tile/<L>/<N>[.p/<W>]         Merkle tree tiles: W (256 when full) hashes of level 8·L
//	tile/entries/<N>[.p/<W>]     entry bundles: W canonical bodies, each after its length as a big-endian uint16
//
// <N> is written in 3-digit path elements, all but the last prefixed
// with x (1234067 is x001/x234/067). Tiles and bundles are cut from the
// tree the latest checkpoint covers; they are immutable and cached for a
// year. A tile the tree does not (yet) fill is 404, as is a malformed
// path. Entry bundles are gzip-compressed for clients that accept it.
// The tree arithmetic is golang.org/x/mod/sumdb/tlog's, which hashes as
// RFC 6962 does.
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/checkpoint", l.serveCheckpoint)
	mux.HandleFunc("/tile/", l.serveTile)
	return mux
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	cp, err := l.Checkpoint(r.Context())
	if err != nil {
		l.serveError(w, "checkpoint", err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(cp.Note)))
	w.Write(cp.Note)
}

func (l *Log) serveError(w http.ResponseWriter, what string, err error) {
	w.Header().Set("Cache-Control", "no-store")
	if errors.Is(err, ErrTampered) {
		l.logger.Error("evidence log: not serving a tampered log", "resource", what, "err", err)
	} else {
		l.logger.Warn("evidence log: cannot serve", "resource", what, "err", err)
	}
	http.Error(w, "evidence log unavailable", http.StatusServiceUnavailable)
}

func notFound(w http.ResponseWriter, msg string) {
	w.Header().Set("Cache-Control", "no-cache")
	http.Error(w, msg, http.StatusNotFound)
}

// parseTilePath reads tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]
// into an x/mod tlog.Tile (whose paths carry the height and name the
// entries level "data", L = -1).
func parseTilePath(p string) (tlog.Tile, bool) {
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return tlog.Tile{}, false
	}
	level, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return tlog.Tile{}, false
	}
	if level == "entries" {
		level = "data"
	} else if n, err := strconv.Atoi(level); err != nil || n > 63 {
		return tlog.Tile{}, false
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s/%s", TileHeight, level, rest))
	return t, err == nil // ParseTilePath accepts only the canonical form
}

// TilePath is the C2SP tlog-tiles path of t (a tile of height 8; level -1
// for an entry bundle), e.g. tile/0/x001/234.p/17 or tile/entries/000.
func TilePath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", t.H))
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		return "tile/entries/" + rest
	}
	return "tile/" + p
}

func (l *Log) serveTile(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	t, ok := parseTilePath(strings.TrimPrefix(r.URL.Path, "/"))
	if !ok {
		notFound(w, "not a tile path")
		return
	}
	ctx := r.Context()
	size, err := l.covering(ctx, t)
	if err != nil {
		l.serveError(w, "tile", err)
		return
	}
	if size == 0 {
		notFound(w, "beyond the log")
		return
	}
	var body []byte
	if t.L < 0 {
		body, err = l.entryBundle(ctx, t)
	} else {
		body, err = l.tileData(t)
	}
	if err != nil {
		l.serveError(w, TilePath(t), err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if t.L < 0 && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		zw := gzip.NewWriter(w)
		zw.Write(body)
		zw.Close()
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(coding) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// tileEnd is the number of leaves a tree must have for tile t to exist;
// false when no tree of fewer than 2^64 leaves has it.
func tileEnd(t tlog.Tile) (uint64, bool) {
	shift := 0
	if t.L > 0 {
		shift = TileHeight * t.L
	}
	hi, end := bits.Mul64(uint64(t.N), tileWidth)
	end += uint64(t.W)
	if hi != 0 || end < uint64(t.W) || shift >= 64 || end > (1<<63)>>shift {
		return 0, false
	}
	return end << shift, true
}

// covering makes sure the in-memory tree holds tile t, catching up with
// the stored log if needed, and returns the tree's size, or 0 when the
// log does not reach that far.
func (l *Log) covering(ctx context.Context, t tlog.Tile) (uint64, error) {
	need, ok := tileEnd(t)
	if !ok {
		return 0, nil
	}
	l.mu.Lock()
	have := l.tree.size()
	l.mu.Unlock()
	if have >= need {
		return have, nil
	}
	h, err := l.refresh(ctx)
	if err != nil || h.size < need {
		return 0, err
	}
	return h.size, nil
}

// tileData is the tile's hashes, read from the in-memory tree through
// x/mod's tile arithmetic.
func (l *Log) tileData(t tlog.Tile) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return tlog.ReadTileData(t, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			level, n := tlog.SplitStoredHashIndex(x)
			if level >= len(l.tree.levels) || n >= int64(len(l.tree.levels[level])) {
				return nil, fmt.Errorf("tree node %d/%d not available", level, n)
			}
			hs[i] = l.tree.levels[level][n]
		}
		return hs, nil
	}))
}

// entryBundle reads the bundle's entries and checks each against the
// tree's leaf hash before serving it.
func (l *Log) entryBundle(ctx context.Context, t tlog.Tile) ([]byte, error) {
	start := uint64(t.N) << TileHeight
	end := start + uint64(t.W)
	var out []byte
	err := l.meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, "SELECT seq, body FROM evidence_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq", int64(start), int64(end))
		if err != nil {
			return err
		}
		defer rows.Close()
		next := start
		for rows.Next() {
			var seq int64
			var body string
			if err := rows.Scan(&seq, &body); err != nil {
				return err
			}
			l.mu.Lock()
			want := l.tree.levels[0][next]
			l.mu.Unlock()
			if uint64(seq) != next || LeafHash([]byte(body)) != want || len(body) > MaxEntrySize {
				return fmt.Errorf("%w: entry %d does not match the signed tree (run kyso log verify)", ErrTampered, next)
			}
			out = binary.BigEndian.AppendUint16(out, uint16(len(body)))
			out = append(out, body...)
			next++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if next != end {
			return fmt.Errorf("%w: entry %d is missing (run kyso log verify)", ErrTampered, next)
		}
		return nil
	})
	return out, err
}
