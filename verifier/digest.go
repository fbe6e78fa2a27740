package verifier

import (
	"context"
	"crypto"
	"encoding"
	"fmt"
	"hash"
	"io"
	"slices"
)

// rangeJob asks for the digest of [0, a) ∪ [b, end) of the file.
type rangeJob struct {
	a, b, end int64
	h         crypto.Hash
	sum       []byte
}

// digestAll computes every job's digest and the SHA-256 of the whole file
// in one sequential pass. Every byte range of a PDF signature starts at 0,
// so one running hash per algorithm serves all jobs: at a job's offset a
// the running state is cloned, and the clone then takes the bytes of
// [b, end) as the pass goes by. The file is read once and, for sequential
// signatures, hashed about once.
func digestAll(ctx context.Context, r io.ReaderAt, size int64, jobs []*rangeJob) ([]byte, error) {
	main := map[crypto.Hash]hash.Hash{crypto.SHA256: crypto.SHA256.New()}
	for _, j := range jobs {
		if _, ok := main[j.h]; !ok {
			if !j.h.Available() {
				return nil, fmt.Errorf("hash %v unavailable", j.h)
			}
			main[j.h] = j.h.New()
		}
	}
	bounds := []int64{0, size}
	for _, j := range jobs {
		bounds = append(bounds, j.a, j.b, j.end)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	forks := make([]hash.Hash, len(jobs))
	buf := make([]byte, 1<<20)
	for i := 0; i+1 < len(bounds); i++ {
		p, q := bounds[i], bounds[i+1]
		if p >= size {
			break
		}
		q = min(q, size)
		for k, j := range jobs {
			if j.a == p {
				f, err := clone(main[j.h])
				if err != nil {
					return nil, err
				}
				forks[k] = f
			}
		}
		for off := p; off < q; {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			n := min(int64(len(buf)), q-off)
			m, err := r.ReadAt(buf[:n], off)
			if int64(m) < n {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, fmt.Errorf("reading at %d: %w", off, err)
			}
			chunk := buf[:n]
			for _, h := range main {
				h.Write(chunk)
			}
			for k, j := range jobs {
				if forks[k] != nil && j.b <= off && off+n <= j.end {
					forks[k].Write(chunk)
				}
			}
			off += n
		}
	}
	for k, j := range jobs {
		switch {
		case forks[k] != nil:
			j.sum = forks[k].Sum(nil)
		case j.a == size:
			j.sum = main[j.h].Sum(nil)
		}
	}
	return main[crypto.SHA256].Sum(nil), nil
}

func clone(h hash.Hash) (hash.Hash, error) {
	if c, ok := h.(interface{ Clone() (hash.Cloner, error) }); ok {
		hc, err := c.Clone()
		if err != nil {
			return nil, err
		}
		if hh, ok := hc.(hash.Hash); ok {
			return hh, nil
		}
	}
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("hash state cannot be copied")
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var nh hash.Hash
	switch h.Size() {
	case 20:
		nh = crypto.SHA1.New()
	case 32:
		nh = crypto.SHA256.New()
	case 48:
		nh = crypto.SHA384.New()
	case 64:
		nh = crypto.SHA512.New()
	default:
		return nil, fmt.Errorf("unknown hash of size %d", h.Size())
	}
	if err := nh.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	return nh, nil
}
