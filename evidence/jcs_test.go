package evidence

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalizeVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/jcs/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []struct {
		In, Out, Error string
	}
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	var good, bad int
	for _, v := range vs {
		got, err := Canonicalize([]byte(v.In))
		switch {
		case v.Error != "":
			bad++
			if err == nil || !errors.Is(err, ErrNotCanonical) || !strings.Contains(err.Error(), v.Error) {
				t.Errorf("%.60q: %v; want an error with %q", v.In, err, v.Error)
			}
		case err != nil:
			t.Errorf("%.60q: %v", v.In, err)
		default:
			good++
			if string(got) != v.Out {
				t.Errorf("%.60q:\n got %s\nwant %s", v.In, got, v.Out)
			}
			if again, err := Canonicalize(got); err != nil || string(again) != string(got) {
				t.Errorf("%.60q: not idempotent: %s, %v", v.In, again, err)
			}
		}
	}
	if good < 10 || bad < 20 {
		t.Fatalf("%d valid and %d broken vectors", good, bad)
	}
	if _, err := Canonicalize([]byte("\"\xff\"")); !errors.Is(err, ErrNotCanonical) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// FuzzCanonicalize: what Canonicalize accepts is JSON with the same
// meaning, already canonical, and encoding/json accepts it.
func FuzzCanonicalize(f *testing.F) {
	b, _ := os.ReadFile("testdata/jcs/vectors.json")
	var vs []struct{ In string }
	json.Unmarshal(b, &vs)
	for _, v := range vs {
		f.Add([]byte(v.In))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		if err != nil {
			if !errors.Is(err, ErrNotCanonical) {
				t.Fatalf("error %v does not wrap ErrNotCanonical", err)
			}
			return
		}
		if !json.Valid(in) || !json.Valid(out) {
			t.Fatalf("accepted %q (valid: %v) as %q (valid: %v)", in, json.Valid(in), out, json.Valid(out))
		}
		again, err := Canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("meaning changed: %q → %q", in, out)
		}
	})
}
