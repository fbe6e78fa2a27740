package signer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// verifyOffline validates a file with nothing but what it embeds (and the
// dev root as the anchor) and returns the report.
func verifyOffline(t *testing.T, f *fixture, file string) *verifier.Report {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	rep, err := verifier.Verify(context.Background(), fh, st.Size(), verifier.Options{Trust: f.pki.TrustStore(), AllowOnline: false})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func inspectFile(t *testing.T, file string) *signer.LTAState {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := signer.Inspect(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestExtendToLTA brings documents signed at every lower level, by kyso and
// by poppler, to B-LTA, and checks the result offline in kyso's verifier
// and in pdfsig.
func TestExtendToLTA(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	type step struct {
		who   string
		level signer.Level
	}
	cases := map[string]struct {
		input string
		steps []step
	}{
		"one B-B":            {"formfields", []step{{"head", signer.LevelBB}}},
		"B-T then B-B":       {"formfields", []step{{"head", signer.LevelBT}, {"seal", signer.LevelBB}}},
		"B-LT":               {"pdf20", []step{{"seal", signer.LevelBLT}}},
		"xref stream, B-T":   {"xrefstream", []step{{"intake", signer.LevelBT}}},
		"signed by pdfsig":   {"pdfsig-signed", nil},
		"pdfsig, then kyso ": {"pdfsig-signed", []step{{"head", signer.LevelBT}}},
	}
	for name, c := range cases {
		t.Run(strings.TrimSpace(name), func(t *testing.T) {
			cur := f.input(t, c.input)
			for i, s := range c.steps {
				out := f.path(strings.ReplaceAll(name, " ", "_") + string(rune('a'+i)) + ".pdf")
				signFile(t, cur, out, &signer.Options{Credential: f.pki.Credential(t, s.who), Level: s.level, TSA: f.pki.TSA()})
				cur = out
			}
			if inspectFile(t, cur).LTA {
				t.Fatal("Inspect says the input already is B-LTA")
			}
			out := f.path(strings.ReplaceAll(name, " ", "_") + "-lta.pdf")
			res, err := signer.ExtendFile(ctx, cur, out, &signer.ExtendOptions{TSA: f.pki.TSA()})
			if err != nil {
				t.Fatalf("extend: %v", err)
			}
			if !res.Changed || res.TimeStamp.IsZero() {
				t.Errorf("result %+v: want a change with a time-stamp", res)
			}
			in, _ := os.ReadFile(cur)
			got, _ := os.ReadFile(out)
			if !bytes.HasPrefix(got, in) || int64(len(got)) != res.Size {
				t.Fatal("the input is not a prefix of the output, or the size is wrong")
			}
			st := inspectFile(t, out)
			if !st.LTA || st.Latest == nil {
				t.Fatalf("Inspect: not B-LTA after Extend: %+v", st)
			}
			rep := verifyOffline(t, f, out)
			if rep.Indication != verifier.TotalPassed {
				t.Fatalf("verifier: %s: %s", rep.Indication, rep.Reason)
			}
			for _, s := range rep.Signatures {
				if s.Kind == "signature" && s.SubFilter == "ETSI.CAdES.detached" && s.Level != "B-LTA" {
					t.Errorf("signature %s is %s, want B-LTA", s.Field, s.Level)
				}
				if s.Kind != "signature" {
					continue
				}
				for _, r := range s.Revocation {
					if !r.Embedded || r.Status != "good" {
						t.Errorf("signature %s: revocation of %s: %+v (want good from embedded data)", s.Field, r.Subject, r)
					}
				}
			}
			qpdfCheck(t, out)
			for _, s := range runPdfsig(t, f.nssdb, out) {
				if s.Type == "ETSI.RFC3161" || strings.Contains(s.Field, "DocTimeStamp") {
					continue
				}
				if s.Validation != "Signature is Valid." || s.Certificate != "Certificate is Trusted." {
					t.Errorf("pdfsig: %s: %s / %s", s.Field, s.Validation, s.Certificate)
				}
			}

			// Extending again changes nothing.
			again := f.path(strings.ReplaceAll(name, " ", "_") + "-again.pdf")
			res2, err := signer.ExtendFile(ctx, out, again, &signer.ExtendOptions{TSA: f.pki.TSA()})
			if err != nil {
				t.Fatal(err)
			}
			b2, _ := os.ReadFile(again)
			if res2.Changed || !bytes.Equal(b2, got) {
				t.Error("extending a B-LTA document changed it")
			}
		})
	}
}

// TestRenewLTA renews a B-LTA document twice: each renewal adds the
// validation data of the previous document time-stamp and a new one.
func TestRenewLTA(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(t, "formfields")
	lta := f.path("lta.pdf")
	signFile(t, in, lta, &signer.Options{Credential: f.pki.Credential(t, "head"), Level: signer.LevelBLTA, TSA: f.pki.TSA()})
	cur := lta
	for round := 1; round <= 2; round++ {
		before := inspectFile(t, cur)
		out := f.path("renewed" + string(rune('0'+round)) + ".pdf")
		res, err := signer.RenewFile(ctx, cur, out, &signer.ExtendOptions{TSA: f.pki.TSA()})
		if err != nil {
			t.Fatalf("renew %d: %v", round, err)
		}
		if !res.Changed || res.Signatures != 1 {
			t.Errorf("renew %d: %+v", round, res)
		}
		after := inspectFile(t, out)
		if len(after.Signatures) != len(before.Signatures)+1 || !after.LTA {
			t.Fatalf("renew %d: %d signatures (was %d), LTA %v", round, len(after.Signatures), len(before.Signatures), after.LTA)
		}
		// The previous document time-stamp now has its VRI entry; the new one has none.
		prev := after.Signatures[len(after.Signatures)-2]
		if !prev.DocTimeStamp || !prev.HasVRI {
			t.Errorf("renew %d: the previous document time-stamp has no validation data: %+v", round, prev)
		}
		if after.Latest.HasVRI || after.Latest.TimeStamp.Before(prev.TimeStamp) {
			t.Errorf("renew %d: latest time-stamp %+v", round, after.Latest)
		}
		rep := verifyOffline(t, f, out)
		if rep.Indication != verifier.TotalPassed {
			t.Fatalf("renew %d: verifier: %s: %s", round, rep.Indication, rep.Reason)
		}
		dts := 0
		for _, s := range rep.Signatures {
			if s.Kind == "signature" && s.Level != "B-LTA" {
				t.Errorf("renew %d: %s is %s", round, s.Field, s.Level)
			}
			if s.Kind == "document-timestamp" {
				dts++
			}
		}
		if dts != round+1 {
			t.Errorf("renew %d: %d document time-stamps, want %d", round, dts, round+1)
		}
		for _, s := range runPdfsig(t, f.nssdb, out) {
			if s.Type != "ETSI.RFC3161" && !strings.Contains(s.Field, "DocTimeStamp") && s.Validation != "Signature is Valid." {
				t.Errorf("pdfsig: %s: %s", s.Field, s.Validation)
			}
		}
		cur = out
	}
}

func TestExtendErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	plain := f.path("plain.pdf")
	must(t, testpdf.File(plain, testpdf.Options{}))
	bt := f.path("bt.pdf")
	signFile(t, plain, bt, &signer.Options{Credential: f.pki.Credential(t, "head"), Level: signer.LevelBT, TSA: f.pki.TSA()})
	cases := []struct {
		name  string
		renew bool
		in    string
		opts  *signer.ExtendOptions
		want  error
	}{
		{"unsigned", false, plain, &signer.ExtendOptions{TSA: f.pki.TSA()}, signer.ErrNotSigned},
		{"no TSA", false, bt, &signer.ExtendOptions{}, signer.ErrBadOptions},
		{"renew without document time-stamp", true, bt, &signer.ExtendOptions{TSA: f.pki.TSA()}, signer.ErrNoDocumentTimeStamp},
		{"TSA down", false, bt, &signer.ExtendOptions{TSA: &signer.TSA{URL: "http://127.0.0.1:1/tsa"}}, signer.ErrTSA},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := f.path(strings.ReplaceAll(c.name, " ", "_") + ".pdf")
			var err error
			if c.renew {
				_, err = signer.RenewFile(ctx, c.in, out, c.opts)
			} else {
				_, err = signer.ExtendFile(ctx, c.in, out, c.opts)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed extension left an output file")
			}
		})
	}
}
