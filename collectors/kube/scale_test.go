package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// BenchmarkLogsScale measures the kube-logs collector on a large deployment: 100 Caracal
// pods × 2 containers × 10,000 log lines, current and previous (400 streams), including
// redaction and writing the gzip archive. BUNDLE_SCALE_PODS and BUNDLE_SCALE_LINES
// change the scale. It reports the wall time per run, the peak resident memory of the
// whole test process during collection (peak-RSS-MiB: code, test bed clients and all)
// and the peak of the memory the Go runtime mapped (peak-Go-MiB).
func BenchmarkLogsScale(b *testing.B) {
	pods, lines := envInt("BUNDLE_SCALE_PODS", 100), envInt("BUNDLE_SCALE_LINES", 10000)
	cl := testbed.Kube(b)
	ns := cl.Namespace(b)
	setupStart := time.Now()
	seedScale(b, cl, ns, pods, lines)
	b.Logf("set up %d pods × 2 containers × %d lines (current and previous) in %s",
		pods, lines, time.Since(setupStart).Round(time.Millisecond))
	cfg := kubeCfg(cl, ns)

	var peak, goPeak float64
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS(b)
		stop := sampleGoMemory()
		start := time.Now()
		res := bundletest.RunContext(context.Background(), b, logs{}, cfg, 10*time.Minute)
		collected := time.Since(start)
		if res.Record.Status != bundle.StatusOK {
			b.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
		}
		if err := bundle.WriteArchive(io.Discard, res.Dir, "bundle", time.Now(),
			bundle.Gzip); err != nil {
			b.Fatal(err)
		}
		archived := time.Since(start) - collected
		b.Logf("collected %.0f MiB of logs in %s, archived in %s", dirMiB(b, res),
			collected.Round(time.Millisecond), archived.Round(time.Millisecond))
		peak = max(peak, peakRSSMiB(b))
		goPeak = max(goPeak, stop())
		if got, want := len(res.Files(b)), pods*2*2+1; got != want {
			b.Fatalf("%d files, want %d logs and an index", got, want-1)
		}
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(goPeak, "peak-Go-MiB")
	b.StopTimer()
	floor := fetchFloor(b, cl, ns, pods)
	b.ReportMetric(floor.Seconds(), "floor-s")
	wall, rss := runBinary(b, cl, ns)
	b.ReportMetric(wall.Seconds(), "binary-s")
	b.ReportMetric(rss, "binary-peak-RSS-MiB")
}

// runBinary builds cmd/bundle and runs `bundle collect --only kube-logs` against ns,
// returning its wall time and peak resident memory: the figures a user would see.
func runBinary(b *testing.B, cl *testbed.Cluster, ns string) (time.Duration, float64) {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "bundle")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/bundle")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build bundle: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "collect", "--only", "kube-logs", "--kubeconfig", cl.Kubeconfig,
		"--namespace", ns, "--output", filepath.Join(dir, "out.tar.gz"))
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("bundle collect: %v\n%s", err, out)
	}
	maxRSS := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	b.Logf("bundle collect --only kube-logs: %s, peak RSS %.1f MiB",
		wall.Round(time.Millisecond), float64(maxRSS)/1024)
	return wall, float64(maxRSS) / 1024
}

// fetchFloor is the floor to compare with: the same 400 logs fetched by
// eight parallel clients into io.Discard, with no redaction, files or archive.
func fetchFloor(b *testing.B, cl *testbed.Cluster, ns string, pods int) time.Duration {
	b.Helper()
	type job struct {
		pod, container string
		previous       bool
	}
	jobs := make(chan job)
	errs := make(chan error, 8)
	start := time.Now()
	for range 8 {
		go func() {
			var first error
			for j := range jobs {
				opts := &corev1.PodLogOptions{Container: j.container, Previous: j.previous}
				rc, err := cl.Client.CoreV1().Pods(ns).GetLogs(j.pod, opts).Stream(b.Context())
				if err == nil {
					_, err = io.Copy(io.Discard, rc)
					err = errors.Join(err, rc.Close())
				}
				if first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range pods {
		for _, c := range []string{"app", "proxy"} {
			for _, prev := range []bool{false, true} {
				jobs <- job{fmt.Sprintf("caracal-caracal-gateway-%03d", i), c, prev}
			}
		}
	}
	close(jobs)
	for range 8 {
		if err := <-errs; err != nil {
			b.Fatalf("floor fetch: %v", err)
		}
	}
	d := time.Since(start)
	b.Logf("floor: 8 plain clients fetched the same logs in %s", d.Round(time.Millisecond))
	return d
}

// sampleGoMemory samples the memory the Go runtime has mapped every 10 ms until the
// returned function is called, which returns the peak in MiB.
func sampleGoMemory() func() float64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	done, result := make(chan struct{}), make(chan float64)
	go func() {
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- float64(peak) / (1 << 20)
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 { close(done); return <-result }
}

func dirMiB(b *testing.B, res *bundletest.Result) float64 {
	b.Helper()
	var n int64
	for _, f := range res.Files(b) {
		st, err := os.Stat(filepath.Join(res.Dir, filepath.FromSlash(f)))
		if err != nil {
			b.Fatal(err)
		}
		n += st.Size()
	}
	return float64(n) / (1 << 20)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// seedScale creates n ready, restarted pods with two containers each, whose current and
// previous logs have lines lines.
func seedScale(b *testing.B, cl *testbed.Cluster, ns string, n, lines int) {
	b.Helper()
	cur := testbed.WriteCRILog(b, scaleLines(lines))
	prev := testbed.WriteCRILog(b, scaleLines(lines))
	files := map[string]testbed.LogFiles{
		"app": {Current: cur, Previous: prev}, "proxy": {Current: cur, Previous: prev},
	}
	for i := range n {
		name := fmt.Sprintf("caracal-caracal-gateway-%03d", i)
		cl.CreatePod(b, caracalPod(ns, name, "gateway", "app", "proxy"))
		cl.SetLogs(b, ns, name, files)
	}
	cl.WaitPodsReady(b, ns, ReleaseSelector("caracal"), n)
	for i := range n {
		name := fmt.Sprintf("caracal-caracal-gateway-%03d", i)
		markRestarted(b, cl, ns, name)
		cl.WaitLogs(b, ns, name, "proxy")
	}
}

// scaleLines are Caracal-like JSON log lines, some with a bearer token in them.
func scaleLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		if i%50 == 7 {
			out[i] = `{"time":1764756000000,"level":"warn","msg":"upstream rejected",` +
				`"service":"gateway","authorization":"Bearer ` + plantedJWT + `"}`
			continue
		}
		out[i] = `{"time":1764756000000,"level":"info","msg":"request served",` +
			`"service":"gateway","request_id":"6f1c2a0e-` + strconv.Itoa(100000+i) +
			`","status":200,"duration_ms":3,"route":"/v1/tokens/exchange"}`
	}
	return out
}

func markRestarted(b *testing.B, cl *testbed.Cluster, ns, name string) {
	b.Helper()
	pods := cl.Client.CoreV1().Pods(ns)
	p, err := pods.Get(b.Context(), name, metav1.GetOptions{})
	if err != nil {
		b.Fatalf("get pod %s: %v", name, err)
	}
	at := metav1.NewTime(time.Now().Add(-time.Minute))
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		cs.RestartCount = 1
		cs.LastTerminationState = corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 2, Reason: "Error", StartedAt: at, FinishedAt: at,
			},
		}
	}
	if _, err := pods.UpdateStatus(b.Context(), p, metav1.UpdateOptions{}); err != nil {
		b.Fatalf("update pod %s: %v", name, err)
	}
}

// resetPeakRSS resets the kernel's peak resident set size of this process (VmHWM).
func resetPeakRSS(b *testing.B) {
	b.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset peak RSS: %v", err)
	}
}

// peakRSSMiB reads VmHWM, the peak resident set size, in MiB.
func peakRSSMiB(b *testing.B) float64 {
	b.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatalf("read /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatalf("parse VmHWM %q: %v", line, err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
