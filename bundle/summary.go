package bundle

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Top-level summary files.
const (
	SummaryFile     = "SUMMARY.md"
	SummaryJSONFile = "summary.json"
)

// Stage statuses in a summary.
const (
	StageOK         = "ok"
	StageWarn       = "warn"
	StageFail       = "fail"
	StageNotChecked = "not checked"
)

// Summary is the triage view of a bundle: per stage, what was found, in the order a
// reader should look.
type Summary struct {
	Result       string         `json:"result"`
	Stages       []StageSummary `json:"stages"`
	NotCollected []NotCollected `json:"notCollected"`
}

// StageSummary is one triage stage.
type StageSummary struct {
	Stage    Stage     `json:"stage"`
	Status   string    `json:"status"`
	Findings []Finding `json:"findings"`
	// Failed names the collectors of this stage that failed, timed out, were canceled
	// or refused: why a stage may read "not checked".
	Failed []string `json:"failed,omitempty"`
}

// NotCollected is a collector that did not gather everything, and why.
type NotCollected struct {
	Collector string `json:"collector"`
	Status    Status `json:"status"`
	Reason    string `json:"reason"`
}

// stagesOfGroup says which stages a collector group checks, so a stage with no
// findings reads "ok" only when something actually looked at it.
var stagesOfGroup = map[string][]Stage{
	"kubernetes": {StageReadiness, StageService},
	"compose":    {StageReadiness, StageService},
	"caracal":    {StageReadiness, StageService, StageStreams},
	"helm":       {StageService},
	"postgres":   {StageStorage},
	"redis":      {StageStreams},
	"audit":      {StageAudit},
}

// Summarize builds the summary of a manifest. It only reads the findings and records
// the collectors reported; it never re-reads files.
func Summarize(m *Manifest) Summary {
	s := Summary{Result: m.Result, NotCollected: []NotCollected{}}
	checked := map[Stage]bool{}
	failed := map[Stage][]string{}
	for _, c := range m.Collectors {
		for _, st := range stagesOfGroup[c.Group] {
			switch {
			case c.Status == StatusOK || c.Status == StatusPartial:
				checked[st] = true
			case c.Status != StatusSkipped || c.SkipKind == Forbidden:
				failed[st] = append(failed[st], c.Name)
			}
		}
		if !c.Status.Complete() || c.SkipKind == Forbidden ||
			(c.Status == StatusSkipped && c.SkipKind != NotApplicable) {
			s.NotCollected = append(s.NotCollected,
				NotCollected{Collector: c.Name, Status: c.Status, Reason: c.Reason})
		}
	}

	for _, st := range Stages {
		ss := StageSummary{Stage: st, Status: StageOK, Findings: []Finding{}, Failed: failed[st]}
		for _, f := range m.Findings {
			if f.Stage == st {
				checked[st] = true
				ss.Findings = append(ss.Findings, f)
				ss.Status = worse(ss.Status, f.Severity)
			}
		}
		if !checked[st] {
			ss.Status = StageNotChecked
		}
		sort.SliceStable(ss.Findings, func(i, j int) bool {
			return rank(ss.Findings[i].Severity) > rank(ss.Findings[j].Severity)
		})
		s.Stages = append(s.Stages, ss)
	}
	return s
}

func rank(s Severity) int {
	switch s {
	case SeverityFail:
		return 2
	case SeverityWarn:
		return 1
	}
	return 0
}

func worse(status string, s Severity) string {
	switch {
	case s == SeverityFail:
		return StageFail
	case s == SeverityWarn && status != StageFail:
		return StageWarn
	}
	return status
}

// Markdown renders the summary as SUMMARY.md, with links to the files that prove
// each finding.
func (s Summary) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Caracal bundle summary\n\nBundle: %s. Read the stages in order: "+
		"the first one that is not ok is usually where the trouble starts.\n\n", s.Result)
	for _, st := range s.Stages {
		fmt.Fprintf(&b, "## %s: %s\n\n", titleCase(string(st.Stage)), st.Status)
		if len(st.Failed) > 0 {
			fmt.Fprintf(&b, "Could not be checked completely: %s did not finish; see Not "+
				"collected below.\n\n", quoteNames(st.Failed))
		}
		if len(st.Findings) == 0 {
			b.WriteString("Nothing to report.\n\n")
			continue
		}
		for _, f := range st.Findings {
			writeFinding(&b, f)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Not collected\n\n")
	if len(s.NotCollected) == 0 {
		b.WriteString("Everything that applied was collected.\n")
	}
	for _, n := range s.NotCollected {
		fmt.Fprintf(&b, "- `%s` %s: %s\n", n.Collector, n.Status, n.Reason)
	}
	return b.Bytes()
}

func writeFinding(b *bytes.Buffer, f Finding) {
	fmt.Fprintf(b, "- **%s** %s", f.Severity, f.Message)
	if f.Subject != "" && !strings.Contains(f.Message, f.Subject) {
		fmt.Fprintf(b, " (%s)", f.Subject)
	}
	if f.Area != "" {
		fmt.Fprintf(b, " — look at: %s", f.Area)
	}
	var links []string
	for _, p := range f.Files {
		links = append(links, fmt.Sprintf("[%s](%s)", p, p))
	}
	if len(links) > 0 {
		fmt.Fprintf(b, " — %s", strings.Join(links, ", "))
	}
	fmt.Fprintf(b, " `%s`\n", f.Code)
}

// Short prints the summary in a few lines for the terminal: each stage, then the
// findings that need attention, at most `most` of them.
func (s Summary) Short(w io.Writer, most int) {
	var parts []string
	for _, st := range s.Stages {
		parts = append(parts, fmt.Sprintf("%s %s", st.Stage, st.Status))
	}
	fmt.Fprintf(w, "Triage: %s\n", strings.Join(parts, " → "))
	n := 0
	for _, st := range s.Stages {
		for _, f := range st.Findings {
			if f.Severity == SeverityInfo {
				continue
			}
			if n == most {
				fmt.Fprintf(w, "  ... more in SUMMARY.md\n")
				return
			}
			fmt.Fprintf(w, "  %-4s %-9s %s\n", f.Severity, st.Stage, oneLine(f.Message, 100))
			n++
		}
	}
}

func oneLine(s string, most int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > most {
		s = s[:most-3] + "..."
	}
	return s
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
