package pdf

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// qpdfPath returns the qpdf command, or skips the test if it is missing.
func qpdfPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("qpdf")
	if err != nil {
		t.Skip("qpdf not installed")
	}
	return p
}

// qpdfCheck runs "qpdf --check" on data and returns its exit code (0: fine,
// 3: warnings, 2: errors) and output.
func qpdfCheck(t testing.TB, data []byte) (int, string) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(qpdfPath(t), "--check", name).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

var badJSONReal = regexp.MustCompile(`(?m)^(\s*(?:"[^"]*": )?-?\d+)\.(,?)$`)

// qpdfObjects returns qpdf's view of the latest revision's objects, keyed
// "obj:N G R" and "trailer".
func qpdfObjects(t testing.TB, data []byte) map[string]map[string]any {
	t.Helper()
	name := filepath.Join(t.TempDir(), "objects.pdf")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(qpdfPath(t), "--json=2", "--json-key=qpdf", name).Output()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 3) {
		t.Fatalf("qpdf --json: %v", err)
	}
	// qpdf copies reals such as "6." verbatim, which is not JSON.
	out = badJSONReal.ReplaceAll(out, []byte("$1.0$2"))
	var doc struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("qpdf json: %v", err)
	}
	var objs map[string]map[string]any
	dec = json.NewDecoder(bytes.NewReader(doc.QPDF[1]))
	dec.UseNumber()
	if err := dec.Decode(&objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

// sameAsQPDF compares an object with qpdf's JSON (version 2) for it.
func sameAsQPDF(o Object, j any) error {
	switch v := j.(type) {
	case nil:
		if o != nil {
			return fmt.Errorf("got %s, qpdf null", describe(o))
		}
	case bool:
		if o != Bool(v) {
			return fmt.Errorf("got %v, qpdf %v", o, v)
		}
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			f, _ := v.Float64()
			if x, ok := o.(Real); !ok || float64(x) != f {
				return fmt.Errorf("got %#v, qpdf real %v", o, v)
			}
		} else {
			n, _ := v.Int64()
			if o != Integer(n) {
				return fmt.Errorf("got %#v, qpdf integer %v", o, v)
			}
		}
	case string:
		switch {
		case strings.HasPrefix(v, "u:"):
			s, ok := o.(String)
			if !ok || s.Text() != v[2:] {
				return fmt.Errorf("got %#v, qpdf string %q", o, v)
			}
		case strings.HasPrefix(v, "b:"):
			s, ok := o.(String)
			if !ok || hex.EncodeToString(s.Value) != strings.ToLower(v[2:]) {
				return fmt.Errorf("got %#v, qpdf binary string %q", o, v)
			}
		case strings.HasPrefix(v, "/"):
			if o != Name(v[1:]) {
				return fmt.Errorf("got %#v, qpdf name %q", o, v)
			}
		default:
			var num, gen int
			if _, err := fmt.Sscanf(v, "%d %d R", &num, &gen); err != nil {
				return fmt.Errorf("unknown qpdf value %q", v)
			}
			if o != (Ref{uint32(num), uint16(gen)}) {
				return fmt.Errorf("got %#v, qpdf reference %q", o, v)
			}
		}
	case []any:
		a, ok := o.(Array)
		if !ok || len(a) != len(v) {
			return fmt.Errorf("got %#v, qpdf array of %d", o, len(v))
		}
		for i := range a {
			if err := sameAsQPDF(a[i], v[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case map[string]any:
		d, ok := o.(Dict)
		if !ok {
			return fmt.Errorf("got %#v, qpdf dictionary", o)
		}
		n := 0
		for k, x := range d {
			if x != nil {
				n++
				if err := sameAsQPDF(x, v["/"+string(k)]); err != nil {
					return fmt.Errorf("/%s: %w", k, err)
				}
			}
		}
		m := 0
		for _, x := range v {
			if x != nil {
				m++
			}
		}
		if n != m {
			return fmt.Errorf("%d keys, qpdf %d", n, m)
		}
	default:
		return fmt.Errorf("unknown qpdf value %T", j)
	}
	return nil
}

// crossCheck compares every object qpdf sees with the Reader's latest
// version of it.
func crossCheck(t *testing.T, data []byte) {
	t.Helper()
	r := open(t, data)
	objs := qpdfObjects(t, data)
	n := 0
	for key, v := range objs {
		if key == "trailer" {
			continue
		}
		var num, gen int
		if _, err := fmt.Sscanf(key, "obj:%d %d R", &num, &gen); err != nil {
			t.Fatalf("qpdf key %q", key)
		}
		ref := Ref{uint32(num), uint16(gen)}
		got, err := r.Resolve(ref)
		if err != nil {
			t.Errorf("%v: %v", ref, err)
			continue
		}
		if st, ok := v["stream"].(map[string]any); ok {
			s, ok := got.(*Stream)
			if !ok {
				t.Errorf("%v: got %s, qpdf stream", ref, describe(got))
				continue
			}
			if err := sameAsQPDF(s.Dict, st["dict"]); err != nil {
				t.Errorf("%v: stream dictionary: %v", ref, err)
			}
		} else if err := sameAsQPDF(got, v["value"]); err != nil {
			t.Errorf("%v: %v", ref, err)
		}
		n++
	}
	if n == 0 {
		t.Error("qpdf lists no objects")
	}
	tr := r.Trailer()
	for _, k := range []Name{"Root", "Info", "Size"} {
		if err := sameAsQPDF(tr[k], objs["trailer"]["value"].(map[string]any)["/"+string(k)]); err != nil {
			t.Errorf("trailer /%s: %v", k, err)
		}
	}
}

func TestCrossCheckQPDF(t *testing.T) {
	qpdfPath(t)
	for _, m := range loadManifest(t).Valid {
		t.Run(m.File, func(t *testing.T) {
			crossCheck(t, readFile(t, m.File))
		})
	}
}
