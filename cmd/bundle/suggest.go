package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"
)

// rootAction runs when no known command was named: bare `bundle` and `bundle help
// [COMMAND]` show help; anything else is a usage error that suggests the closest command.
func rootAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) > 0 && args[0] == "help" {
		args = args[1:]
	}
	if len(args) == 0 {
		return cli.ShowAppHelp(c)
	}
	if c.App.Command(args[0]) != nil && c.Args().First() == "help" {
		return cli.ShowCommandHelp(c, args[0])
	}
	return unknownCommand(c.App, args[0])
}

func unknownCommand(app *cli.App, name string) error {
	var names []string
	for _, cmd := range app.Commands {
		names = append(names, cmd.Name)
	}
	err := &exitErr{code: exitUsage, err: fmt.Errorf("unknown command %q", name)}
	if s := closest(name, names); s != "" {
		return withHint(err, fmt.Sprintf("did you mean 'bundle %s'? 'bundle --help' lists "+
			"the commands", s))
	}
	return withHint(err, "'bundle --help' lists the commands")
}

// flagUsageError turns the flag package's "flag provided but not defined: -x" into an
// error that names the flag as typed and suggests the closest one the command has.
func flagUsageError(c *cli.Context, err error) error {
	cmd, flags := "bundle", c.App.Flags
	root := c.Command == nil || c.Command.Name == "" || c.Command.Name == c.App.Name
	if !root {
		cmd += " " + c.Command.Name
		flags = c.Command.Flags
	}
	help := fmt.Sprintf("'%s --help' lists the flags", cmd)

	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return withHint(&exitErr{code: exitUsage, err: err}, help)
	}
	name = strings.TrimPrefix(name, "-")
	dashes := "--"
	if len(name) == 1 {
		dashes = "-"
	}
	unknown := &exitErr{code: exitUsage, err: fmt.Errorf("unknown flag %s%s", dashes, name)}
	if root && c.App.Command(name) != nil {
		return withHint(unknown, fmt.Sprintf("%s is a command: run 'bundle %s'", name, name))
	}

	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if s := closest(name, names); s != "" {
		return withHint(unknown, fmt.Sprintf("did you mean --%s? %s", s, help))
	}
	return withHint(unknown, help)
}

// closest returns the candidate nearest to s in edit distance, or "" when none is
// near enough to be a plausible typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+1
	for _, c := range candidates {
		if len(c) < 2 {
			continue
		}
		if d := smetrics.WagnerFischer(s, c, 1, 1, 1); d <= bestDist && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}
