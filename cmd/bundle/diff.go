package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show what changed between two bundles (both are verified first)",
		ArgsUsage: "OLD NEW",
		Flags:     append(trustFlags(), &cli.BoolFlag{Name: "json", Usage: "print as JSON"}),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, "OLD and NEW bundles"); err != nil {
				return err
			}
			old, err := snapshot(c, c.Args().Get(0))
			if err != nil {
				return err
			}
			cur, err := snapshot(c, c.Args().Get(1))
			if err != nil {
				return err
			}
			d := bundle.Diff(old, cur)
			if c.Bool("json") {
				return printJSON(c.App.Writer, d)
			}
			printDiff(c.App.Writer, d)
			return nil
		},
	}
}

func snapshot(c *cli.Context, path string) (*bundle.Snapshot, error) {
	o, err := verifyOptions(c)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := bundle.ReadSnapshot(f, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Report.Manifest == nil {
		return nil, fmt.Errorf("%s has no manifest", path)
	}
	return s, nil
}

func printDiff(w io.Writer, d *bundle.DiffReport) {
	fmt.Fprintf(w, "Comparing %s (old) with %s (new)\n", d.OldCreated, d.NewCreated)
	if d.ResultChanged[0] != d.ResultChanged[1] {
		fmt.Fprintf(w, "Result: %s → %s\n", d.ResultChanged[0], d.ResultChanged[1])
	}
	if d.Empty() {
		fmt.Fprintln(w, "No changes.")
		return
	}
	for _, st := range bundle.Stages {
		if ch, ok := d.Stages[st]; ok {
			fmt.Fprintf(w, "Stage %s: %s → %s\n", st, ch[0], ch[1])
		}
	}
	section(w, "Collectors", len(d.Collectors))
	for _, c := range d.Collectors {
		fmt.Fprintf(w, "  %-20s %s → %s  %s\n", c.Collector, orNone(string(c.Old)), c.New,
			oneLine(c.Reason, 70))
	}
	section(w, "New findings", len(d.NewFindings))
	for _, f := range d.NewFindings {
		fmt.Fprintf(w, "  + %-4s %-9s %s\n", f.Severity, f.Stage, oneLine(f.Message, 90))
	}
	section(w, "Resolved findings", len(d.ResolvedFinding))
	for _, f := range d.ResolvedFinding {
		fmt.Fprintf(w, "  - %-4s %-9s %s\n", f.Severity, f.Stage, oneLine(f.Message, 90))
	}
	section(w, "Files", len(d.Files.Added)+len(d.Files.Removed))
	for _, p := range d.Files.Added {
		fmt.Fprintf(w, "  + %s\n", p)
	}
	for _, p := range d.Files.Removed {
		fmt.Fprintf(w, "  - %s\n", p)
	}
	section(w, "Changed values", len(d.Values))
	for _, v := range d.Values {
		fmt.Fprintf(w, "  %s %s: %s → %s\n", v.File, v.Path, oneLine(v.Old, 60),
			oneLine(v.New, 60))
	}
	for f, n := range d.Truncated {
		fmt.Fprintf(w, "  ... and %d more changes in %s (see --json)\n", n, f)
	}
}

func section(w io.Writer, title string, n int) {
	if n > 0 {
		fmt.Fprintf(w, "\n%s:\n", title)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}
