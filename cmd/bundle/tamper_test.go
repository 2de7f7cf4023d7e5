package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/caracal-tools/bundle/bundle"
)

var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"tamper":    cmdTamper,
	"mkarchive": cmdMkArchive,
	"waitfile":  cmdWaitFile,
	"jsonfield": cmdJSONField,
	"samebytes": cmdSameBytes,
}

// entry is one tar entry held in memory.
type entry struct {
	hdr  tar.Header
	body []byte
}

func readBundle(ts *testscript.TestScript, path string) []entry {
	f, err := os.Open(ts.MkAbs(path))
	ts.Check(err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	ts.Check(err)
	tr := tar.NewReader(zr)
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		ts.Check(err)
		b, err := io.ReadAll(tr)
		ts.Check(err)
		out = append(out, entry{hdr: *h, body: b})
	}
}

func writeTar(ts *testscript.TestScript, path string, es []entry, comp string) {
	var buf bytes.Buffer
	var cw io.WriteCloser
	var err error
	if comp == "zstd" {
		cw, err = zstd.NewWriter(&buf)
	} else {
		cw = gzip.NewWriter(&buf)
	}
	ts.Check(err)
	tw := tar.NewWriter(cw)
	for _, e := range es {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		ts.Check(tw.WriteHeader(&h))
		_, err := tw.Write(e.body)
		ts.Check(err)
	}
	ts.Check(tw.Close())
	ts.Check(cw.Close())
	ts.Check(os.WriteFile(ts.MkAbs(path), buf.Bytes(), 0o644))
}

func top(es []entry) string { return strings.TrimSuffix(es[0].hdr.Name, "/") }

// cmdTamper changes a bundle: tamper BUNDLE edit|add|remove|rename|flip|resign ARGS.
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: tamper BUNDLE edit PATH | add PATH | remove PATH | rename OLD NEW | " +
			"flip OFFSET | resign KEY")
	}
	path, op := args[0], args[1]
	if op == "flip" {
		b, err := os.ReadFile(ts.MkAbs(path))
		ts.Check(err)
		if args[2] == "mid" {
			flipContent(ts, b)
		} else {
			off, err := strconv.Atoi(args[2])
			ts.Check(err)
			if off < 0 {
				off += len(b)
			}
			b[off] ^= 0x01
		}
		ts.Check(os.WriteFile(ts.MkAbs(path), b, 0o644))
		return
	}

	es := readBundle(ts, path)
	root := top(es)
	find := func(p string) int {
		for i, e := range es {
			if e.hdr.Name == root+"/"+p {
				return i
			}
		}
		ts.Fatalf("no %s in bundle", p)
		return -1
	}
	switch op {
	case "edit":
		i := find(args[2])
		es[i].body = append([]byte("x"), es[i].body...)
	case "add":
		es = append(es, entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: root + "/" + args[2],
			Mode: 0o644, ModTime: time.Unix(0, 0)}, body: []byte("extra\n")})
	case "remove":
		i := find(args[2])
		es = append(es[:i], es[i+1:]...)
	case "rename":
		es[find(args[2])].hdr.Name = root + "/" + args[3]
	case "resign":
		resign(ts, es, root, args[2])
	default:
		ts.Fatalf("unknown tamper op %q", op)
	}
	writeTar(ts, path, es, "gzip")
}

// resign plays an attacker with another key: it replaces signer.pub, updates its line
// in SHA256SUMS and signs the result.
func resign(ts *testscript.TestScript, es []entry, root, keyPath string) {
	s, err := bundle.LoadSigner(ts.MkAbs(keyPath))
	ts.Check(err)
	pub, err := os.ReadFile(ts.MkAbs(keyPath + ".pub"))
	ts.Check(err)
	sum := sha256.Sum256(pub)

	var sumsIdx, sigIdx int
	for i, e := range es {
		switch e.hdr.Name {
		case root + "/" + bundle.SignerFile:
			es[i].body = pub
		case root + "/" + bundle.SumsFile:
			sumsIdx = i
		case root + "/" + bundle.SignatureFile:
			sigIdx = i
		}
	}
	lines := strings.Split(string(es[sumsIdx].body), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "  "+bundle.SignerFile) {
			lines[i] = hex.EncodeToString(sum[:]) + "  " + bundle.SignerFile
		}
	}
	es[sumsIdx].body = []byte(strings.Join(lines, "\n"))
	es[sigIdx].body, err = bundle.Sign(es[sumsIdx].body, s)
	ts.Check(err)
}

// flipContent flips one bit from the middle of a gzip stream on, at the first place
// where it changes what the stream decodes to: some bits (the code length of a symbol
// never used, say) decode to the same bytes and would prove nothing.
func flipContent(ts *testscript.TestScript, b []byte) {
	want := gunzip(b)
	for off := len(b) / 2; off < len(b)-8; off++ {
		b[off] ^= 0x01
		if got := gunzip(b); got == nil || !bytes.Equal(got, want) {
			return
		}
		b[off] ^= 0x01
	}
	ts.Fatalf("no bit of the stream's second half changes its content")
}

// gunzip decodes a gzip stream, or returns nil when it is corrupt.
func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil
	}
	return out
}

// cmdMkArchive writes a hostile archive: mkarchive FILE traversal|symlink|absolute|
// duplicate|device|gzipbomb|zstdbomb|outside|empty.
func cmdMkArchive(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkarchive FILE KIND")
	}
	root := "caracal-bundle-20260101T000000Z"
	reg := func(name string, body []byte) entry {
		return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644,
			ModTime: time.Unix(0, 0)}, body: body}
	}
	es := []entry{{hdr: tar.Header{Typeflag: tar.TypeDir, Name: root + "/", Mode: 0o755}}}
	comp := "gzip"
	switch args[1] {
	case "traversal":
		es = append(es, reg(root+"/../../evil.txt", []byte("evil")))
	case "absolute":
		es = append(es, reg("/tmp/evil.txt", []byte("evil")))
	case "symlink":
		es = append(es, entry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: root + "/link",
			Linkname: "/etc/passwd"}})
	case "device":
		es = append(es, entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: root + "/null",
			Devmajor: 1, Devminor: 3}})
	case "duplicate":
		es = append(es, reg(root+"/a.txt", []byte("a")), reg(root+"/a.txt", []byte("b")))
	case "outside":
		es = append(es, reg("other-folder/a.txt", []byte("a")))
	case "gzipbomb", "zstdbomb":
		es = append(es, reg(root+"/bomb.txt", make([]byte, 64<<20)))
		if args[1] == "zstdbomb" {
			comp = "zstd"
		}
	default:
		ts.Fatalf("unknown archive kind %q", args[1])
	}
	writeTar(ts, args[0], es, comp)
}

// cmdWaitFile waits up to 60 s for a file to exist.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear", args[0])
}

// cmdJSONField checks a top-level field of JSON on stdout: jsonfield NAME VALUE.
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	out := ts.ReadFile("stdout")
	want := fmt.Sprintf("%q: %q", args[0], args[1])
	if strings.Contains(out, want) == neg {
		ts.Fatalf("stdout: want %s (neg=%v)", want, neg)
	}
}

// cmdSameBytes checks that two files are byte-identical.
func cmdSameBytes(ts *testscript.TestScript, neg bool, args []string) {
	a, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	if bytes.Equal(a, b) == neg {
		ts.Fatalf("%s and %s: same=%v", args[0], args[1], !neg)
	}
}
