package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
)

func trustFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "key", Usage: "trusted signer public key `FILE` (.pub)"},
		&cli.StringFlag{Name: "allowed-signers", Usage: "OpenSSH allowed_signers `FILE`"},
		&cli.StringSliceFlag{Name: "identity", Aliases: []string{"i"},
			Usage: "age identity or SSH private key `FILE` to decrypt an encrypted bundle"},
		&cli.StringFlag{Name: "max-size", Value: "32GiB",
			Usage: "refuse bundles whose uncompressed content is larger than `SIZE`"},
	}
}

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a bundle's checksums, signature and signer",
		ArgsUsage: "BUNDLE",
		Flags: append(trustFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"}),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, "one BUNDLE"); err != nil {
				return err
			}
			rep, err := verifyFile(c, c.Args().First(), "")
			if c.Bool("json") {
				return printVerifyJSON(c, rep, err)
			}
			if err != nil {
				return err
			}
			return printVerified(c, rep)
		},
	}
}

// verifyOptions builds the trust settings from the flags.
func verifyOptions(c *cli.Context) (bundle.VerifyOptions, error) {
	o, err := trustOptions(c, "key")
	if err != nil {
		return o, err
	}
	max, err := parseSize(c.String("max-size"))
	if err != nil {
		return o, usageErr("--max-size: %v", err)
	}
	o.MaxTotal, o.MaxEntry = max, min(max, bundle.DefaultMaxEntry)
	return o, nil
}

// trustOptions reads the trusted public keys (from the flag keyFlag), --allowed-signers
// and --identity.
func trustOptions(c *cli.Context, keyFlag string) (bundle.VerifyOptions, error) {
	var o bundle.VerifyOptions
	for _, p := range c.StringSlice(keyFlag) {
		f, err := os.Open(p)
		if err != nil {
			return o, usageErr("--%s: %v", keyFlag, err)
		}
		keys, err := bundle.ReadPublicKeys(f)
		f.Close()
		if err != nil {
			return o, usageErr("--%s %s: %v", keyFlag, p, err)
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

// verifyFile verifies (and, with dir set, extracts) the bundle at path.
func verifyFile(c *cli.Context, path, dir string) (*bundle.VerifyReport, error) {
	o, err := verifyOptions(c)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	var rep *bundle.VerifyReport
	if dir == "" {
		rep, err = bundle.Verify(f, o)
	} else {
		rep, err = bundle.Extract(f, dir, o)
	}
	switch {
	case errors.Is(err, bundle.ErrEncrypted):
		return nil, withHint(fmt.Errorf("%s: %w", path, err),
			"pass --identity FILE with an age identity or SSH key it was encrypted to")
	case errors.Is(err, bundle.ErrUntrusted):
		return nil, withHint(fmt.Errorf("%s: %w", path, err),
			"check who made it; trust the key with --key FILE.pub if it is theirs")
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// printVerifyJSON prints the verdict on stdout, failures included, so a script reads
// one document either way; the exit code and stderr still say it failed.
func printVerifyJSON(c *cli.Context, rep *bundle.VerifyReport, verr error) error {
	out := struct {
		OK    bool   `json:"ok"`
		Error string `json:"error,omitempty"`
		*bundle.VerifyReport
	}{OK: verr == nil, VerifyReport: rep}
	if verr != nil {
		out.Error = verr.Error()
	}
	if err := printJSON(c.App.Writer, out); err != nil {
		return err
	}
	return verr
}

func printVerified(c *cli.Context, rep *bundle.VerifyReport) error {
	w := c.App.Writer
	fmt.Fprintf(w, "bundle: OK: %d files match SHA256SUMS, signature valid\n", rep.Files)
	fmt.Fprintf(w, "bundle: signer %s", rep.Signer)
	if rep.Trusted {
		fmt.Fprintf(w, " (trusted)\n")
		return nil
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(c.App.ErrWriter, "bundle: warning: the signer was not checked against a "+
		"trusted key\nbundle: hint: pass --key FILE.pub or --allowed-signers FILE\n")
	return nil
}

// parseSize reads sizes such as 512MiB, 4GiB or 1048576.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}}
	num, mult := s, int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = v, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a size such as 512MiB or 4GiB, got %q", s)
	}
	return n * mult, nil
}
