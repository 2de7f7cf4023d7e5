package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

// collectTo runs Collect with the given collectors into dir and returns the bundle path.
func collectTo(t testing.TB, dir string, cs ...bundle.Collector) string {
	t.Helper()
	signer, err := bundle.GenerateKey(filepath.Join(dir, "key"), "test")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.tar.gz")
	_, err = bundle.Collect(t.Context(), bundle.CollectOptions{
		Config: config.Config{}, Collectors: cs, Output: out, Signer: signer,
		Now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCollectThenVerify(t *testing.T) {
	dir := t.TempDir()
	ok := funcCollector{"ok", func(_ context.Context, out *bundle.Sink) error {
		return out.WriteFile("a/b.txt", []byte("hello\n"))
	}}
	failed := funcCollector{"broken", func(context.Context, *bundle.Sink) error {
		return errors.New("boom")
	}}
	path := collectTo(t, dir, ok, failed)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := bundle.Verify(bytes.NewReader(b), bundle.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Manifest.Result != bundle.ResultIncomplete {
		t.Errorf("result = %s, want incomplete", rep.Manifest.Result)
	}
	if rep.Top != "caracal-bundle-20261203T100000Z" {
		t.Errorf("top = %s", rep.Top)
	}
	var found bool
	for _, f := range rep.Manifest.Files {
		found = found || f.Path == "ok/a/b.txt" && f.Size == 6 && len(f.SHA256) == 64
	}
	if !found {
		t.Errorf("manifest files: %+v", rep.Manifest.Files)
	}
}

// FuzzVerify feeds arbitrary bytes to the archive reader: it must never panic, and
// anything it accepts must have passed the signature check.
func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	write := func(_ context.Context, out *bundle.Sink) error {
		return out.WriteFile("x", []byte("x"))
	}
	good, err := os.ReadFile(collectTo(f, dir, funcCollector{"ok", write}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd})
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := bundle.Verify(bytes.NewReader(b), bundle.VerifyOptions{MaxTotal: 8 << 20})
		if err == nil && rep.Signer == "" {
			t.Fatal("accepted without a signer")
		}
	})
}

// FuzzParseManifest: the manifest parser never panics.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"collectors":[{"name":"x","status":"ok"}]}`))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := bundle.ParseManifest(b)
		if err == nil && m.Format != bundle.FormatVersion {
			t.Fatalf("accepted format %d", m.Format)
		}
	})
}

// TestGuardWithholds: a secret that reaches the staging folder past the redactor (here in
// binary content a collector vouched for) is caught by the guard scan: the file is
// withheld and its collector marked partial.
func TestGuardWithholds(t *testing.T) {
	dir := t.TempDir()
	token := "ghp_" + strings.Repeat("A1b2C3d4", 5)[:36]
	c := funcCollector{"leaky", func(_ context.Context, out *bundle.Sink) error {
		w, err := out.Create("blob.bin", bundle.KeepBinary)
		if err != nil {
			return err
		}
		_, err = w.Write(append([]byte{0, 1, 2, 0}, token...))
		return errors.Join(err, w.Close())
	}}
	path := collectTo(t, dir, c)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blob bytes.Buffer
	rep, err := bundle.Verify(bytes.NewReader(b), bundle.VerifyOptions{
		Extract: func(name string, r io.Reader) error {
			if name == "leaky/blob.bin" {
				_, err := io.Copy(&blob, r)
				return err
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(blob.String(), token) || !strings.Contains(blob.String(), "withheld") {
		t.Fatalf("blob.bin = %q", blob.String())
	}
	for _, rec := range rep.Manifest.Collectors {
		if rec.Name == "leaky" && rec.Status != bundle.StatusPartial {
			t.Errorf("leaky status = %s, want partial", rec.Status)
		}
	}
}

// TestVerifyCorruptStream flips bytes across a bundle's compressed stream: a flip that
// changes what the archive holds is refused as tampering, never as an I/O error. (A flip
// in a part of the compressed stream that decodes to the same bytes, such as the code
// length of a symbol never used, leaves the signed content intact and verifies.)
func TestVerifyCorruptStream(t *testing.T) {
	write := func(_ context.Context, out *bundle.Sink) error {
		return out.WriteFile("x.txt", bytes.Repeat([]byte("evidence line\n"), 4000))
	}
	good, err := os.ReadFile(collectTo(t, t.TempDir(), funcCollector{"ok", write}))
	if err != nil {
		t.Fatal(err)
	}
	for off := 20; off < len(good)-8; off += len(good) / 40 {
		b := bytes.Clone(good)
		b[off] ^= 0x10
		_, err := bundle.Verify(bytes.NewReader(b), bundle.VerifyOptions{})
		if err != nil && !bundle.IsVerifyFailure(err) {
			t.Errorf("flip at %d of %d: not reported as tampering: %v", off, len(good), err)
		}
	}
}
