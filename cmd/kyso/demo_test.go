package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// freeURL is http://127.0.0.1:PORT of a free loopback port, for the
// development PKI's responders (not the default 18181 that parallel runs
// would fight over).
func freeURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// demoData is a data directory holding a development PKI made now, as
// `kyso pki init` or a first `kyso serve` leave it.
func demoData(t *testing.T) (data, pkiURL string) {
	t.Helper()
	pkiURL, data = freeURL(t), t.TempDir()
	if code, _, stderr := kyso(t, context.Background(), "--data", data, "pki", "init", filepath.Join(data, "pki"), "--url", pkiURL); code != exitOK {
		t.Fatalf("pki init: %d %s", code, stderr)
	}
	return data, pkiURL
}

// runDemoJSON runs kyso --data DATA demo --json FLAGS and decodes its output.
func runDemoJSON(t *testing.T, data string, flags ...string) *demoFile {
	t.Helper()
	began := time.Now()
	code, out, stderr := kyso(t, context.Background(), append([]string{"--data", data, "demo", "--json"}, flags...)...)
	if code != exitOK {
		t.Fatalf("kyso demo: exit %d: %s", code, stderr)
	}
	t.Logf("kyso demo --json %s: %s", strings.Join(flags, " "), time.Since(began).Round(time.Millisecond))
	var f demoFile
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("kyso demo --json is not JSON: %v\n%s", err, out)
	}
	return &f
}

var allStates = []dossier.State{dossier.StateSubmitted, dossier.StateReceived, dossier.StateAccepted, dossier.StateSupplement,
	dossier.StateRejected, dossier.StateProcessing, dossier.StateSigned, dossier.StateReady, dossier.StateReturned,
	dossier.StateCancelled, dossier.StateVoid}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds five provinces (~15 s)")
	}
	ctx := context.Background()
	data, pkiURL := t.TempDir(), freeURL(t)
	f := runDemoJSON(t, data, "--pki-url", pkiURL)

	// Every state, the showcase first with its verification URL.
	states := map[string]int{}
	for _, d := range f.Dossiers {
		states[d.State]++
	}
	for _, s := range allStates {
		if states[string(s)] == 0 {
			t.Errorf("no dossier in state %s (states: %v)", s, states)
		}
	}
	show := f.Dossiers[0]
	if show.State != string(dossier.StateReturned) || !strings.HasPrefix(show.VerificationURL, "http://127.0.0.1:8080/v/") ||
		!strings.Contains(show.Story, "showcase") || show.Profile != "vinh-phuc" {
		t.Fatalf("first dossier is not the returned showcase: %+v", show)
	}
	if len(f.VerificationURLs) == 0 || f.VerificationURLs[0] != show.VerificationURL || f.ConsoleURL != "http://127.0.0.1:8080/" {
		t.Errorf("console %q, verification URLs %v", f.ConsoleURL, f.VerificationURLs)
	}
	profiles := map[string]bool{}
	for _, d := range f.Dossiers {
		profiles[d.Profile] = true
		if d.DossierCode == "" || d.Procedure == "" {
			t.Errorf("dossier without code or procedure: %+v", d)
		}
	}
	if len(profiles) != 5 {
		t.Errorf("dossiers of %d profiles, want 5: %v", len(profiles), profiles)
	}

	// Accounts: unique, with passwords, every role in every province, and
	// a key for each in DATA/keys.
	keys := keystore.Dir(filepath.Join(data, "keys"))
	seen := map[string]bool{}
	roles := map[string]map[string]bool{}
	for _, a := range f.Accounts {
		if seen[a.Username] {
			t.Errorf("account %s listed twice", a.Username)
		}
		seen[a.Username] = true
		if len(a.Password) < 10 || a.FullName == "" || a.Unit == "" || a.UnitName == "" {
			t.Errorf("incomplete account %+v", a)
		}
		if roles[a.Profile] == nil {
			roles[a.Profile] = map[string]bool{}
		}
		for _, r := range a.Roles {
			roles[a.Profile][r] = true
		}
		if _, err := keys.Credential(ctx, a.Username); err != nil {
			t.Errorf("no signing key kept for %s: %v", a.Username, err)
		}
	}
	for p, rs := range roles {
		for _, r := range []string{"intake", "specialist", "head", "seal", "archivist", "admin"} {
			if !rs[r] {
				t.Errorf("%s has no %s account", p, r)
			}
		}
	}

	// demo.json: the same content, readable by its owner only.
	path := filepath.Join(data, demoFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("demo.json mode %o, want 600", fi.Mode().Perm())
	}
	onDisk, _ := os.ReadFile(path)
	var saved demoFile
	if err := json.Unmarshal(onDisk, &saved); err != nil || len(saved.Accounts) != len(f.Accounts) || saved.Dossiers[0] != f.Dossiers[0] {
		t.Errorf("demo.json differs from the --json output (%v)", err)
	}

	// The evidence log verifies.
	if code, out, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify: exit %d %s %s", code, out, stderr)
	}

	// A second run refuses and changes nothing.
	if code, _, stderr := kyso(t, ctx, "--data", data, "demo"); code != exitUsage || !strings.Contains(stderr, "already holds demo data") || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d %q; want exit 2 naming --force", code, stderr)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, onDisk) {
		t.Error("the refused run rewrote demo.json")
	}
	if code, _, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify after the refused run: %s", stderr)
	}

	// The showcase's result, looked up by its code, validates.
	verifyShowcase(t, data, pkiURL, show.VerificationURL)
}

// verifyShowcase checks that the result a verification URL leads to
// validates in kyso's verifier (the responders served again, as kyso
// serve does) and in pdfsig: the head's personal and the unit's seal
// signatures, B-T, no warnings.
func verifyShowcase(t *testing.T, data, pkiURL, vurl string) {
	t.Helper()
	ctx := context.Background()
	pki, err := certs.LoadDevPKI(filepath.Join(data, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Addr: strings.TrimPrefix(pkiURL, "http://"), Handler: certs.NewResponder(pki)}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	result := showcaseResult(t, data, pki, vurl[strings.LastIndex(vurl, "/")+1:])
	file := filepath.Join(t.TempDir(), "showcase.pdf")
	if err := os.WriteFile(file, result, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := kyso(t, ctx, "verify", file, "--json", "--trust", filepath.Join(data, "pki", "root.crt"), "--allow-online", "--revocation", "hard")
	var rep struct {
		Indication string `json:"indication"`
		Signatures []struct {
			Indication string   `json:"indication"`
			Warnings   []string `json:"warnings"`
			Signer     struct {
				Name         string `json:"name"`
				Organisation bool   `json:"organisation"`
			} `json:"signer"`
			Level string `json:"level"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || rep.Indication != "TOTAL-PASSED" || len(rep.Signatures) != 2 {
		t.Fatalf("kyso verify of the showcase result: exit %d %v %s %s", code, err, out, stderr)
	}
	if head, seal := rep.Signatures[0], rep.Signatures[1]; head.Signer.Organisation || !seal.Signer.Organisation || head.Level != "B-T" || seal.Level != "B-T" || len(head.Warnings)+len(seal.Warnings) > 0 {
		t.Errorf("signatures: head %+v, seal %+v; want the head's personal and the unit's seal, B-T, no warnings", head, seal)
	}
	pdfsig, certutil := testenv.Tool(t, "pdfsig"), testenv.Tool(t, "certutil")
	nss := (&testpki.PKI{DevPKI: pki}).NSSDB(t, certutil)
	ps, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nss, file).CombinedOutput()
	if strings.Count(string(ps), "Signature is Valid.") != 2 || strings.Count(string(ps), "Certificate is Trusted.") != 2 {
		t.Errorf("pdfsig does not validate both signatures of the showcase result:\n%s", ps)
	}
}

// showcaseResult returns the bytes of the result a verification code leads to.
func showcaseResult(t *testing.T, data string, pki *certs.DevPKI, vcode string) []byte {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.Config{DataDir: data, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, vk, err := evidence.LoadKey(filepath.Join(data, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	sk, _, _ := evidence.LoadKey(filepath.Join(data, "log.key"))
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		t.Fatal(err)
	}
	cals, err := wire.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dossier.New(st, lg, dossier.Options{Calendars: cals, Inspector: &wire.Inspector{Trust: pki.TrustStore()}})
	if err != nil {
		t.Fatal(err)
	}
	lk, err := eng.Lookup(ctx, vcode)
	if err != nil {
		t.Fatal(err)
	}
	if lk.Dossier.State != dossier.StateReturned || lk.Result.Assessment == nil || lk.Result.Assessment.Status != dossier.StatusValid {
		t.Fatalf("the showcase's result: dossier %s, assessment %+v", lk.Dossier.State, lk.Result.Assessment)
	}
	rc, err := eng.Open(ctx, lk.Result)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDemoForce: a second run refuses; --force adds a round into data
// holding a demo, keeping the accounts' passwords and keys; the log still
// verifies.
func TestDemoForce(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a province twice")
	}
	ctx := context.Background()
	data, pkiURL := demoData(t)
	first := runDemoJSON(t, data, "--profiles", "vinh-phuc")
	if len(first.Accounts) != 14 || len(first.Dossiers) != 3 {
		t.Fatalf("vinh-phuc alone: %d accounts, %d dossiers; want 14 and 3", len(first.Accounts), len(first.Dossiers))
	}
	keys := keystore.Dir(filepath.Join(data, "keys"))
	before, err := keys.Credential(ctx, first.Accounts[0].Username)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := kyso(t, ctx, "--data", data, "demo", "--profiles", "vinh-phuc"); code != exitUsage {
		t.Fatalf("second run without --force: exit %d %s", code, stderr)
	}
	second := runDemoJSON(t, data, "--profiles", "vinh-phuc,quang-ngai", "--force")
	if len(second.Accounts) != 28 || len(second.Dossiers) != 3+3+2 {
		t.Fatalf("after --force: %d accounts, %d dossiers; want 28 and 8", len(second.Accounts), len(second.Dossiers))
	}
	pw := map[string]string{}
	for _, a := range second.Accounts {
		pw[a.Username] = a.Password
	}
	for _, a := range first.Accounts {
		if pw[a.Username] != a.Password {
			t.Errorf("%s: the password changed in the second round", a.Username)
		}
	}
	codes := map[string]bool{}
	for _, d := range second.Dossiers {
		if codes[d.DossierCode] {
			t.Errorf("dossier %s listed twice", d.DossierCode)
		}
		codes[d.DossierCode] = true
	}
	for _, d := range first.Dossiers {
		if !codes[d.DossierCode] {
			t.Errorf("the first round's %s is no longer listed", d.DossierCode)
		}
	}
	after, err := keys.Credential(ctx, first.Accounts[0].Username)
	if err != nil || !after.Certificate.Equal(before.Certificate) {
		t.Errorf("the second round replaced %s's certificate (%v)", first.Accounts[0].Username, err)
	}
	if code, _, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify after two rounds: %s", stderr)
	}
	// The PKI was made before the stories' days: its time-stamps carry
	// its own earliest time, and the results still validate.
	verifyShowcase(t, data, pkiURL, second.Dossiers[0].VerificationURL)
}

// TestDemoPostgresMinIO seeds into PostgreSQL and MinIO (the stores of a
// production deployment) and verifies the log and every object there.
func TestDemoPostgresMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds two provinces")
	}
	pg := storagetest.PostgresURL(t)
	s3 := storagetest.S3Config(t)
	t.Setenv("KYSO_DATABASE_URL", pg)
	t.Setenv("KYSO_S3_ENDPOINT", s3.Endpoint)
	t.Setenv("KYSO_S3_BUCKET", s3.Bucket)
	t.Setenv("KYSO_S3_ACCESS_KEY", s3.AccessKey)
	t.Setenv("KYSO_S3_SECRET_KEY", s3.SecretKey)
	ctx := context.Background()
	data, _ := demoData(t)
	f := runDemoJSON(t, data, "--profiles", "vinh-phuc,binh-phuoc")
	if len(f.Dossiers) != 5 || f.Dossiers[0].State != string(dossier.StateReturned) {
		t.Fatalf("dossiers %+v", f.Dossiers)
	}
	if _, err := os.Stat(filepath.Join(data, storage.SQLiteFile)); err == nil {
		t.Error("the demo wrote SQLite although KYSO_DATABASE_URL is set")
	}
	for _, args := range [][]string{{"log", "verify"}, {"storage", "verify"}} {
		if code, out, stderr := kyso(t, ctx, append([]string{"--data", data}, args...)...); code != exitOK {
			t.Errorf("%v: exit %d %s %s", args, code, out, stderr)
		}
	}
	if code, _, stderr := kyso(t, ctx, "--data", data, "demo", "--profiles", "vinh-phuc"); code != exitUsage || !strings.Contains(stderr, "already holds demo data") {
		t.Errorf("second run on PostgreSQL: exit %d %q", code, stderr)
	}
}

func TestDemoFlags(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"demo", "--profiles", "ha-noi"}, `unknown profile "ha-noi"`},
		{[]string{"demo", "--profiles", ","}, "no profile"},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
		{[]string{"demo", "--bogus"}, "bogus"},
	} {
		code, _, stderr := kyso(t, ctx, append([]string{"--data", data}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.contains) {
			t.Errorf("%v: exit %d %q; want 2 containing %q", tc.args, code, stderr, tc.contains)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) > 0 {
		t.Errorf("refused runs left files in the data directory: %v", entries)
	}
	t.Setenv("KYSO_LISTEN", "nonsense")
	if code, _, stderr := kyso(t, ctx, "--data", data, "demo"); code != exitUsage || !strings.Contains(stderr, "KYSO_LISTEN") {
		t.Errorf("bad KYSO_LISTEN: exit %d %q", code, stderr)
	}
}

// TestDemoFailureMidway: when seeding stops after the first province (its
// keys cannot be kept), what was recorded still verifies, a plain rerun
// refuses, and --force completes the demo on top of it.
func TestDemoFailureMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds two provinces")
	}
	ctx := context.Background()
	data, _ := demoData(t)
	blocker := filepath.Join(data, "keys")
	if err := os.WriteFile(blocker, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := kyso(t, ctx, "--data", data, "demo", "--profiles", "vinh-phuc,quang-ngai")
	if code != exitFailed || !strings.Contains(stderr, "seeding stopped") || !strings.Contains(stderr, "--force") {
		t.Fatalf("demo with DATA/keys a file: exit %d %q; want 1 saying how to go on", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, demoFileName)); !os.IsNotExist(err) {
		t.Errorf("a failed demo wrote demo.json (%v)", err)
	}
	if code, out, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify after the failure: exit %d %s %s", code, out, stderr)
	}
	os.Remove(blocker)
	if code, _, _ := kyso(t, ctx, "--data", data, "demo", "--profiles", "vinh-phuc,quang-ngai"); code != exitUsage {
		t.Errorf("rerun without --force: exit %d, want 2", code)
	}
	f := runDemoJSON(t, data, "--profiles", "vinh-phuc,quang-ngai", "--force")
	if len(f.Accounts) != 28 || len(f.Dossiers) != 5 {
		t.Errorf("after --force: %d accounts, %d dossiers; want 28 and 5", len(f.Accounts), len(f.Dossiers))
	}
	if code, _, stderr := kyso(t, ctx, "--data", data, "log", "verify"); code != exitOK {
		t.Fatalf("log verify after --force: %s", stderr)
	}
}

func TestConsoleURL(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{":9000", "http://127.0.0.1:9000/"},
		{"0.0.0.0:80", "http://127.0.0.1:80/"},
		{"[::]:8443", "http://127.0.0.1:8443/"},
		{"[::1]:8080", "http://[::1]:8080/"},
		{"kyso.local:8080", "http://kyso.local:8080/"},
		{"8080", ""},
	} {
		got, err := consoleURL(tc.listen)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("consoleURL(%q) = %q, %v; want %q", tc.listen, got, err, tc.want)
		}
	}
}

func TestDemoPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := newDemoPassword()
		if len(p) != 14 || strings.Count(p, "-") != 2 || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("password %q: want 3 groups of 4 without look-alikes", p)
		}
		if seen[p] {
			t.Fatalf("password %q drawn twice", p)
		}
		seen[p] = true
	}
}
