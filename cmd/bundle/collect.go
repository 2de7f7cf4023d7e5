package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

const collectDescription = `Runs the selected collectors and writes one signed, redacted bundle.

With nothing configured it still writes a valid bundle of what it could reach; every
collector that had nothing to work with is recorded as skipped, with what to set.
The bundle is signed with --key, or with the default key in the user config folder,
created on first use.`

func collectCommand() *cli.Command {
	return &cli.Command{
		Name:        "collect",
		Usage:       "collect a bundle",
		Description: collectDescription,
		Flags:       collectFlags(),
		Action:      runCollect,
	}
}

func runCollect(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErr("collect takes no arguments, got %q", c.Args().First())
	}
	cfg, err := loadConfig(c)
	if err != nil {
		return err
	}
	sel, skipped, err := selectCollectors(c.StringSlice("only"), c.StringSlice("skip"))
	if err != nil {
		return err
	}
	recipients, err := loadRecipients(c.StringSlice("recipient"), c.String("recipients-file"))
	if err != nil {
		return err
	}
	out, err := outputPath(c.String("output"), c.String("output-dir"), len(recipients) > 0)
	if err != nil {
		return err
	}
	retention, err := retentionFlags(c)
	if err != nil {
		return err
	}
	if dir := c.String("output-dir"); dir != "" {
		unlock, err := bundle.LockDir(dir)
		if err != nil {
			return withHint(err, "wait for it to finish, or make the schedule less frequent")
		}
		defer unlock()
	}
	signer, err := signingKey(c)
	if err != nil {
		return err
	}

	log, progress := consoleOutput(c, len(sel)-len(skipped))
	res, err := bundle.Collect(c.Context, bundle.CollectOptions{
		Config: cfg, Collectors: sel, Skipped: skipped, Output: out, Signer: signer,
		Recipients: recipients, Args: os.Args, Logger: log, Progress: progress,
	})
	progress.Wait()
	if err != nil {
		return err
	}
	if dir := c.String("output-dir"); dir != "" {
		prune(log, dir, retention, res)
	}
	return finishCollect(c, res)
}

// prune applies --keep and --keep-for once a bundle was written in dir; after an
// interrupted run it deletes nothing, since the new bundle is not a full replacement.
func prune(log *slog.Logger, dir string, r bundle.Retention, res *bundle.CollectResult) {
	if res.Manifest.Result == bundle.ResultCanceled {
		log.Warn("interrupted: older bundles were not deleted", "folder", dir)
		return
	}
	deleted, err := bundle.Prune(dir, r, time.Now().UTC(), res.Path)
	for _, d := range deleted {
		log.Info("deleted an older bundle", "path", d)
	}
	if err != nil {
		log.Warn("could not delete every older bundle", "error", err)
	}
}

// retentionFlags reads --keep and --keep-for, which only make sense with --output-dir.
func retentionFlags(c *cli.Context) (bundle.Retention, error) {
	var r bundle.Retention
	if (c.IsSet("keep") || c.IsSet("keep-for")) && c.String("output-dir") == "" {
		return r, usageErr("--keep and --keep-for need --output-dir")
	}
	r.Keep = c.Int("keep")
	if c.IsSet("keep") && r.Keep < 1 {
		return r, usageErr("--keep: must be at least 1")
	}
	if v := c.String("keep-for"); v != "" {
		d, err := config.ParseDuration(v)
		if err != nil || d <= 0 {
			return r, usageErr("--keep-for: want a positive duration such as 14d, got %q", v)
		}
		r.KeepFor = d
	}
	return r, nil
}

// finishCollect prints the result and picks the exit code.
func finishCollect(c *cli.Context, res *bundle.CollectResult) error {
	m := res.Manifest
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, collectJSON(res)); err != nil {
			return err
		}
	} else {
		printCollectSummary(c.App.ErrWriter, res)
	}

	switch {
	case m.Result == bundle.ResultCanceled:
		return &exitErr{code: exitInterrupted}
	case m.Result == bundle.ResultIncomplete:
		return &exitErr{code: exitIncomplete}
	}
	return nil
}

// outputPath picks the bundle's path: --output as given, else a timestamped name in
// --output-dir (default "."). With age recipients the name gets ".age".
func outputPath(output, dir string, encrypt bool) (string, error) {
	if output != "" && dir != "" {
		return "", usageErr("use either --output or --output-dir, not both")
	}
	if output == "" {
		if dir == "" {
			dir = "."
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return "", usageErr("--output-dir %s: not an existing folder", dir)
		}
		output = freeName(dir, "caracal-bundle-"+time.Now().UTC().Format(bundle.TimeFormat),
			encrypt)
	}
	if encrypt && !strings.HasSuffix(output, ".age") {
		output += ".age"
	}
	if !encrypt && strings.HasSuffix(output, ".age") {
		return "", usageErr("--output %s ends in .age but no --recipient was given", output)
	}
	if _, err := bundle.CompressionFor(output); err != nil {
		return "", &exitErr{code: exitUsage, err: err}
	}
	if st, err := os.Stat(filepath.Dir(output)); err != nil || !st.IsDir() {
		return "", usageErr("--output %s: folder %s does not exist", output,
			filepath.Dir(output))
	}
	if st, err := os.Stat(output); err == nil && st.IsDir() {
		return "", usageErr("--output %s is a folder: use --output-dir", output)
	}
	return output, nil
}

// freeName returns base.tar.gz in dir, or base-2.tar.gz and so on when a bundle of
// that second is already there, so two runs in one second never overwrite each other.
func freeName(dir, base string, encrypt bool) string {
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		p := filepath.Join(dir, name+".tar.gz")
		check := p
		if encrypt {
			check += ".age"
		}
		if _, err := os.Lstat(check); err != nil {
			return p
		}
	}
}

// selectCollectors applies --only and --skip, which take collector or group names.
func selectCollectors(only, skip []string) ([]bundle.Collector, map[string]string, error) {
	all := bundle.Registered()
	names := map[string]bool{}
	for _, c := range all {
		names[c.Info().Name], names[c.Info().Group] = true, true
	}
	only, skip = splitList(only), splitList(skip)
	for _, n := range append(append([]string{}, only...), skip...) {
		if !names[n] {
			return nil, nil, withHint(&exitErr{code: exitUsage,
				err: fmt.Errorf("unknown collector or group %q", n)},
				"'bundle collectors' lists them")
		}
	}

	var sel []bundle.Collector
	skipped := map[string]string{}
	for _, c := range all {
		info := c.Info()
		switch {
		case len(only) > 0 && !contains(only, info.Name) && !contains(only, info.Group):
			skipped[info.Name] = "not selected by --only"
		case contains(skip, info.Name) || contains(skip, info.Group):
			skipped[info.Name] = "left out by --skip"
		}
		sel = append(sel, c)
	}
	if len(skipped) == len(all) {
		return nil, nil, usageErr("--only and --skip leave no collector to run")
	}
	return sel, skipped, nil
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
