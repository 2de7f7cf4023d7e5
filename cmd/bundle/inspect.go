package main

import (
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what a bundle holds: signer, collectors, redactions, files",
		ArgsUsage: "BUNDLE",
		Flags:     append(trustFlags(), &cli.BoolFlag{Name: "json", Usage: "print the manifest"}),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, "one BUNDLE"); err != nil {
				return err
			}
			rep, err := verifyFile(c, c.Args().First(), "")
			if err != nil {
				return err
			}
			if rep.Manifest == nil {
				return fmt.Errorf("%s has no manifest", c.Args().First())
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, struct {
					Verified *bundle.VerifyReport `json:"verified"`
					Manifest *bundle.Manifest     `json:"manifest"`
				}{rep, rep.Manifest})
			}
			printInspect(c, rep)
			return nil
		},
	}
}

func printInspect(c *cli.Context, rep *bundle.VerifyReport) {
	w, m := c.App.Writer, rep.Manifest
	trust := "not checked against a trusted key"
	if rep.Trusted {
		trust = "trusted"
	}
	fmt.Fprintf(w, "Bundle:   %s (%s)\n", rep.Top, m.Result)
	fmt.Fprintf(w, "Signer:   %s (%s)\n", rep.Signer, trust)
	fmt.Fprintf(w, "Created:  %s on %s\n", m.Created.Format("2006-01-02 15:04:05 MST"), m.Host)
	fmt.Fprintf(w, "Tool:     %s %s (%s)\n", m.Tool.Name, m.Tool.Version, m.Tool.Go)
	fmt.Fprintf(w, "Window:   %s to %s\n\n", m.Since.Format("2006-01-02 15:04"),
		m.Until.Format("2006-01-02 15:04 MST"))

	printCollectorTable(w, m.Collectors, true)
	fmt.Fprintln(w)
	printSummary(w, m)
	printRedactions(c, m)
	fmt.Fprintln(w, "Files:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range m.Files {
		note := ""
		if f.Withheld != "" {
			note = "withheld: " + f.Withheld
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Path, humanBytes(f.Size), note)
	}
	tw.Flush()
}

func printRedactions(c *cli.Context, m *bundle.Manifest) {
	if len(m.Redactions) == 0 {
		fmt.Fprintf(c.App.Writer, "Redactions: none\n\n")
		return
	}
	rules := make([]string, 0, len(m.Redactions))
	for r := range m.Redactions {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	fmt.Fprintln(c.App.Writer, "Redactions:")
	for _, r := range rules {
		fmt.Fprintf(c.App.Writer, "  %-24s %d\n", r, m.Redactions[r])
	}
	fmt.Fprintln(c.App.Writer)
}
