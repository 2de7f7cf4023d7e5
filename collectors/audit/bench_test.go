package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkTimelineScan scans 20 staged log files of 5 MiB each (Go JSON lines behind
// kubectl timestamps), where one line in a thousand carries the request ID.
func BenchmarkTimelineScan(b *testing.B) {
	dir := b.TempDir()
	var total int64
	for f := 0; f < 20; f++ {
		var sb strings.Builder
		for i := 0; sb.Len() < 5<<20; i++ {
			id := fmt.Sprintf("req-%d", i)
			if i%1000 == 0 {
				id = "req-target"
			}
			fmt.Fprintf(&sb, `2026-12-03T10:00:%02d.%06d000Z {"time":%d,"level":"INFO",`+
				`"msg":"handled","service":"sts","request_id":"%s","latency_ms":12}`+"\n",
				i%60, i%1000000, 1796292000000+int64(i), id)
		}
		p := filepath.Join(dir, "kube", "logs", fmt.Sprintf("pod-%d.log", f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(sb.Len())
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sc := newScanner("req-target", "timeline")
		if err := sc.scanTree(context.Background(), os.DirFS(dir)); err != nil {
			b.Fatal(err)
		}
		if len(sc.lines) == 0 {
			b.Fatal("no lines found")
		}
	}
}
