package kube

import (
	"bytes"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

// writeReadiness writes status.txt (the tables a person reads first), pods.json and
// workloads.json.
func writeReadiness(out *bundle.Sink, pods []podReport, ws []workloadReport) error {
	if err := out.WriteFile("status.txt", statusTable(pods, ws, time.Now())); err != nil {
		return err
	}
	if err := out.WriteJSON("pods.json", pods); err != nil {
		return err
	}
	return out.WriteJSON("workloads.json", ws)
}

// statusTable renders pods like `kubectl get pods -o wide` and workloads with their
// rollout status.
func statusTable(pods []podReport, ws []workloadReport, now time.Time) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREADY\tSTATUS\tRESTARTS\tAGE\tNODE\tCOMPONENT")
	for _, p := range pods {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", p.Name, p.Ready, p.Status,
			p.Restarts, age(now, p.Created), dash(p.Node), dash(p.Component))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "KIND\tNAME\tDESIRED\tREADY\tUP-TO-DATE\tAVAILABLE\tROLLOUT")
	for _, w := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", w.Kind, w.Name, w.Desired, w.Ready,
			w.Updated, w.Available, w.Rollout)
	}
	_ = tw.Flush() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

// age renders a duration the way kubectl does: the largest one or two units.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
