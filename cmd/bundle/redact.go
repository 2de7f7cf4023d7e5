package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
)

const redactDescription = `Redacts a file, or standard input with "-" or no argument,
with the built-in rules plus those of --rules, and writes the result to standard output. The report
(replacements per rule, never values) goes to standard error.

The rules file has the shape of the configuration's redact section:

   patterns: [{name: ticket, regex: 'TICKET-(?P<secret>[0-9]+)', files: ['*.log']}]
   keys: [frobnicator]
   values: ['env:MY_SECRET', 'file:/run/secrets/x']
   disable: [query-secret]`

func redactCommand() *cli.Command {
	return &cli.Command{
		Name:        "redact",
		Usage:       "redact a file or standard input to standard output",
		ArgsUsage:   "[PATH|-]",
		Description: redactDescription,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "rules", Usage: "YAML `FILE` of extra redaction rules"},
			&cli.StringFlag{Name: "report", Value: "text",
				Usage: "report format on standard error: text or json"},
		}, redactBundleFlags()...),

		Action: runRedact,
	}
}

// redactReport is the --report json document.
type redactReport struct {
	File       string         `json:"file"`
	Binary     bool           `json:"binary"`
	Redactions map[string]int `json:"redactions"`
}

func runRedact(c *cli.Context) error {
	if c.String("bundle") != "" {
		return runRedactBundle(c)
	}
	if c.NArg() > 1 {
		return usageErr("redact takes at most one path, got %d", c.NArg())
	}
	format := c.String("report")
	if format != "text" && format != "json" {
		return usageErr("--report must be text or json, got %q", format)
	}
	red, err := redactorFromFlags(c)
	if err != nil {
		return err
	}
	src, name, closeSrc, err := openRedactInput(c)
	if err != nil {
		return err
	}
	defer closeSrc()
	counts, binary, err := red.Redact(c.App.Writer, src, name)
	if err != nil {
		return err
	}
	return writeRedactReport(c.App.ErrWriter, format, redactReport{name, binary, counts})
}

// openRedactInput opens the path argument, or standard input for "-" or none.
func openRedactInput(c *cli.Context) (io.Reader, string, func(), error) {
	p := c.Args().First()
	if p == "" || p == "-" {
		return c.App.Reader, "stdin", func() {}, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open input: %w", err)
	}
	return f, p, func() { _ = f.Close() }, nil
}

func writeRedactReport(w io.Writer, format string, r redactReport) error {
	if format == "json" {
		if r.Redactions == nil {
			r.Redactions = map[string]int{}
		}
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var err error
	switch {
	case r.Binary:
		_, err = fmt.Fprintf(w, "bundle: %s is binary: left out\n", r.File)
	case len(r.Redactions) == 0:
		_, err = fmt.Fprintf(w, "bundle: %s: nothing redacted\n", r.File)
	default:
		_, err = fmt.Fprintf(w, "bundle: %s: %s\n", r.File, countsText(r.Redactions))
	}
	return err
}

// countsText writes counts as "jwt 2, key-value 5", sorted by rule.
func countsText(counts map[string]int) string {
	rules := make([]string, 0, len(counts))
	for rule := range counts {
		rules = append(rules, rule)
	}
	sort.Strings(rules)
	parts := make([]string, len(rules))
	for i, rule := range rules {
		parts[i] = fmt.Sprintf("%s %d", rule, counts[rule])
	}
	return strings.Join(parts, ", ")
}

// redactorFromFlags builds a redactor with the built-in rules plus those of --rules.
func redactorFromFlags(c *cli.Context) (*redact.Redactor, error) {
	var rules config.Redact
	if p := c.String("rules"); p != "" {
		r, err := config.LoadRedact(p)
		if err != nil {
			return nil, withHint(usageErr("%w", err), "fix the rules file "+p)
		}
		rules = r
	}
	red, err := redact.New(rules, nil)
	if err != nil {
		return nil, withHint(usageErr("%w", err), "fix the rules file "+c.String("rules"))
	}
	return red, nil
}
