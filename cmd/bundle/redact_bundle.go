package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
)

func redactBundleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "bundle", Usage: "re-redact the bundle `IN` (with --output)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "with --bundle: the new bundle's `PATH`"},
		&cli.StringFlag{Name: "key", Usage: "with --bundle: signing key `FILE` for the new bundle"},
		&cli.BoolFlag{Name: "no-keygen", Usage: "fail instead of creating the default signing key"},
		&cli.StringSliceFlag{Name: "trusted-key",
			Usage: "with --bundle: public key `FILE` the input must be signed by"},
		&cli.StringFlag{Name: "allowed-signers",
			Usage: "with --bundle: allowed_signers `FILE` for the input"},
		&cli.StringSliceFlag{Name: "identity", Aliases: []string{"i"},
			Usage: "with --bundle: `FILE` to decrypt an encrypted input"},
		&cli.StringSliceFlag{Name: "recipient", Aliases: []string{"r"},
			Usage: "with --bundle: encrypt the new bundle to `RECIPIENT`"},
	}
}

// runRedactBundle re-redacts a bundle with the current rules and signs it anew.
func runRedactBundle(c *cli.Context) error {
	in, out := c.String("bundle"), c.String("output")
	if out == "" || c.NArg() > 0 {
		return usageErr("redact --bundle IN needs --output OUT and no other argument")
	}
	red, err := redactorFromFlags(c)
	if err != nil {
		return err
	}
	recipients, err := loadRecipients(c.StringSlice("recipient"), "")
	if err != nil {
		return err
	}
	if out, err = outputPath(out, "", len(recipients) > 0); err != nil {
		return err
	}
	vo, err := trustOptions(c, "trusted-key")
	if err != nil {
		return err
	}
	signer, err := signingKey(c)
	if err != nil {
		return err
	}

	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := bundle.Reredact(f, bundle.RedactOptions{Verify: vo, Redactor: red,
		Signer: signer, Output: out, Recipients: recipients})
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "bundle: wrote %s (re-redacted, signed by %s)\n", res.Path,
		res.Signer)
	return nil
}
