package evidence

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// TestEncodeIsCanonical checks that the body assembled around the index
// is exactly the RFC 8785 form of the whole object, and reads back.
func TestEncodeIsCanonical(t *testing.T) {
	when := time.Date(2025, 7, 1, 9, 15, 30, 123456789, time.FixedZone("ICT", 7*3600))
	tests := []struct {
		name string
		e    Entry
	}{
		{"minimal", Entry{Type: DossierState, Time: when}},
		{"everything", Entry{Type: DocumentReceived, Time: when, Actor: "intake:nguyễn.văn.a",
			Subject: Subject{SHA256: strings.Repeat("ab", 32), Document: 17, Dossier: "000.00.12.H62-250701-0003"},
			Data:    map[string]any{"size": 48213, "name": "đơn đề nghị.pdf", "parent": 0}}},
		{"nested index member", Entry{Type: "test.nested", Time: when,
			Data: map[string]any{"index": 0, "z": []any{1.5, "x", nil, true}, "a": map[string]any{"index": "7", "\u00e9": 1}}}},
		{"quotes and controls in the actor", Entry{Type: "test.actor", Time: when, Actor: "a\",\"index\":0,\"b\u0001\u2028"}},
		{"empty data object", Entry{Type: "test.empty", Time: when, Data: map[string]any{}}},
		{"subject only", Entry{Type: "test.subject", Time: when, Subject: Subject{Dossier: "H62"}}},
		{"struct data", Entry{Type: "test.struct", Time: when, Data: struct {
			B int    `json:"b"`
			A string `json:"a"`
		}{2, "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.e.encode()
			if err != nil {
				t.Fatal(err)
			}
			for _, idx := range []uint64{0, 9, 10, 1234567890123} {
				got := enc.body(idx)
				// The reference: the whole body marshalled, then canonicalized.
				ref := body{V: SchemaVersion, Index: idx, Type: tt.e.Type, Time: enc.time, Actor: tt.e.Actor}
				if tt.e.Subject != (Subject{}) {
					s := tt.e.Subject
					ref.Subject = &s
				}
				if d, _ := json.Marshal(tt.e.Data); tt.e.Data != nil && string(d) != "{}" {
					ref.Data = d
				}
				raw, _ := json.Marshal(ref)
				want, err := Canonicalize(raw)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(want) {
					t.Fatalf("index %d:\n got %s\nwant %s", idx, got, want)
				}
				b, err := parseBody(got)
				if err != nil || b.Index != idx || b.Time != "2025-07-01T02:15:30.123456789Z" {
					t.Fatalf("parseBody = %+v, %v", b, err)
				}
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
		want error
		msg  string
	}{
		{"no type", Entry{}, nil, "without a type"},
		{"data not an object", Entry{Type: "x", Data: []int{1}}, nil, "must be a JSON object"},
		{"data a string", Entry{Type: "x", Data: "s"}, nil, "must be a JSON object"},
		{"data not marshallable", Entry{Type: "x", Data: map[string]any{"c": make(chan int)}}, nil, "data"},
		{"too large", Entry{Type: "x", Data: map[string]any{"s": strings.Repeat("a", MaxEntrySize)}}, ErrEntryTooLarge, "at most 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.e.encode()
			if err == nil || !strings.Contains(err.Error(), tt.msg) || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("encode = %v; want %q", err, tt.msg)
			}
		})
	}
}

// TestTileExtents checks which tiles a tree has against the example of
// C2SP tlog-tiles: a tree of 70,000 entries has 273 full level-0 tiles and
// a partial one of width 112, one full level-1 tile and a partial one of
// width 17, and a partial level-2 tile of width 1.
func TestTileExtents(t *testing.T) {
	const size = 70000
	exists := func(tl tlog.Tile) bool {
		end, ok := tileEnd(tl)
		return ok && end <= size
	}
	var full, partial [3]int
	widths := map[int]int{}
	for _, tl := range tlog.NewTiles(TileHeight, 0, size) {
		if !exists(tl) {
			t.Errorf("%s should exist", TilePath(tl))
		}
		if tl.W == tileWidth {
			full[tl.L]++
			continue
		}
		partial[tl.L]++
		widths[tl.L] = tl.W
		wider := tl
		wider.W++
		if exists(wider) {
			t.Errorf("%s should not exist", TilePath(wider))
		}
		wider.W = tileWidth
		if exists(wider) {
			t.Errorf("%s should not exist", TilePath(wider))
		}
	}
	if full != [3]int{273, 1, 0} || partial != [3]int{1, 1, 1} || widths[0] != 112 || widths[1] != 17 || widths[2] != 1 {
		t.Fatalf("full %v, partial %v, widths %v", full, partial, widths)
	}
	for _, tl := range []tlog.Tile{{H: 8, L: 3, N: 0, W: 1}, {H: 8, L: 0, N: 274, W: 1}, {H: 8, L: 7, N: 1 << 40, W: 1}, {H: 8, L: 63, N: 0, W: 1}, {H: 8, L: 0, N: 1 << 62, W: 256}} {
		if exists(tl) {
			t.Errorf("%s should not exist", TilePath(tl))
		}
	}
}

func TestTilePaths(t *testing.T) {
	tests := []struct {
		path string
		tile tlog.Tile
		ok   bool
	}{
		{"tile/0/000", tlog.Tile{H: 8, L: 0, N: 0, W: 256}, true},
		{"tile/0/x001/x234/067.p/8", tlog.Tile{H: 8, L: 0, N: 1234067, W: 8}, true},
		{"tile/2/000.p/1", tlog.Tile{H: 8, L: 2, N: 0, W: 1}, true},
		{"tile/entries/x001/234.p/255", tlog.Tile{H: 8, L: -1, N: 1234, W: 255}, true},
		{"tile/entries/000", tlog.Tile{H: 8, L: -1, N: 0, W: 256}, true},
		{"tile/0/0", tlog.Tile{}, false},           // not zero-padded
		{"tile/00/000", tlog.Tile{}, false},        // leading zero in the level
		{"tile/-1/000", tlog.Tile{}, false},        // negative level
		{"tile/64/000", tlog.Tile{}, false},        // level beyond 63
		{"tile/0/000.p/0", tlog.Tile{}, false},     // empty tile
		{"tile/0/000.p/256", tlog.Tile{}, false},   // a full tile is not partial
		{"tile/0/000.p/07", tlog.Tile{}, false},    // leading zero in the width
		{"tile/0/x000/001", tlog.Tile{}, false},    // non-canonical index
		{"tile/0/001/002", tlog.Tile{}, false},     // missing x
		{"tile/data/000", tlog.Tile{}, false},      // x/mod's name for entries
		{"tile/8/0/000", tlog.Tile{}, false},       // x/mod's path with the height
		{"tile/entries/000.p", tlog.Tile{}, false}, // no width
		{"tile/0/000/extra", tlog.Tile{}, false},   // trailing element
		{"tiles/0/000", tlog.Tile{}, false},        // wrong prefix
		{"tile/entries/-01", tlog.Tile{}, false},   // negative index
		{"tile/0/000.p/1/", tlog.Tile{}, false},    // trailing slash
		{"tile/+1/000", tlog.Tile{}, false},        // sign
		{"tile/0/1000", tlog.Tile{}, false},        // element of four digits
		{"tile/0/x1000/000", tlog.Tile{}, false},   // element of four digits
		{"tile/entries/x001/234.p/8a", tlog.Tile{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTilePath(tt.path)
		if ok != tt.ok || ok && got != tt.tile {
			t.Errorf("parseTilePath(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.tile, tt.ok)
		}
		if ok && TilePath(got) != tt.path {
			t.Errorf("TilePath(%+v) = %q, want %q", got, TilePath(got), tt.path)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	e := Entry{Type: DocumentValidated, Actor: "bench", Time: time.Now(),
		Subject: Subject{SHA256: strings.Repeat("ab", 32), Dossier: "H62-BENCH"},
		Data:    map[string]any{"indication": "TOTAL-PASSED", "report": 12345}}
	for b.Loop() {
		enc, err := e.encode()
		if err != nil {
			b.Fatal(err)
		}
		LeafHash(enc.body(1234567))
	}
}

func BenchmarkParseBody(b *testing.B) {
	e := Entry{Type: DocumentValidated, Actor: "bench", Time: time.Now(),
		Subject: Subject{SHA256: strings.Repeat("ab", 32), Dossier: "H62-BENCH"},
		Data:    map[string]any{"indication": "TOTAL-PASSED", "report": 12345}}
	enc, _ := e.encode()
	raw := enc.body(1234567)
	for b.Loop() {
		if _, err := parseBody(raw); err != nil {
			b.Fatal(err)
		}
	}
}
