package bundle_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
)

// funcCollector adapts a function to bundle.Collector.
type funcCollector struct {
	name string
	fn   func(ctx context.Context, out *bundle.Sink) error
}

func (f funcCollector) Info() bundle.Info {
	return bundle.Info{Name: f.name, Group: "test", Description: "test"}
}

func (f funcCollector) Collect(ctx context.Context, _ *bundle.Env, out *bundle.Sink) error {
	return f.fn(ctx, out)
}

func TestRunnerStatuses(t *testing.T) {
	tests := []struct {
		name       string
		fn         func(ctx context.Context, out *bundle.Sink) error
		timeout    time.Duration
		wantStatus bundle.Status
		wantReason string
	}{
		{"ok", func(_ context.Context, out *bundle.Sink) error {
			return out.WriteFile("a.txt", []byte("a\n"))
		}, time.Minute, bundle.StatusOK, ""},
		{"failed", func(context.Context, *bundle.Sink) error {
			return errors.New("dial tcp: refused")
		}, time.Minute, bundle.StatusFailed, "dial tcp: refused"},
		{"skipped", func(context.Context, *bundle.Sink) error {
			return bundle.Skip(bundle.NotConfigured, "set --redis-url")
		}, time.Minute, bundle.StatusSkipped, "set --redis-url"},
		{"partial", func(_ context.Context, out *bundle.Sink) error {
			out.Partial("table x unreadable")
			return nil
		}, time.Minute, bundle.StatusPartial, "table x unreadable"},
		{"panic", func(context.Context, *bundle.Sink) error {
			panic("boom")
		}, time.Minute, bundle.StatusFailed, "panic: boom"},
		{"timeout honoured", func(ctx context.Context, _ *bundle.Sink) error {
			<-ctx.Done()
			return ctx.Err()
		}, 50 * time.Millisecond, bundle.StatusTimeout, "collector timeout"},
		{"timeout ignored", func(context.Context, *bundle.Sink) error {
			time.Sleep(5 * time.Second)
			return nil
		}, 50 * time.Millisecond, bundle.StatusTimeout, "collector timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := bundletest.RunContext(context.Background(), t,
				funcCollector{"t", tt.fn}, config.Config{}, tt.timeout)
			if res.Record.Status != tt.wantStatus {
				t.Fatalf("status = %s (%s), want %s", res.Record.Status, res.Record.Reason,
					tt.wantStatus)
			}
			if !contains(res.Record.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", res.Record.Reason, tt.wantReason)
			}
		})
	}
}

func TestSinkRefusesWritesAfterEnd(t *testing.T) {
	leaked := make(chan error, 1)
	c := funcCollector{"late", func(_ context.Context, out *bundle.Sink) error {
		go func() {
			time.Sleep(100 * time.Millisecond)
			leaked <- out.WriteFile("late.txt", []byte("x"))
		}()
		return nil
	}}
	bundletest.Run(t, c, config.Config{})
	if err := <-leaked; !errors.Is(err, bundle.ErrSinkClosed) {
		t.Fatalf("late write: %v, want ErrSinkClosed", err)
	}
}

func TestSinkRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "/abs", "../up", "a/../../b", "a//b", `a\b`, "."} {
		c := funcCollector{"names", func(_ context.Context, out *bundle.Sink) error {
			return out.WriteFile(name, []byte("x"))
		}}
		res := bundletest.Run(t, c, config.Config{})
		if res.Record.Status != bundle.StatusFailed {
			t.Errorf("name %q: status %s, want failed", name, res.Record.Status)
		}
	}
}

func TestRunnerCancelKeepsOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	blocker := funcCollector{"blocker", func(ctx context.Context, out *bundle.Sink) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}}
	res := bundletest.RunContext(ctx, t, blocker, config.Config{}, time.Minute)
	if res.Record.Status != bundle.StatusCanceled {
		t.Fatalf("status = %s, want canceled", res.Record.Status)
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"caracal-caracal-sts-0": "caracal-caracal-sts-0",
		"../etc/passwd":         "_etc_passwd",
		"..":                    "_",
		"a b/c":                 "a_b_c",
		"":                      "_",
	}
	for in, want := range tests {
		if got := bundle.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}

func TestSinkBinary(t *testing.T) {
	bin := []byte{0x7f, 'E', 'L', 'F', 0, 0, 0, 1, 2, 3}
	c := funcCollector{"bin", func(_ context.Context, out *bundle.Sink) error {
		if err := out.WriteFile("dropped.bin", bin); err != nil {
			return err
		}
		w, err := out.Create("kept.bin", bundle.KeepBinary)
		if err != nil {
			return err
		}
		_, err = w.Write(bin)
		return errors.Join(err, w.Close())
	}}
	res := bundletest.Run(t, c, config.Config{})
	if got := res.File(t, "kept.bin"); got != string(bin) {
		t.Errorf("kept.bin = %q", got)
	}
	if got := res.File(t, "dropped.bin"); strings.Contains(got, "ELF") {
		t.Errorf("binary content was not left out: %q", got)
	}
}

func TestReasonsAreOneLine(t *testing.T) {
	c := funcCollector{"multiline", func(_ context.Context, out *bundle.Sink) error {
		out.Note("first\n\tsecond")
		return errors.New("connect: dial error\n\thint: check the host")
	}}
	res := bundletest.Run(t, c, config.Config{})
	if got := res.Record.Reason; got != "connect: dial error hint: check the host" {
		t.Errorf("reason = %q", got)
	}
	if got := res.Record.Notes[0]; got != "first second" {
		t.Errorf("note = %q", got)
	}
}
