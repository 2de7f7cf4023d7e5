package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
)

func collectorsCommand() *cli.Command {
	return &cli.Command{
		Name:  "collectors",
		Usage: "list every collector with its group and description",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print as JSON"}},
		Action: func(c *cli.Context) error {
			var infos []bundle.Info
			for _, col := range bundle.Registered() {
				infos = append(infos, col.Info())
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, collectorsJSON(infos))
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tGROUP\tDESCRIPTION")
			for _, i := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", i.Name, i.Group, i.Description)
			}
			return tw.Flush()
		},
	}
}

// collectorJSON is one collector in `bundle collectors --json`, with the same
// lowercase keys as the other commands' JSON.
type collectorJSON struct {
	Name        string `json:"name"`
	Group       string `json:"group"`
	Description string `json:"description"`
}

func collectorsJSON(infos []bundle.Info) []collectorJSON {
	out := make([]collectorJSON, len(infos))
	for i, in := range infos {
		out[i] = collectorJSON{Name: in.Name, Group: in.Group, Description: in.Description}
	}
	return out
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the tool's version",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print as JSON"}},
		Action: func(c *cli.Context) error {
			t := bundle.ToolInfo()
			if c.Bool("json") {
				return printJSON(c.App.Writer, struct {
					bundle.Tool
					Format int `json:"format"`
				}{t, bundle.FormatVersion})
			}
			_, err := fmt.Fprintf(c.App.Writer, "%s %s (%s, bundle format %d)\n", t.Name, t.Version,
				t.Go, bundle.FormatVersion)
			return err
		},
	}
}
