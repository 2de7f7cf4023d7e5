package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	_ "github.com/caracal-tools/bundle/collectors"
)

// Exit codes, documented in --help and the README.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitIncomplete  = 3
	exitInterrupted = 130
)

const exitCodesHelp = `EXIT CODES:
   0     the bundle is complete
   1     error: no bundle was written (or verification failed)
   2     usage error: fix the command line or the configuration
   3     the bundle was written but is incomplete: a collector failed, was refused,
         timed out or ended partial (see the manifest)
   130   interrupted: the part collected so far was written, marked canceled`

// exitErr carries an exit code with an error, or with nothing to print.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitErr) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitErr{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// hinted is an error with a line telling the user what to do.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, hint string) error { return &hinted{err: err, hint: hint} }

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "bundle",
		Usage: "collect a signed, redacted support bundle from a Caracal deployment",
		Description: "Run `bundle collect` when a Caracal deployment misbehaves: it gathers " +
			"readiness, logs, versions,\nconfiguration, storage and stream status into one " +
			"signed, redacted tarball.",
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			collectCommand(), verifyCommand(), inspectCommand(), extractCommand(),
			diffCommand(), redactCommand(), keygenCommand(), collectorsCommand(), versionCommand(),
		},
		CustomAppHelpTemplate: cli.AppHelpTemplate + "\n" + exitCodesHelp + "\n",
		HideHelpCommand:       true,
		ExitErrHandler:        func(*cli.Context, error) {},
		Action:                rootAction,
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return flagUsageError(c, err)
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
	}
	return app
}

// run runs the command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal now kills the process
	}()

	err := newApp(stdin, stdout, stderr).RunContext(ctx, args)
	return report(stderr, err)
}

// report prints err in the tool's one voice and maps it to an exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code := exitError
	var ee *exitErr
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(stderr, "bundle: error: %s\n", msg)

	var h *hinted
	if errors.As(err, &h) {
		fmt.Fprintf(stderr, "bundle: hint: %s\n", h.hint)
	} else if code == exitUsage {
		fmt.Fprintf(stderr, "bundle: hint: run 'bundle help' or 'bundle <command> --help'\n")
	}
	return code
}

// needArgs checks the number of positional arguments.
func needArgs(c *cli.Context, n int, names string) error {
	if c.NArg() != n {
		return usageErr("%s needs %s (got %d argument(s))", c.Command.Name, names, c.NArg())
	}
	return nil
}
