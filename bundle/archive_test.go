package bundle_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

// stageFiles writes files into a fresh staging folder.
func stageFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestArchiveIsReproducible(t *testing.T) {
	files := map[string]string{"b/2.txt": "two\n", "a/1.txt": "one\n", "z.json": "{}\n"}
	when := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []bundle.Compression{bundle.Gzip, bundle.Zstd} {
		t.Run(string(c), func(t *testing.T) {
			var first, second bytes.Buffer
			// Two folders with the same content but different file modes and times.
			d1, d2 := stageFiles(t, files), stageFiles(t, files)
			z := filepath.Join(d2, "z.json")
			if err := os.Chtimes(z, time.Now(), time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(d2, "z.json"), 0o666); err != nil {
				t.Fatal(err)
			}
			if err := bundle.WriteArchive(&first, d1, "caracal-bundle-x", when, c); err != nil {
				t.Fatal(err)
			}
			if err := bundle.WriteArchive(&second, d2, "caracal-bundle-x", when, c); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Fatal("the same content gave different archives")
			}
		})
	}
}

func TestWriteAtomicLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.tar.gz")
	err := bundle.WriteAtomic(target, func(w io.Writer) error {
		if _, err := w.Write([]byte("half")); err != nil {
			return err
		}
		return syscall.ENOSPC
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestCollectOnFullDisk writes a bundle onto a tiny tmpfs: the run fails with the disk
// error and nothing is left at the target path. It needs root to mount.
func TestCollectOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); TestWriteAtomicLeavesNothingOnFailure covers it",
			err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })

	big := bytes.Repeat([]byte("0123456789abcdef\n"), 8<<10)
	target := filepath.Join(dir, "out.tar.gz")
	err := bundle.WriteAtomic(target, func(w io.Writer) error {
		for range 64 {
			if _, err := w.Write(big); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

func TestCompressionFor(t *testing.T) {
	tests := []struct {
		name string
		want bundle.Compression
		ok   bool
	}{
		{"x.tar.gz", bundle.Gzip, true}, {"x.tgz", bundle.Gzip, true},
		{"x.tar.zst", bundle.Zstd, true}, {"x.tar.gz.age", bundle.Gzip, true},
		{"x.zip", "", false}, {"x.tar", "", false},
	}
	for _, tt := range tests {
		got, err := bundle.CompressionFor(tt.name)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("CompressionFor(%q) = %q, %v", tt.name, got, err)
		}
	}
}

// logCorpus returns n bytes of log-like text.
func logCorpus(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"time":%d,"level":"info","msg":"request served","service":"gateway",`+
			`"request_id":"req-%08x","status":%d,"latency_ms":%d,"path":"/v1/zones/z%d/x"}`+"\n",
			1764756000000+i*37, i*2654435761, 200+i%5, i%97, i%13)
	}
	return b.Bytes()[:n]
}

// BenchmarkWriteArchive measures archive throughput on 200 MiB of log text.
func BenchmarkWriteArchive(b *testing.B) {
	dir := b.TempDir()
	data := logCorpus(200 << 20)
	if err := os.WriteFile(filepath.Join(dir, "gateway.log"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	for _, c := range []bundle.Compression{bundle.Gzip, bundle.Zstd} {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var out int64
			for b.Loop() {
				cw := &counter{}
				err := bundle.WriteArchive(cw, dir, "caracal-bundle-x", time.Now(), c)
				if err != nil {
					b.Fatal(err)
				}
				out = cw.n
			}
			b.ReportMetric(float64(len(data))/float64(out), "ratio")
		})
	}
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
