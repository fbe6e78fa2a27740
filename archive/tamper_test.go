package archive_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/archive"
)

// bagFiles is an extracted bag: paths relative to the base directory.
type bagFiles map[string][]byte

func extract(t *testing.T, file string) (string, bagFiles) {
	names, files := readTar(t, file)
	base := strings.SplitN(names[0], "/", 2)[0]
	out := bagFiles{}
	for n, b := range files {
		out[strings.TrimPrefix(n, base+"/")] = b
	}
	return base, out
}

// remanifest recomputes what an attacker who knows BagIt would: both
// manifests, the Payload-Oxum and the tag manifests.
func (f bagFiles) remanifest() {
	var names []string
	var octets int64
	for n, b := range f {
		if strings.HasPrefix(n, "data/") {
			names = append(names, n)
			octets += int64(len(b))
		}
	}
	sort.Strings(names)
	var m256, m512 bytes.Buffer
	for _, n := range names {
		s2, s5 := sha256.Sum256(f[n]), sha512.Sum512(f[n])
		fmt.Fprintf(&m256, "%s  %s\n", hex.EncodeToString(s2[:]), n)
		fmt.Fprintf(&m512, "%s  %s\n", hex.EncodeToString(s5[:]), n)
	}
	f["manifest-sha256.txt"], f["manifest-sha512.txt"] = m256.Bytes(), m512.Bytes()
	f["bag-info.txt"] = regexp.MustCompile(`Payload-Oxum: \S+`).ReplaceAll(f["bag-info.txt"], []byte(fmt.Sprintf("Payload-Oxum: %d.%d", octets, len(names))))
	var t256, t512 bytes.Buffer
	for _, n := range []string{"bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt"} {
		s2, s5 := sha256.Sum256(f[n]), sha512.Sum512(f[n])
		fmt.Fprintf(&t256, "%s  %s\n", hex.EncodeToString(s2[:]), n)
		fmt.Fprintf(&t512, "%s  %s\n", hex.EncodeToString(s5[:]), n)
	}
	f["tagmanifest-sha256.txt"], f["tagmanifest-sha512.txt"] = t256.Bytes(), t512.Bytes()
}

// retar writes the files as `tar -cf bad.tar .` does from the extracted
// folder: "./", "./base/", then "./base/…" members.
func (f bagFiles) retar(t *testing.T, base, file string) {
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	dirs := map[string]bool{}
	var names []string
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range names {
		full := base + "/" + n
		for i := range full {
			if full[i] == '/' && !dirs[full[:i]] {
				dirs[full[:i]] = true
				tw.WriteHeader(&tar.Header{Name: "./" + full[:i] + "/", Typeflag: tar.TypeDir, Mode: 0o755})
			}
		}
		tw.WriteHeader(&tar.Header{Name: "./" + full, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f[n]))})
		tw.Write(f[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func flip(b []byte, at int) []byte {
	c := bytes.Clone(b)
	c[at] ^= 1
	return c
}

func TestTamper(t *testing.T) {
	e := newEnv(t, "sqlite", "memory")
	a, b := "000.00.12.H62-250303-0001", "000.00.12.H62-250303-0002"
	e.addDossier(t, a, t0)
	e.addDossier(t, b, t0.Add(3600e9))
	good := filepath.Join(e.dir, "bag.tar")
	e.export(t, good, a, b)
	base, orig := extract(t, good)

	pa, pb := "data/"+a+"/", "data/"+b+"/"
	lta := pa + "documents/03-ket-qua/04-signed-Giay_phep.pdf"
	older := pa + "documents/03-ket-qua/03-signed-Giay_phep.pdf"
	entries := pa + "evidence/entries.json"
	type want struct {
		check, path string
		entry       bool // the problem names an entry
	}
	cases := []struct {
		name       string
		mutate     func(f bagFiles)
		remanifest bool
		want       []want
	}{
		{"untouched, re-tarred", func(f bagFiles) {}, false, nil},
		{"payload byte", func(f bagFiles) { f[lta] = flip(f[lta], len(f[lta])/2) }, false,
			[]want{{"fixity", lta, false}}},
		{"payload byte, manifests recomputed", func(f bagFiles) { f[lta] = flip(f[lta], len(f[lta])/2) }, true,
			[]want{{"document", lta, false}, {"signature", lta, false}}},
		{"tag file byte", func(f bagFiles) {
			f["bag-info.txt"] = bytes.Replace(f["bag-info.txt"], []byte("Tam"), []byte("Tan"), 1)
		}, false, []want{{"tag-fixity", "bag-info.txt", false}}},
		{"manifest line", func(f bagFiles) {
			f["manifest-sha256.txt"] = flip(f["manifest-sha256.txt"], 3)
		}, false, []want{{"tag-fixity", "manifest-sha256.txt", false}}},
		{"proof byte", func(f bagFiles) { f[entries] = flipProof(t, f[entries]) }, false,
			[]want{{"fixity", entries, false}, {"proof", entries, true}}},
		{"proof byte, manifests recomputed", func(f bagFiles) { f[entries] = flipProof(t, f[entries]) }, true,
			[]want{{"proof", entries, true}}},
		{"deleted file", func(f bagFiles) { delete(f, older) }, false,
			[]want{{"completeness", older, false}}},
		{"deleted file, manifests recomputed", func(f bagFiles) { delete(f, older) }, true,
			[]want{{"document", older, false}}},
		{"added file", func(f bagFiles) { f[pa+"documents/01-don/99-signed-extra.pdf"] = f[lta] }, false,
			[]want{{"completeness", pa + "documents/01-don/99-signed-extra.pdf", false}}},
		{"added file, manifests recomputed", func(f bagFiles) { f[pa+"documents/01-don/99-signed-extra.pdf"] = f[lta] }, true,
			[]want{{"document", pa + "documents/01-don/99-signed-extra.pdf", false}}},
		{"document replaced by an older version", func(f bagFiles) { f[lta] = f[older] }, false,
			[]want{{"fixity", lta, false}}},
		{"document replaced by an older version, manifests recomputed", func(f bagFiles) { f[lta] = f[older] }, true,
			[]want{{"document", lta, false}, {"lta", lta, false}}},
		{"entries of two dossiers swapped", func(f bagFiles) {
			f[entries], f[pb+"evidence/entries.json"] = f[pb+"evidence/entries.json"], f[entries]
		}, false, []want{{"fixity", entries, false}, {"fixity", pb + "evidence/entries.json", false}}},
		{"entries of two dossiers swapped, manifests recomputed", func(f bagFiles) {
			f[entries], f[pb+"evidence/entries.json"] = f[pb+"evidence/entries.json"], f[entries]
		}, true, []want{{"entry", entries, true}, {"entry", pb + "evidence/entries.json", true}}},
		{"history step edited, manifests recomputed", func(f bagFiles) {
			f[pa+"history.json"] = bytes.Replace(f[pa+"history.json"], []byte(`"to": "done"`), []byte(`"to": "rejected"`), 1)
		}, true, []want{{"history", pa + "history.json", false}}},
		{"history step removed, manifests recomputed", func(f bagFiles) {
			h := f[pa+"history.json"]
			i := bytes.LastIndex(h, []byte(",\n  {"))
			f[pa+"history.json"] = append(bytes.Clone(h[:i]), []byte("\n]\n")...)
		}, true, []want{{"history", pa + "history.json", true}}},
		{"checkpoint from another log, manifests recomputed", func(f bagFiles) {
			f[pa+"evidence/log-key.txt"] = []byte("kyso.test/evidence+00000000+AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij\n")
		}, true, []want{{"checkpoint", pa + "evidence/log-key.txt", false}}},
	}
	// The bag at the root of the tar ("./bagit.txt", "./data/…") is read too.
	t.Run("bag at the root", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "root.tar")
		out, _ := os.Create(root)
		tw := tar.NewWriter(out)
		for n, b := range orig {
			tw.WriteHeader(&tar.Header{Name: "./" + n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))})
			tw.Write(b)
		}
		tw.Close()
		out.Close()
		if rep := verifyFile(t, root, archive.VerifyOptions{}); !rep.OK || rep.Base != "" {
			t.Fatalf("base %q:\n%s", rep.Base, problems(rep))
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := bagFiles{}
			for k, v := range orig {
				f[k] = v
			}
			c.mutate(f)
			if c.remanifest {
				f.remanifest()
			}
			bad := filepath.Join(t.TempDir(), "bad.tar")
			f.retar(t, base, bad)
			rep := verifyFile(t, bad, archive.VerifyOptions{})
			if len(c.want) == 0 {
				if !rep.OK {
					t.Fatalf("untouched bag fails:\n%s", problems(rep))
				}
				return
			}
			if rep.OK {
				t.Fatal("tampering not detected")
			}
			t.Logf("problems:\n%s", problems(rep))
			for _, w := range c.want {
				found := false
				for _, p := range rep.Problems {
					if p.Check == w.check && p.Path == w.path && (!w.entry || p.Entry != nil) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s problem naming %s (entry %v); problems:\n%s", w.check, w.path, w.entry, problems(rep))
				}
			}
		})
	}
}

// flipProof changes one base64 character of the first proof hash.
func flipProof(t *testing.T, b []byte) []byte {
	i := bytes.Index(b, []byte(`"proof": [`))
	if i < 0 {
		t.Fatal("no proof in entries.json")
	}
	j := i + bytes.IndexByte(b[i+len(`"proof": [`):], '"') + len(`"proof": [`) + 1
	c := bytes.Clone(b)
	if c[j+2] == 'A' {
		c[j+2] = 'B'
	} else {
		c[j+2] = 'A'
	}
	return c
}
