package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
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
	var rules config.Redact
	if p := c.String("rules"); p != "" {
		r, err := config.LoadRedact(p)
		if err != nil {
			return usageErr("%w", err)
		}
		rules = r
	}
	red, err := redact.New(rules, nil)
	if err != nil {
		return usageErr("%w", err)
	}
	recipients, err := loadRecipients(c.StringSlice("recipient"), "")
	if err != nil {
		return err
	}
	if out, err = outputPath(out, "", len(recipients) > 0); err != nil {
		return err
	}
	vo, err := inputTrust(c)
	if err != nil {
		return err
	}
	signer, err := signingKey(c)
	if err != nil {
		return err
	}

	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
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

// inputTrust reads the --trusted-key, --allowed-signers and --identity flags.
func inputTrust(c *cli.Context) (bundle.VerifyOptions, error) {
	var o bundle.VerifyOptions
	for _, p := range c.StringSlice("trusted-key") {
		f, err := os.Open(p)
		if err != nil {
			return o, usageErr("--trusted-key: %v", err)
		}
		keys, err := bundle.ReadPublicKeys(f)
		f.Close()
		if err != nil {
			return o, usageErr("--trusted-key %s: %v", p, err)
		}
		o.Keys = append(o.Keys, keys...)
	}
	if p := c.String("allowed-signers"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			return o, usageErr("--allowed-signers: %v", err)
		}
		o.AllowedSigners, err = bundle.ParseAllowedSigners(f)
		f.Close()
		if err != nil {
			return o, usageErr("--allowed-signers %s: %v", p, err)
		}
	}
	ids, err := loadIdentities(c.StringSlice("identity"))
	o.Identities = ids
	return o, err
}
