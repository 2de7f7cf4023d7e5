package bundle

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// maxSnapshotFile bounds each structured file a Snapshot keeps in memory.
const maxSnapshotFile = 16 << 20

// Snapshot is a verified bundle's manifest and structured (JSON) evidence, in memory,
// for comparing two bundles.
type Snapshot struct {
	Report *VerifyReport
	// JSON holds each collector's .json file, decoded, by bundle path.
	JSON map[string]any
}

// ReadSnapshot verifies the bundle read from r (as Verify does) and keeps its JSON
// evidence. Files over 16 MiB are left out of the comparison.
func ReadSnapshot(r io.Reader, o VerifyOptions) (*Snapshot, error) {
	s := &Snapshot{JSON: map[string]any{}}
	o.Extract = func(name string, src io.Reader) error {
		if !strings.HasSuffix(name, ".json") || !strings.Contains(name, "/") {
			return nil
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(src, maxSnapshotFile+1))
		if err != nil || n > maxSnapshotFile {
			return err
		}
		var v any
		if json.Unmarshal(buf.Bytes(), &v) == nil {
			s.JSON[name] = v
		}
		return nil
	}
	rep, err := Verify(r, o)
	if err != nil {
		return nil, err
	}
	s.Report = rep
	return s, nil
}
