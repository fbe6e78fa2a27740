package digitize

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// An ocrWord is one recognised word with its box in the image's pixels.
type ocrWord struct {
	left, top, width, height int
	text                     string
}

// FindTesseract returns the path of the tesseract program, or an error
// wrapping ErrOCRUnavailable (kyso works without it).
func FindTesseract() (string, error) {
	p, err := exec.LookPath("tesseract")
	if err != nil {
		return "", fmt.Errorf("%w (Debian: apt-get install tesseract-ocr tesseract-ocr-vie)", ErrOCRUnavailable)
	}
	return p, nil
}

// ocrPage runs tesseract on one page and returns its words.
func ocrPage(ctx context.Context, tesseract string, pg *page, lang string, timeout time.Duration) ([]ocrWord, error) {
	dir, err := os.MkdirTemp("", "kyso-ocr-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var file string
	if pg.jpegBytes != nil {
		file = filepath.Join(dir, "page.jpg")
		err = os.WriteFile(file, pg.jpegBytes, 0o600)
	} else {
		if pg.decode == nil {
			return nil, fmt.Errorf("%w: the page's image cannot be read for OCR", ErrOCR)
		}
		img, derr := pg.decode()
		if derr != nil {
			return nil, derr
		}
		file = filepath.Join(dir, "page.png")
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err = enc.Encode(&buf, img); err == nil {
			err = os.WriteFile(file, buf.Bytes(), 0o600)
		}
	}
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tesseract, file, "stdout", "-l", lang, "--dpi", strconv.Itoa(int(pg.src.DPI+0.5)), "tsv")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: tesseract took longer than %v", ErrOCR, timeout)
		}
		return nil, fmt.Errorf("%w: tesseract: %v: %s", ErrOCR, err, strings.TrimSpace(lastLine(stderr.String())))
	}
	return parseTSV(out), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// parseTSV reads the words (level 5) of tesseract's TSV output.
func parseTSV(b []byte) []ocrWord {
	var words []ocrWord
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(f[11])
		conf, _ := strconv.ParseFloat(f[10], 64)
		if text == "" || conf < 0 {
			continue
		}
		var v [4]int
		ok := true
		for i := range 4 {
			n, err := strconv.Atoi(f[6+i])
			if err != nil || n < 0 {
				ok = false
			}
			v[i] = n
		}
		if ok && v[2] > 0 && v[3] > 0 {
			words = append(words, ocrWord{v[0], v[1], v[2], v[3], text})
		}
	}
	return words
}
