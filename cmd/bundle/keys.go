package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/urfave/cli/v2"
	"golang.org/x/crypto/ssh"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

// defaultKeyPath is the signing key used when --key is not given.
func defaultKeyPath() (string, error) {
	dir, err := config.UserDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "signing_key"), nil
}

// signingKey loads --key, or the default key, creating it on first use unless
// --no-keygen (or BUNDLE_NO_KEYGEN=1) forbids it.
func signingKey(c *cli.Context) (ssh.Signer, error) {
	if p := c.String("key"); p != "" {
		s, err := bundle.LoadSigner(p)
		if err != nil {
			return nil, &exitErr{code: exitUsage, err: err}
		}
		return s, nil
	}
	path, err := defaultKeyPath()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return bundle.LoadSigner(path)
	}
	if why := noKeygen(c); why != "" {
		return nil, withHint(&exitErr{code: exitUsage,
			err: fmt.Errorf("no signing key: --key not given and %s does not exist (%s)",
				path, why)},
			"pass --key FILE ('bundle keygen --out FILE' makes one)")
	}

	s, err := bundle.GenerateKey(path, "caracal-bundle")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.App.ErrWriter, "bundle: created signing key %s\n", path)
	fmt.Fprintf(c.App.ErrWriter, "bundle: its fingerprint is %s; share %s.pub with "+
		"whoever verifies your bundles\n", bundle.Fingerprint(s.PublicKey()), path)
	return s, nil
}

// noKeygen says why the default key must not be created here, or "". Unattended runs
// in a pod would otherwise sign with a key nobody kept.
func noKeygen(c *cli.Context) string {
	switch {
	case c.Bool("no-keygen"):
		return "--no-keygen"
	case os.Getenv("BUNDLE_NO_KEYGEN") == "1":
		return "BUNDLE_NO_KEYGEN=1"
	case os.Getenv("KUBERNETES_SERVICE_HOST") != "":
		return "running in a Kubernetes pod"
	}
	return ""
}

// loadRecipients parses --recipient values and --recipients-file lines: age X25519
// recipients (age1...) and SSH public keys (ssh-ed25519, ssh-rsa).
func loadRecipients(flags []string, file string) ([]age.Recipient, error) {
	lines := append([]string{}, flags...)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErr("--recipients-file: %v", err)
		}
		lines = append(lines, strings.Split(string(b), "\n")...)
	}

	var out []age.Recipient
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		r, err := parseRecipient(l)
		if err != nil {
			return nil, usageErr("recipient %q: %v", shorten(l), err)
		}
		out = append(out, r)
	}
	if file != "" && len(out) == 0 {
		return nil, usageErr("--recipients-file %s lists no recipient", file)
	}
	return out, nil
}

func parseRecipient(s string) (age.Recipient, error) {
	if strings.HasPrefix(s, "ssh-") {
		return agessh.ParseRecipient(s)
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil {
		return nil, errors.New("not an age recipient (age1...) or an SSH public key")
	}
	return rs[0], nil
}

// loadIdentities reads --identity files: age identities or unencrypted SSH keys.
func loadIdentities(paths []string) ([]age.Identity, error) {
	var out []age.Identity
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usageErr("--identity: %v", err)
		}
		if strings.Contains(string(b), "PRIVATE KEY-----") {
			id, err := agessh.ParseIdentity(b)
			if err != nil {
				return nil, usageErr("--identity %s: %v", p, err)
			}
			out = append(out, id)
			continue
		}
		ids, err := age.ParseIdentities(strings.NewReader(string(b)))
		if err != nil {
			return nil, usageErr("--identity %s: %v", p, err)
		}
		out = append(out, ids...)
	}
	return out, nil
}

func shorten(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

func keygenCommand() *cli.Command {
	return &cli.Command{
		Name:  "keygen",
		Usage: "write an OpenSSH ed25519 signing key pair (FILE and FILE.pub)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out",
				Usage: "private key `FILE` (default: the user's bundle key)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("keygen takes no arguments; use --out FILE")
			}
			path := c.String("out")
			if path == "" {
				var err error
				if path, err = defaultKeyPath(); err != nil {
					return err
				}
			}
			s, err := bundle.GenerateKey(path, "caracal-bundle")
			if err != nil {
				return err
			}
			return printKey(c.App.Writer, path, s)
		},
	}
}

func printKey(w io.Writer, path string, s ssh.Signer) error {
	_, err := fmt.Fprintf(w, "private key: %s\npublic key:  %s.pub\nfingerprint: %s\n",
		path, path, bundle.Fingerprint(s.PublicKey()))
	return err
}
