package redact

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// logCorpus generates n bytes of log-like lines; about one line in five carries a
// keyword such as token, password or Bearer, most with a secret.
func logCorpus(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(n + 512)
	for i := 0; b.Len() < n; i++ {
		ts := fmt.Sprintf("2024-04-05T10:%02d:%02d.%03dZ", i/60%60, i%60, i%1000)
		rid := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff,
			rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
		switch rng.IntN(25) {
		case 0:
			fmt.Fprintf(&b, "%s level=info msg=\"login\" request_id=%s token=tok%x user=u%d\n",
				ts, rid, rng.Uint64(), rng.IntN(1000))
		case 1:
			fmt.Fprintf(&b, `{"time":"%s","level":"INFO","request_id":"%s","password":"pw-%x"}`+"\n",
				ts, rid, rng.Uint32())
		case 2:
			fmt.Fprintf(&b, "%s 10.0.%d.%d \"GET /v1/zones HTTP/1.1\" 200 Authorization: Bearer "+
				"mB%xQw%x\n", ts, rng.IntN(255), rng.IntN(255), rng.Uint64(), rng.Uint32())
		case 3:
			fmt.Fprintf(&b, "%s level=debug msg=\"refresh\" token_type=refresh password_policy=strict"+
				" trace_id=%016x%016x\n", ts, rng.Uint64(), rng.Uint64())
		case 4:
			fmt.Fprintf(&b, "%s level=info msg=\"db\" url=postgres://caracal:pg%x@db:5432/caracal"+
				" request_id=%s\n", ts, rng.Uint32(), rid)
		default:
			fmt.Fprintf(&b, "%s level=info msg=\"GET /v1/zones/zone-%d/policies 200\" request_id=%s"+
				" duration_ms=%d pod=caracal-api-7f9c-x2k4 remote=10.42.%d.%d\n", ts, rng.IntN(100),
				rid, rng.IntN(500), rng.IntN(255), rng.IntN(255))
		}
	}
	return b.Bytes()
}

// BenchmarkRedact measures throughput over a log-like corpus written in 32 KiB pieces.
func BenchmarkRedact(b *testing.B) {
	r := newTestRedactor(b)
	data := logCorpus(16 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.NewWriter(io.Discard, "bench.log")
		for off := 0; off < len(data); off += 32 << 10 {
			if _, err := w.Write(data[off:min(off+32<<10, len(data))]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedactLongLine measures a single line without line breaks.
func BenchmarkRedactLongLine(b *testing.B) {
	r := newTestRedactor(b)
	data := bytes.ReplaceAll(logCorpus(16<<20), []byte("\n"), []byte(" "))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w := r.NewWriter(io.Discard, "line.log")
		if _, err := w.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatReader yields the same block until n bytes were read, without holding them.
type repeatReader struct {
	block []byte
	left  int64
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := copy(p, r.block[r.off:])
	n = int(min(int64(n), r.left))
	r.off = (r.off + n) % len(r.block)
	r.left -= int64(n)
	return n, nil
}

// TestFlatMemory streams 100 MiB (-short: 8 MiB) of log lines and of one single line
// through a Writer and checks that the heap stays small.
func TestFlatMemory(t *testing.T) {
	size := int64(100 << 20)
	if testing.Short() {
		size = 8 << 20
	}
	r := newTestRedactor(t)
	block := logCorpus(1 << 20)
	line := bytes.ReplaceAll(block, []byte("\n"), []byte(" "))
	tests := []struct {
		name  string
		block []byte
	}{
		{"lines", block},
		{"single line", line},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			w := r.NewWriter(io.Discard, "mem.log")
			src := &repeatReader{block: tt.block, left: size}
			buf := make([]byte, 32<<10)
			var peak uint64
			for i := 0; ; i++ {
				n, err := src.Read(buf)
				if err == io.EOF {
					break
				}
				if _, err := w.Write(buf[:n]); err != nil {
					t.Fatal(err)
				}
				if i%256 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			grew := int64(peak) - int64(before.HeapInuse)
			t.Logf("%d MiB through one Writer: heap in use grew by at most %d KiB", size>>20,
				grew>>10)
			if grew > 16<<20 {
				t.Errorf("heap grew by %d MiB", grew>>20)
			}
		})
	}
}
