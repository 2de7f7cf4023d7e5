package compose

import (
	"bytes"
	"errors"
	"io"
)

// errCapped stops a copy when a log reached its byte cap.
var errCapped = errors.New("log reached its size cap")

// capWriter passes at most max bytes to w and counts lines; the write that would go
// past the cap writes what fits and fails with errCapped.
type capWriter struct {
	w     io.Writer
	max   int64
	n     int64
	lines int64
}

// Write passes p on, cut at the cap, and counts the lines passed.
func (c *capWriter) Write(p []byte) (int, error) {
	room := c.max - c.n
	cut := int64(len(p)) > room
	if cut {
		p = p[:room]
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	if err != nil {
		return n, err
	}
	if cut {
		return n, errCapped
	}
	return n, nil
}
