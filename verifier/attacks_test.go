package verifier_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/verifier"
)

// TestAttackCorpus runs the verifier over every file of testdata/attacks
// (made by testdata/attacks/gen) and checks the verdict its manifest
// expects: honest controls pass, every attack fails or is indeterminate
// as stated. Validation is offline, at the corpus's validation time.
func TestAttackCorpus(t *testing.T) {
	dir := filepath.Join("..", "testdata", "attacks")
	var manifest []struct {
		File, Class, Variant, Expected, Reason string
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	var corpus struct {
		ValidateAt time.Time `json:"validate_at"`
	}
	b, _ = os.ReadFile(filepath.Join(dir, "corpus.json"))
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatal(err)
	}
	trust, err := certs.LoadTrustStore(filepath.Join(dir, "pki", "root.crt"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]verifier.Indication{"valid": verifier.TotalPassed, "invalid": verifier.TotalFailed, "indeterminate": verifier.Indeterminate}
	classes := map[string]bool{}
	for _, m := range manifest {
		classes[m.Class] = true
		t.Run(m.File, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, m.File))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			rep, err := verifier.Verify(context.Background(), f, st.Size(), verifier.Options{Trust: trust, At: corpus.ValidateAt})
			got := verifier.Indication("")
			if err == nil {
				got = rep.Indication
			} else if m.Expected == "invalid" {
				got = verifier.TotalFailed // unreadable as a PDF: rejected
			}
			if got != want[m.Expected] {
				reason := ""
				if rep != nil {
					reason = rep.Reason
				}
				t.Errorf("%s (%s): got %s (%v %s), want %s — %s", m.Class, m.Variant, got, err, reason, m.Expected, m.Reason)
			}
		})
	}
	for _, c := range []string{"control", "USF", "ISA", "SWA", "Shadow", "EAA", "SSA"} {
		if !classes[c] {
			t.Errorf("the corpus has no %s file", c)
		}
	}
}
