package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/caracal-tools/bundle/bundle"
)

func TestMain(m *testing.M) {
	bundle.Register(sleepCollector{})
	testscript.Main(m, map[string]func(){
		"bundle": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the command-line scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("HOME", e.WorkDir+"/home")
			e.Setenv("XDG_CONFIG_HOME", e.WorkDir+"/home/.config")
			e.Setenv("DOCKER_HOST", "unix://"+e.WorkDir+"/no-docker.sock")
			e.Setenv("KUBECONFIG", e.WorkDir+"/no-kubeconfig")
			return nil
		},
	})
}

// sleepCollector exists only in the test binary: with BUNDLE_TEST_SLEEP set it writes
// a file, then blocks until its context ends, so scripts can interrupt a run.
type sleepCollector struct{}

func (sleepCollector) Info() bundle.Info {
	return bundle.Info{Name: "test-sleep", Group: "test", Description: "blocks (tests only)"}
}

func (sleepCollector) Collect(ctx context.Context, _ *bundle.Env, out *bundle.Sink) error {
	if os.Getenv("BUNDLE_TEST_SLEEP") == "" {
		return bundle.Skip(bundle.NotApplicable, "test collector")
	}
	if err := out.WriteFile("started.txt", []byte("started\n")); err != nil {
		return err
	}
	if f := os.Getenv("BUNDLE_TEST_SLEEP_READY"); f != "" {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Minute):
		return nil
	}
}
