package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/storage"
)

// Objects runs the object store conformance suite against s, an empty
// store. corrupt replaces the stored bytes of an object behind the store's
// back (as a disk error or an attacker would).
func Objects(t *testing.T, s storage.ObjectStore, corrupt func(t *testing.T, sum storage.Sum, data []byte)) {
	ctx := context.Background()
	data := []byte("%PDF-1.7 kết quả giải quyết thủ tục hành chính")
	want := storage.SumOf(data)

	t.Run("put and read", func(t *testing.T) {
		info, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if info.SHA256 != want || info.Size != int64(len(data)) || info.Existed {
			t.Fatalf("Put = %+v", info)
		}
		again, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil || !again.Existed || again.SHA256 != want {
			t.Fatalf("second Put = %+v, %v; want Existed", again, err)
		}
		got := read(t, s, want)
		if !bytes.Equal(got, data) {
			t.Fatalf("read %q", got)
		}
		st, err := s.Stat(ctx, want)
		if err != nil || st.Size != int64(len(data)) || st.Modified.IsZero() {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
	})

	t.Run("empty and large", func(t *testing.T) {
		big := make([]byte, 5<<20+17)
		rand.Read(big)
		for _, b := range [][]byte{nil, big} {
			info, err := s.Put(ctx, iotestOneByte(bytes.NewReader(b), len(b) < 100))
			if err != nil {
				t.Fatal(err)
			}
			if info.SHA256 != storage.SumOf(b) || info.Size != int64(len(b)) {
				t.Fatalf("Put(%d bytes) = %+v", len(b), info)
			}
			if got := read(t, s, info.SHA256); !bytes.Equal(got, b) {
				t.Fatalf("read back %d bytes, want %d", len(got), len(b))
			}
		}
	})

	t.Run("missing", func(t *testing.T) {
		none := storage.SumOf([]byte("never stored"))
		if _, err := s.Open(ctx, none); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open = %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, none); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat = %v, want ErrNotFound", err)
		}
		_, err := s.Open(ctx, none)
		if err == nil || !strings.Contains(err.Error(), s.Name()) {
			t.Errorf("error %v does not name the store %s", err, s.Name())
		}
	})

	t.Run("list and delete", func(t *testing.T) {
		extra := []byte("orphan")
		info, err := s.Put(ctx, bytes.NewReader(extra))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[storage.Sum]bool{}
		if err := s.List(ctx, func(o storage.ObjectInfo) error { seen[o.SHA256] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if !seen[want] || !seen[info.SHA256] || len(seen) != 4 {
			t.Fatalf("List saw %d objects: %v", len(seen), seen)
		}
		if err := s.Delete(ctx, info.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, info.SHA256); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("after Delete: %v", err)
		}
	})

	t.Run("presign", func(t *testing.T) {
		u, err := s.PresignGet(ctx, want, time.Minute, "kết quả.pdf")
		if errors.Is(err, storage.ErrNotSupported) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Fatalf("GET presigned: %s %q", resp.Status, got)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''k%E1%BA%BFt%20qu%E1%BA%A3.pdf" {
			t.Errorf("Content-Disposition %q", cd)
		}
		// Tampering with the URL or letting it expire refuses the download.
		for _, bad := range []string{strings.Replace(u, "X-Amz-Expires=", "X-Amz-Expires=9", 1), strings.Replace(u, "Signature=", "Signature=0", 1)} {
			resp, err := http.Get(bad)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET an altered presigned URL: %s", resp.Status)
			}
		}
		short, err := s.PresignGet(ctx, want, time.Second, "")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		resp, err = http.Get(short)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET an expired presigned URL: %s", resp.Status)
		}
	})

	t.Run("protection", func(t *testing.T) {
		p, err := s.Protection(ctx)
		if err != nil || p.Detail == "" || p.Store != s.Name() {
			t.Fatalf("Protection = %+v, %v", p, err)
		}
	})

	t.Run("corruption is loud", func(t *testing.T) {
		victim := []byte("bytes that will rot")
		info, err := s.Put(ctx, bytes.NewReader(victim))
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(victim)
		bad[3] ^= 0x01
		corrupt(t, info.SHA256, bad)
		rc, err := s.Open(ctx, info.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), info.SHA256.String()) {
			t.Fatalf("reading a corrupted object: %v, want ErrCorrupt naming it", err)
		}
	})
}

func read(t *testing.T, s storage.ObjectStore, sum storage.Sum) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), sum)
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

// iotestOneByte makes r return one byte per Read when slow is set, to
// exercise streaming.
func iotestOneByte(r io.Reader, slow bool) io.Reader {
	if !slow {
		return r
	}
	return oneByte{r}
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}
