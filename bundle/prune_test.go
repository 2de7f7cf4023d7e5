package bundle_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

func TestPrune(t *testing.T) {
	now := time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)
	names := []string{
		"caracal-bundle-20261210T030000Z.tar.gz", // just written
		"caracal-bundle-20261209T030000Z.tar.gz",
		"caracal-bundle-20261208T030000Z.tar.zst",
		"caracal-bundle-20261208T030000Z-2.tar.zst",
		"caracal-bundle-20261207T030000Z.tar.gz.age",
		"caracal-bundle-20261201T030000Z.tar.gz",
		"caracal-bundle-notes.txt", // not ours
		"other.tar.gz",             // not ours
	}
	tests := []struct {
		name string
		r    bundle.Retention
		want []string // deleted
	}{
		{"none", bundle.Retention{}, nil},
		{"keep 4", bundle.Retention{Keep: 4}, []string{
			"caracal-bundle-20261201T030000Z.tar.gz", "caracal-bundle-20261207T030000Z.tar.gz.age",
		}},
		{"keep 3: a -2 name is the newer of its second", bundle.Retention{Keep: 3}, []string{
			"caracal-bundle-20261201T030000Z.tar.gz", "caracal-bundle-20261207T030000Z.tar.gz.age",
			"caracal-bundle-20261208T030000Z.tar.zst",
		}},
		{"keep for 2d", bundle.Retention{KeepFor: 48 * time.Hour}, []string{
			"caracal-bundle-20261201T030000Z.tar.gz", "caracal-bundle-20261207T030000Z.tar.gz.age",
		}},
		{"keep 1", bundle.Retention{Keep: 1}, []string{
			"caracal-bundle-20261201T030000Z.tar.gz", "caracal-bundle-20261207T030000Z.tar.gz.age",
			"caracal-bundle-20261208T030000Z-2.tar.zst", "caracal-bundle-20261208T030000Z.tar.zst",
			"caracal-bundle-20261209T030000Z.tar.gz",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range names {
				if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			deleted, err := bundle.Prune(dir, tt.r, now, filepath.Join(dir, names[0]))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range deleted {
				got = append(got, filepath.Base(d))
			}
			sort.Strings(got)
			if len(got) != len(tt.want) {
				t.Fatalf("deleted %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("deleted %v, want %v", got, tt.want)
				}
			}
			for _, keep := range []string{names[0], "other.tar.gz", "caracal-bundle-notes.txt"} {
				if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
					t.Errorf("%s was deleted", keep)
				}
			}
		})
	}
}

func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := bundle.LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.LockDir(dir); !errors.Is(err, bundle.ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = bundle.LockDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock()
}
