package kube

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(helmRelease{}) }

// helmRelease reads the release from Helm's storage in the cluster: its history, its
// values (scrubbed) and two values diffs, previous → current and chart defaults →
// current, as `helm history` and `helm get values` would show them.
type helmRelease struct{}

// Info implements bundle.Collector.
func (helmRelease) Info() bundle.Info {
	return bundle.Info{
		Name: "helm-release", Group: "helm",
		Description: "Helm release history and values diffs, secrets shown only as changed",
	}
}

// revisionReport is one line of the release history.
type revisionReport struct {
	Revision    int       `json:"revision"`
	Updated     time.Time `json:"updated"`
	Status      string    `json:"status"`
	Chart       string    `json:"chart"`
	AppVersion  string    `json:"appVersion"`
	Description string    `json:"description"`
}

// Collect implements bundle.Collector.
func (helmRelease) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	rels, err := c.releaseHistory(acc)
	if err != nil {
		return err
	}
	if len(rels) == 0 {
		if missing := acc.missing(); len(missing) > 0 {
			return bundle.Skip(bundle.Forbidden, "%s", strings.Join(missing, "; "))
		}
		return bundle.Skip(bundle.NotFound, "no Helm release %q in namespace %s",
			c.Release, c.Namespace)
	}

	hist := historyOf(rels)
	if err := out.WriteJSON("history.json", hist); err != nil {
		return err
	}
	if err := out.WriteFile("history.txt", historyTable(hist)); err != nil {
		return err
	}
	reportRelease(out, c.Namespace+"/"+c.Release, hist, env.Since)

	sc, err := newValueScrubber(env.Redactor)
	if err != nil {
		return err
	}
	if err := writeValues(out, sc, rels); err != nil {
		return err
	}
	return acc.finish(out)
}

func historyOf(rels []*release.Release) []revisionReport {
	out := make([]revisionReport, 0, len(rels))
	for _, r := range rels {
		h := revisionReport{Revision: r.Version}
		if r.Info != nil {
			h.Updated = r.Info.LastDeployed.Time.UTC()
			h.Status = r.Info.Status.String()
			h.Description = r.Info.Description
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			h.Chart = r.Chart.Metadata.Name + "-" + r.Chart.Metadata.Version
			h.AppVersion = r.Chart.Metadata.AppVersion
		}
		out = append(out, h)
	}
	return out
}

func historyTable(hist []revisionReport) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION")
	for _, h := range hist {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.Revision, h.Updated.Format(timeFormat),
			h.Status, h.Chart, h.AppVersion, oneLine(h.Description))
	}
	_ = tw.Flush() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

// reportRelease reports a failed or pending newest revision, and revisions deployed
// within the time window as information.
func reportRelease(out *bundle.Sink, subject string, hist []revisionReport, since time.Time) {
	files := []string{out.Path("history.txt")}
	last := hist[len(hist)-1]
	f := bundle.Finding{Stage: bundle.StageReadiness, Subject: subject, Area: "helm",
		Files: files}
	switch release.Status(last.Status) {
	case release.StatusFailed:
		f.Severity, f.Code = bundle.SeverityFail, "helm.release.failed"
		f.Message = fmt.Sprintf("Helm release revision %d failed: %s", last.Revision,
			oneLine(last.Description))
		out.Finding(f)
	case release.StatusPendingInstall, release.StatusPendingUpgrade,
		release.StatusPendingRollback:
		f.Severity, f.Code = bundle.SeverityWarn, "helm.release.pending"
		f.Message = fmt.Sprintf("Helm release revision %d is %s since %s; a stuck pending "+
			"release blocks further upgrades", last.Revision, last.Status,
			last.Updated.Format(timeFormat))
		out.Finding(f)
	}
	for _, h := range hist {
		if h.Updated.Before(since) {
			continue
		}
		out.Finding(bundle.Finding{
			Stage: bundle.StageReadiness, Severity: bundle.SeverityInfo,
			Code: "helm.release.changed", Subject: subject, Area: "helm", Files: files,
			Message: fmt.Sprintf("Helm revision %d (%s) at %s: %s", h.Revision, h.Status,
				h.Updated.Format(timeFormat), oneLine(h.Description)),
		})
	}
}

// writeValues writes the newest revision's values (user-supplied, scrubbed) and the two
// diffs, each as a unified text diff and as JSON.
func writeValues(out *bundle.Sink, sc *valueScrubber, rels []*release.Release) error {
	cur := rels[len(rels)-1]
	user := sc.scrub(cur.Config)
	if err := writeYAML(out, "values.yaml", user); err != nil {
		return err
	}
	if len(rels) > 1 {
		prev := rels[len(rels)-2]
		err := writeDiff(out, "values-diff-previous", sc.scrub(prev.Config), user,
			fmt.Sprintf("revision %d", prev.Version), fmt.Sprintf("revision %d", cur.Version))
		if err != nil {
			return err
		}
	}
	if cur.Chart == nil {
		return nil
	}
	merged, err := chartutil.CoalesceValues(cur.Chart, cur.Config)
	if err != nil {
		return fmt.Errorf("merge values of revision %d: %w", cur.Version, err)
	}
	return writeDiff(out, "values-diff-defaults", sc.scrub(cur.Chart.Values), sc.scrub(merged),
		"chart defaults", fmt.Sprintf("revision %d", cur.Version))
}

func writeDiff(out *bundle.Sink, name string, a, b map[string]any, an, bn string) error {
	changes, text, err := valuesDiff(a, b, an, bn)
	if err != nil {
		return err
	}
	if err := out.WriteFile(name+".diff", []byte(text)); err != nil {
		return err
	}
	return out.WriteJSON(name+".json", changes)
}

func writeYAML(out *bundle.Sink, name string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", out.Path(name), err)
	}
	return out.WriteFile(name, b)
}
