package audit

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestScannerBounds(t *testing.T) {
	long := strings.Repeat("y", maxLineLen+10) + " req-1\n"
	fsys := fstest.MapFS{
		"a/bin.log":  {Data: []byte("2026-12-03T10:00:00Z \x00 req-1\n")},
		"a/long.log": {Data: []byte(long + "2026-12-03T10:00:01Z req-1 after\n")},
		"a/fits.log": {Data: []byte(strings.Repeat("z", readBufSize*2) +
			" 2026-12-03T10:00:02Z req-1\n2026-12-03T10:00:03Z req-1 last")},
		"a/x.gz":         {Data: []byte("2026-12-03T10:00:00Z req-1\n")},
		"timeline/t.txt": {Data: []byte("2026-12-03T10:00:00Z req-1\n")},
	}
	sc := newScanner("req-1", "timeline")
	if err := sc.scanTree(context.Background(), fsys); err != nil {
		t.Fatal(err)
	}
	st := sc.stats
	if st.Files != 3 || st.Binary != 1 || st.LongLines != 1 {
		t.Errorf("stats %+v, want 3 files, 1 binary, 1 long line", st)
	}
	var got []string
	for _, l := range sc.lines {
		got = append(got, l.File+":"+strconv.Itoa(l.Line))
	}
	want := "a/fits.log:2 a/long.log:2"
	if strings.Join(got, " ") != want {
		t.Errorf("lines %v, want %s", got, want)
	}
	if st.Untimed["a/fits.log"] != 1 {
		t.Errorf("untimed %v: the long line that fits has its time mid-line", st.Untimed)
	}
}
