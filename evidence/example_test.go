package evidence_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// A document arrives: its bytes go to the object store, its row and its
// evidence entry commit together, and an offline client checks the proof.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kyso-example")
	defer os.RemoveAll(dir)

	store, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.example/evidence")
	log, _ := evidence.New(store.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})

	doc, index, err := log.Ingest(ctx, store, strings.NewReader("%PDF-1.7 đơn đề nghị"),
		storage.DocumentMeta{MediaType: "application/pdf", Name: "don.pdf", Source: "upload", Dossier: "H62-0001"}, "intake:lan")
	if err != nil {
		fmt.Println(err)
		return
	}
	cp, _ := log.Checkpoint(ctx)
	proof, _ := log.InclusionProof(ctx, index, cp.Size)
	entry, _ := log.Entry(ctx, index)

	// Offline: parse the checkpoint with the public key, check the proof.
	v, _ := evidence.ParseCheckpoint(cp.Note, log.Verifier())
	fmt.Println(doc.ID, index, entry.Type, entry.Subject.SHA256 == doc.SHA256.String(), evidence.VerifyInclusion(v, index, entry.Body, proof))
	// Output: 1 0 document.received true <nil>
}

// The log served in the C2SP tlog-tiles layout, read by a standard client
// (golang.org/x/mod/sumdb/tlog) that proves an entry against the served
// checkpoint.
func ExampleLog_Handler() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kyso-example")
	defer os.RemoveAll(dir)
	store, _ := storage.Open(ctx, storage.Config{DataDir: dir})
	defer store.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.example/evidence")
	log, _ := evidence.New(store.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	for i := range 300 {
		log.Add(ctx, evidence.Entry{Type: evidence.DossierState, Data: map[string]any{"to": i}})
	}
	srv := httptest.NewServer(http.StripPrefix("/log", log.Handler()))
	defer srv.Close()

	get := func(path string) []byte {
		resp, err := http.Get(srv.URL + "/log/" + path)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	cp, err := evidence.ParseCheckpoint(get("checkpoint"), log.Verifier())
	if err != nil {
		fmt.Println(err)
		return
	}
	tree := tlog.Tree{N: int64(cp.Size), Hash: tlog.Hash(cp.Root)}
	tiles := tlog.TileHashReader(tree, tileReader(func(t tlog.Tile) []byte { return get(evidence.TilePath(t)) }))
	proof, err := tlog.ProveRecord(tree.N, 260, tiles)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Entry 260 is the fifth of the second bundle (tile/entries/001.p/44).
	bundle := get("tile/entries/001.p/44")
	for range 4 {
		bundle = bundle[2+int(binary.BigEndian.Uint16(bundle)):]
	}
	entry := bundle[2 : 2+int(binary.BigEndian.Uint16(bundle))]
	fmt.Println(cp.Size, evidence.TilePath(tlog.Tile{H: 8, L: 0, N: 1, W: 44}), tlog.CheckRecord(proof, tree.N, tree.Hash, 260, tlog.RecordHash(entry)))
	// Output: 300 tile/0/001.p/44 <nil>
}

// tileReader is a tlog.TileReader over a fetch function.
type tileReader func(tlog.Tile) []byte

func (f tileReader) Height() int { return evidence.TileHeight }

func (f tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = f(t)
	}
	return out, nil
}

func (f tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// A checkpointer publishes each new checkpoint, here to a file kept
// outside the database, which `kyso log verify --checkpoint` can check
// the log against later.
func ExampleLog_RunCheckpointer() {
	ctx, cancel := context.WithCancel(context.Background())
	dir, _ := os.MkdirTemp("", "kyso-example")
	defer os.RemoveAll(dir)
	store, _ := storage.Open(ctx, storage.Config{DataDir: dir})
	defer store.Close()
	signer, vkey, _ := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.example/evidence")
	log, _ := evidence.New(store.Meta, evidence.Options{Signer: signer, VerifierKey: vkey})
	log.Add(ctx, evidence.Entry{Type: evidence.DocumentReceived})

	published := make(chan uint64, 1)
	stopped := make(chan error)
	go func() {
		stopped <- log.RunCheckpointer(ctx, time.Second, func(ctx context.Context, cp evidence.Checkpoint) error {
			if err := os.WriteFile(filepath.Join(dir, "anchor.checkpoint"), cp.Note, 0o600); err != nil {
				return err
			}
			published <- cp.Size
			return nil
		})
	}()
	fmt.Println("published a checkpoint of", <-published, "entries")
	cancel()
	fmt.Println("stopped:", <-stopped)
	// Output:
	// published a checkpoint of 1 entries
	// stopped: <nil>
}
