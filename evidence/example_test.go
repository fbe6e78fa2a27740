package evidence_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
