package kube

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(events{}) }

// events writes the namespace's events sorted by time, and a `kubectl describe`-style
// text per selected pod with that pod's events.
type events struct{}

// Info implements bundle.Collector.
func (events) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-events", Group: "kubernetes",
		Description: "namespace events by time and a describe-style text per pod",
	}
}

// eventReport is one event as written to events.json.
type eventReport struct {
	Last    time.Time `json:"last"`
	First   time.Time `json:"first,omitzero"`
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Object  string    `json:"object"`
	Count   int32     `json:"count"`
	Source  string    `json:"source,omitempty"`
	Message string    `json:"message"`
}

// Collect implements bundle.Collector.
func (events) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	evs, err := c.sortedEvents(ctx, acc)
	if err != nil {
		return err
	}
	if evs != nil {
		if err := writeEvents(out, evs); err != nil {
			return err
		}
	}
	pods, err := c.selectedPods(ctx, acc)
	if err != nil {
		return err
	}
	for i := range pods {
		p := &pods[i]
		text := describePod(p, eventsOf(evs, "Pod", p.Name))
		if err := out.WriteFile("describe/"+bundle.SafeName(p.Name)+".txt", text); err != nil {
			return err
		}
	}
	return acc.finish(out)
}

// sortedEvents lists the namespace's events, oldest first. A refusal yields nil.
func (c *Client) sortedEvents(ctx context.Context, acc *access) ([]eventReport, error) {
	var evs []eventReport
	opts := metav1.ListOptions{Limit: 500}
	for {
		l, err := c.Clientset.CoreV1().Events(c.Namespace).List(ctx, opts)
		if acc.refused(err, "list", "events") {
			return nil, nil
		}
		if err != nil {
			return nil, listErr("events", c.Namespace, err)
		}
		acc.ok()
		for i := range l.Items {
			evs = append(evs, eventReportOf(&l.Items[i]))
		}
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Last.Before(evs[j].Last) })
	if evs == nil {
		evs = []eventReport{}
	}
	return evs, nil
}

func eventReportOf(e *corev1.Event) eventReport {
	src := e.Source.Component
	if src == "" {
		src = e.ReportingController
	}
	return eventReport{
		Last: eventTime(e), First: e.FirstTimestamp.UTC(), Type: e.Type, Reason: e.Reason,
		Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Count: max(e.Count, 1),
		Source: src, Message: strings.TrimSpace(e.Message),
	}
}

func eventsOf(evs []eventReport, kind, name string) []eventReport {
	var out []eventReport
	for _, e := range evs {
		if e.Object == kind+"/"+name {
			out = append(out, e)
		}
	}
	return out
}

func writeEvents(out *bundle.Sink, evs []eventReport) error {
	if err := out.WriteFile("events.txt", eventTable(evs, "")); err != nil {
		return err
	}
	return out.WriteJSON("events.json", evs)
}

// eventTable renders events like `kubectl get events`, each line starting with indent.
func eventTable(evs []eventReport, indent string) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, indent+"LAST SEEN\tTYPE\tREASON\tOBJECT\tCOUNT\tMESSAGE")
	for _, e := range evs {
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%d\t%s\n", indent, e.Last.Format(timeFormat),
			e.Type, e.Reason, e.Object, e.Count, oneLine(e.Message))
	}
	_ = tw.Flush() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
