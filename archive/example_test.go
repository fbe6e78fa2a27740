package archive_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/archive/archivetest"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// A closed dossier is exported as a BagIt package and verified offline.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kyso-archive-example")
	defer os.RemoveAll(dir)
	st, _ := storage.Open(ctx, storage.Config{DataDir: dir})
	defer st.Close()
	key, vkey, _ := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.example/evidence")
	log, _ := evidence.New(st.Meta, evidence.Options{Signer: key, VerifierKey: vkey})

	// The dossier domain's records; here the in-memory test store.
	src := archivetest.New(st.Objects, log, st.Meta)
	code := "000.00.12.H62-250701-0003"
	at := time.Date(2025, 7, 1, 2, 15, 0, 0, time.UTC)
	src.Create(&archive.Dossier{Code: code, Title: "Đăng ký khai sinh", UnitCode: "000.00.12.H62", Opened: at, Closed: at.Add(2 * time.Hour)})
	src.ChangeState(code, archive.StateChange{To: "received", Actor: "intake:lan", Time: at})
	src.AddVersionBytes(ctx, code, "to-khai", archive.Version{Kind: archive.Received, Role: "application", Source: "upload",
		MediaType: "text/plain", Name: "tờ khai.txt", Created: at}, []byte("Tờ khai đăng ký khai sinh"))
	src.ChangeState(code, archive.StateChange{From: "received", To: "done", Actor: "head:binh", Time: at.Add(2 * time.Hour)})
	src.Flush(ctx)

	file := filepath.Join(dir, "ho-so.tar")
	res, err := archive.Export(ctx, file, archive.ExportOptions{Source: src, Evidence: archive.LogEvidence(log, vkey),
		Select: archive.Selection{Codes: []string{code}}, Organization: "UBND huyện Tam Dương"})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.Open(file)
	defer f.Close()
	rep, _ := archive.Verify(ctx, f, res.Size, archive.VerifyOptions{})
	fmt.Println(res.Dossiers, res.PayloadFiles, rep.OK, rep.Checkpoints[0].Size)
	// Output: [000.00.12.H62-250701-0003] 8 true 3
}
