package caracal

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"time"
)

// outputCap bounds the stdout and stderr kept from one command.
const outputCap = 1 << 20

// cliRun is one command as commands.json records it.
type cliRun struct {
	Args       []string `json:"args"`
	ExitCode   int      `json:"exitCode"`
	DurationMS int64    `json:"durationMs"`
	TimedOut   bool     `json:"timedOut,omitempty"`
	Error      string   `json:"error,omitempty"`
	Stdout     string   `json:"stdout,omitempty"`
	Stderr     string   `json:"stderr,omitempty"`

	stdout, stderr []byte
	cut            bool
}

// runCLI runs bin with args under a timeout. A command that outlives the timeout is
// killed; pipes held open by its children are abandoned a second later.
func runCLI(ctx context.Context, bin string, args []string, timeout time.Duration) cliRun {
	r := cliRun{Args: args, ExitCode: -1}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var so, se capBuffer
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	r.DurationMS = time.Since(start).Milliseconds()
	r.stdout, r.stderr, r.cut = so.b.Bytes(), se.b.Bytes(), so.cut || se.cut

	var ee *exec.ExitError
	switch {
	case cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil:
		r.TimedOut = true
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	case err != nil:
		r.Error = err.Error()
	default:
		r.ExitCode = 0
	}
	return r
}

// capBuffer keeps the first outputCap bytes written and discards the rest.
type capBuffer struct {
	b   bytes.Buffer
	cut bool
}

// Write keeps what fits under the cap and always reports all of p written, so the
// command is never stopped by a full buffer.
func (c *capBuffer) Write(p []byte) (int, error) {
	room := outputCap - c.b.Len()
	if len(p) > room {
		c.cut = true
		c.b.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.b.Write(p)
}
