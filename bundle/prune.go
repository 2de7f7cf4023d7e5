package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// bundleName matches the names Collect gives bundles in an output folder; Prune never
// touches any other file.
var bundleName = regexp.MustCompile(
	`^caracal-bundle-(\d{8}T\d{6}Z)(-\d+)?\.(tar\.gz|tgz|tar\.zst)(\.age)?$`)

// Retention says which older bundles Prune deletes: all but the newest Keep (0: no
// limit), and those older than KeepFor (0: no limit).
type Retention struct {
	Keep    int
	KeepFor time.Duration
}

// Prune deletes older bundles in dir by the time in their names, never the file named
// except (the one just written) and never a file whose name is not a bundle's. It
// returns the paths it deleted.
func Prune(dir string, r Retention, now time.Time, except string) ([]string, error) {
	if r.Keep <= 0 && r.KeepFor <= 0 {
		return nil, nil
	}
	bundles, err := listBundles(dir, except)
	if err != nil {
		return nil, err
	}

	var deleted []string
	var errs []error
	for i, b := range bundles {
		// The one just written counts towards Keep.
		tooMany := r.Keep > 0 && i+1 >= r.Keep
		tooOld := r.KeepFor > 0 && now.Sub(b.at) > r.KeepFor
		if !tooMany && !tooOld {
			continue
		}
		p := filepath.Join(dir, b.name)
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("prune: %w", err))
			continue
		}
		deleted = append(deleted, p)
	}
	return deleted, errors.Join(errs...)
}

// datedBundle is a bundle file and the time in its name.
type datedBundle struct {
	name string
	at   time.Time
	seq  int // 1, or N for a "-N" name made when the second was taken
}

// listBundles returns our bundles in dir other than except, newest first.
func listBundles(dir, except string) ([]datedBundle, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", dir, err)
	}
	var bundles []datedBundle
	for _, e := range entries {
		m := bundleName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() || e.Name() == filepath.Base(except) {
			continue
		}
		at, err := time.Parse(TimeFormat, m[1])
		if err != nil {
			continue
		}
		seq := 1
		if m[2] != "" {
			seq, _ = strconv.Atoi(m[2][1:])
		}
		bundles = append(bundles, datedBundle{e.Name(), at, seq})
	}
	sort.Slice(bundles, func(i, j int) bool {
		if !bundles[i].at.Equal(bundles[j].at) {
			return bundles[i].at.After(bundles[j].at)
		}
		return bundles[i].seq > bundles[j].seq
	})
	return bundles, nil
}
