package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func extractCommand() *cli.Command {
	return &cli.Command{
		Name:      "extract",
		Usage:     "verify a bundle, then extract it into a new folder",
		ArgsUsage: "BUNDLE DIR",
		Flags:     trustFlags(),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, "BUNDLE and DIR"); err != nil {
				return err
			}
			dir := c.Args().Get(1)
			rep, err := verifyFile(c, c.Args().First(), dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "bundle: extracted %d verified files into %s\n",
				rep.Files, dir)
			if !rep.Trusted {
				fmt.Fprintf(c.App.ErrWriter, "bundle: warning: the signer %s was not checked "+
					"against a trusted key\n", rep.Signer)
			}
			return nil
		},
	}
}
