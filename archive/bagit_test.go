package archive

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"math/rand"
	"testing"
)

// TestHashCopy checks both digests and the prefix snapshots against the
// standard library, at buffer boundaries and several in one buffer.
func TestHashCopy(t *testing.T) {
	data := make([]byte, 3<<20+17)
	rand.New(rand.NewSource(1)).Read(data)
	cases := []struct {
		size     int
		prefixes []int64
	}{
		{0, nil},
		{1, []int64{1}},
		{1000, []int64{10, 20, 999, 1000}},
		{1 << 20, []int64{1<<20 - 1, 1 << 20}},
		{1<<20 + 1, []int64{1 << 20, 1<<20 + 1}},
		{len(data), []int64{3, 1 << 20, 2 << 20, 2<<20 + 5, 2<<20 + 6, 3 << 20, int64(len(data))}},
	}
	bufs := newHashBuffers()
	for _, c := range cases {
		var out bytes.Buffer
		n, d, pre, err := hashCopy(&out, bytes.NewReader(data[:c.size]), bufs, c.prefixes)
		if err != nil || n != int64(c.size) || !bytes.Equal(out.Bytes(), data[:c.size]) {
			t.Fatalf("size %d: n %d, err %v", c.size, n, err)
		}
		if d.sha256 != sha256.Sum256(data[:c.size]) || d.sha512 != sha512.Sum512(data[:c.size]) {
			t.Errorf("size %d: digests differ", c.size)
		}
		for _, p := range c.prefixes {
			want := sha256.Sum256(data[:p])
			if pre[p] != hex.EncodeToString(want[:]) {
				t.Errorf("size %d: prefix %d: got %q", c.size, p, pre[p])
			}
		}
	}
}

func TestManifestParsing(t *testing.T) {
	good := "ab" + string(bytes.Repeat([]byte("0"), 62)) + "  data/a b.pdf\n" + string(bytes.Repeat([]byte("1"), 64)) + " *./data/x%0Ay\r\n"
	m, order, err := parseManifest("m", []byte(good), 64)
	if err != nil || len(m) != 2 || order[0] != "data/a b.pdf" || order[1] != "data/x\ny" {
		t.Fatalf("%v %v %v", m, order, err)
	}
	for _, bad := range []string{"zz  data/a\n", string(bytes.Repeat([]byte("0"), 64)) + "\n",
		string(bytes.Repeat([]byte("g"), 64)) + "  data/a\n", string(bytes.Repeat([]byte("0"), 64)) + "  data/a\n" + string(bytes.Repeat([]byte("1"), 64)) + "  data/a\n"} {
		if _, _, err := parseManifest("m", []byte(bad), 64); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if got := encodePath("data/a%b\nc\r"); got != "data/a%25b%0Ac%0D" || decodePath(got) != "data/a%b\nc\r" {
		t.Errorf("percent-encoding: %q", got)
	}
	info, err := parseBagInfo([]byte("Source-Organization: UBND\nExternal-Description: dài\n  tiếp theo\nPayload-Oxum: 1.1\n"))
	if err != nil || len(info) != 3 || info[1][1] != "dài tiếp theo" {
		t.Errorf("bag-info: %v %v", info, err)
	}
	if _, err := parseBagInfo([]byte(" leading continuation\n")); err == nil {
		t.Error("accepted a continuation line first")
	}
}
