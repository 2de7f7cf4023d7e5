package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// collectResultJSON is the --json output of collect.
type collectResultJSON struct {
	Path       string                   `json:"path"`
	SHA256     string                   `json:"sha256"`
	Size       int64                    `json:"size"`
	Result     string                   `json:"result"`
	Signer     string                   `json:"signer,omitempty"`
	Collectors []bundle.CollectorRecord `json:"collectors"`
	Findings   []bundle.Finding         `json:"findings"`
}

func collectJSON(res *bundle.CollectResult) collectResultJSON {
	return collectResultJSON{
		Path: res.Path, SHA256: res.SHA256, Size: res.Size, Result: res.Manifest.Result,
		Signer: res.Signer, Collectors: res.Manifest.Collectors,
		Findings: res.Manifest.Findings,
	}
}

// printCollectSummary prints the short human summary at the end of collect.
func printCollectSummary(w io.Writer, res *bundle.CollectResult) {
	m := res.Manifest
	printCollectorTable(w, m.Collectors, false)
	fmt.Fprintln(w)
	bundle.Summarize(m).Short(w, 10)
	fmt.Fprintln(w)
	if !reachedCaracal(m) {
		fmt.Fprintf(w, "bundle: hint: nothing of Caracal was reached; the REASON column "+
			"says what to set (--redis-url, --database-url, --kubeconfig, ...)\n")
	}
	fmt.Fprintf(w, "bundle: wrote %s (%s, %s)\n", res.Path, humanBytes(res.Size), m.Result)
	fmt.Fprintf(w, "bundle: sha256 %s, signed by %s\n", res.SHA256, res.Signer)
}

func printCollectorTable(w io.Writer, recs []bundle.CollectorRecord, all bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLLECTOR\tGROUP\tSTATUS\tDURATION\tFILES\tSIZE\tREASON")
	for _, r := range recs {
		if !all && r.Status == bundle.StatusSkipped && r.Reason == "not selected by --only" {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Name, r.Group, statusMark(r.Status),
			(time.Duration(r.DurationMS) * time.Millisecond).String(), r.Files,
			humanBytes(r.Bytes), oneLine(r.Reason, 80))
	}
	tw.Flush()
}

// reachedCaracal reports whether any collector beyond the tool's own and the host's
// gathered something.
func reachedCaracal(m *bundle.Manifest) bool {
	for _, c := range m.Collectors {
		if c.Group != "bundle" && c.Status != bundle.StatusSkipped {
			return true
		}
	}
	return false
}

// printSummary prints the triage summary and what could not be collected.
func printSummary(w io.Writer, m *bundle.Manifest) {
	sum := bundle.Summarize(m)
	sum.Short(w, 50)
	if len(sum.NotCollected) > 0 {
		fmt.Fprintln(w, "Not collected:")
		for _, n := range sum.NotCollected {
			fmt.Fprintf(w, "  %-20s %-8s %s\n", n.Collector, n.Status, oneLine(n.Reason, 90))
		}
	}
	fmt.Fprintln(w)
}

func oneLine(s string, most int) string {
	for i, r := range s {
		if r == '\n' {
			s = s[:i] + " ..."
			break
		}
	}
	if len(s) > most {
		s = s[:most-3] + "..."
	}
	return s
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
