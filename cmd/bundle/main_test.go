package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestMain(m *testing.M) {
	bundle.Register(sleepCollector{})
	bundle.Register(stateCollector{})
	testscript.Main(stopKube{m}, map[string]func(){
		"bundle": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// update rewrites the golden sections of the scripts (cmp stdout NAME) from the output.
var update = flag.Bool("update", false, "rewrite golden files in testdata/script")

// TestScripts runs the command-line scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			for _, tool := range []string{"age", "age-keygen", "ssh-keygen", "sha256sum"} {
				if _, err := exec.LookPath(tool); err != nil && testbed.Required() {
					return fmt.Errorf("%s is not installed (%s is set)", tool, testbed.RequireEnv)
				}
			}
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

// stateCollector exists only in the test binary: it writes BUNDLE_TEST_STATE as
// state.json, reports BUNDLE_TEST_FINDING as a warning, and fails with
// BUNDLE_TEST_FAIL, so scripts can make bundles that differ.
type stateCollector struct{}

func (stateCollector) Info() bundle.Info {
	return bundle.Info{Name: "test-state", Group: "test", Description: "fixture (tests only)"}
}

func (stateCollector) Collect(_ context.Context, _ *bundle.Env, out *bundle.Sink) error {
	state := os.Getenv("BUNDLE_TEST_STATE")
	if state == "" {
		return bundle.Skip(bundle.NotApplicable, "test collector")
	}
	if err := out.WriteFile("state.json", []byte(state)); err != nil {
		return err
	}
	if f := os.Getenv("BUNDLE_TEST_FINDING"); f != "" {
		out.Finding(bundle.Finding{Stage: bundle.StageStreams, Severity: bundle.SeverityWarn,
			Code: "test." + f, Message: f, Files: []string{out.Path("state.json")}})
	}
	if msg := os.Getenv("BUNDLE_TEST_FAIL"); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// stopKube stops the test bed's Kubernetes cluster, if a test started it, after the
// tests ran.
type stopKube struct{ m *testing.M }

func (s stopKube) Run() int {
	defer testbed.StopKube()
	return s.m.Run()
}
