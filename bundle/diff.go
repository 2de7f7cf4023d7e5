package bundle

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// DiffReport is what changed between two bundles of the same deployment.
type DiffReport struct {
	Old, New        string              `json:"-"`
	OldCreated      string              `json:"oldCreated"`
	NewCreated      string              `json:"newCreated"`
	ResultChanged   [2]string           `json:"result"`
	Collectors      []StatusChange      `json:"collectors"`
	NewFindings     []Finding           `json:"newFindings"`
	ResolvedFinding []Finding           `json:"resolvedFindings"`
	Files           FileChanges         `json:"files"`
	Values          []ValueChange       `json:"values"`
	Truncated       map[string]int      `json:"truncated,omitempty"`
	Stages          map[Stage][2]string `json:"stages"`
}

// StatusChange is a collector whose status changed.
type StatusChange struct {
	Collector string `json:"collector"`
	Old       Status `json:"old"`
	New       Status `json:"new"`
	Reason    string `json:"reason,omitempty"`
}

// FileChanges lists files present in only one of the bundles.
type FileChanges struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// ValueChange is one changed field of a structured evidence file.
type ValueChange struct {
	File string `json:"file"`
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// volatileWords are words of field names whose values change on every run (times,
// ages, durations) and would bury the real changes.
var volatileWords = map[string]bool{
	"time": true, "timestamp": true, "age": true, "idle": true, "duration": true, "at": true,
	"started": true, "finished": true, "created": true, "updated": true, "uptime": true,
	"seconds": true, "secs": true, "ms": true, "lastseen": true, "offset": true,
	"generation": true,
}

var volatileNames = map[string]bool{
	"resourceversion": true, "tool": true, "host": true,
}

// nameWords splits camelCase and snake_case into lowercase words.
var nameWords = regexp.MustCompile(`[A-Z]?[a-z0-9]+|[A-Z]+(?:[^a-z]|$)`)

func volatile(key string) bool {
	if volatileNames[strings.ToLower(key)] {
		return true
	}
	for _, w := range nameWords.FindAllString(key, -1) {
		if volatileWords[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// maxValueChangesPerFile keeps one noisy file from drowning the report.
const maxValueChangesPerFile = 200

// Diff compares two snapshots, old first.
func Diff(old, cur *Snapshot) *DiffReport {
	om, nm := old.Report.Manifest, cur.Report.Manifest
	d := &DiffReport{
		OldCreated:    om.Created.Format("2006-01-02T15:04:05Z"),
		NewCreated:    nm.Created.Format("2006-01-02T15:04:05Z"),
		ResultChanged: [2]string{om.Result, nm.Result},
		Stages:        map[Stage][2]string{}, Truncated: map[string]int{},
	}
	d.Collectors = statusChanges(om, nm)
	d.NewFindings, d.ResolvedFinding = findingChanges(om.Findings, nm.Findings)
	d.Files = fileChanges(om, nm)
	d.Values = d.valueChanges(old.JSON, cur.JSON)

	before, after := Summarize(om), Summarize(nm)
	for i, st := range after.Stages {
		if i < len(before.Stages) && before.Stages[i].Status != st.Status {
			d.Stages[st.Stage] = [2]string{before.Stages[i].Status, st.Status}
		}
	}
	return d
}

func statusChanges(om, nm *Manifest) []StatusChange {
	old := map[string]CollectorRecord{}
	for _, c := range om.Collectors {
		old[c.Name] = c
	}
	out := []StatusChange{}
	for _, c := range nm.Collectors {
		o, ok := old[c.Name]
		if !ok || o.Status != c.Status {
			out = append(out, StatusChange{Collector: c.Name, Old: o.Status, New: c.Status,
				Reason: c.Reason})
		}
	}
	return out
}

func findingKey(f Finding) string { return f.Code + "\x00" + f.Subject }

func findingChanges(old, cur []Finding) (added, resolved []Finding) {
	in := func(list []Finding) map[string]bool {
		m := map[string]bool{}
		for _, f := range list {
			m[findingKey(f)] = true
		}
		return m
	}
	om, nm := in(old), in(cur)
	added, resolved = []Finding{}, []Finding{}
	for _, f := range cur {
		if !om[findingKey(f)] && f.Severity != SeverityInfo {
			added = append(added, f)
		}
	}
	for _, f := range old {
		if !nm[findingKey(f)] && f.Severity != SeverityInfo {
			resolved = append(resolved, f)
		}
	}
	return added, resolved
}

func fileChanges(om, nm *Manifest) FileChanges {
	set := func(m *Manifest) map[string]bool {
		s := map[string]bool{}
		for _, f := range m.Files {
			if collectorOf(f.Path) != "bundle" {
				s[f.Path] = true
			}
		}
		return s
	}
	o, n := set(om), set(nm)
	fc := FileChanges{Added: []string{}, Removed: []string{}}
	for p := range n {
		if !o[p] {
			fc.Added = append(fc.Added, p)
		}
	}
	for p := range o {
		if !n[p] {
			fc.Removed = append(fc.Removed, p)
		}
	}
	sort.Strings(fc.Added)
	sort.Strings(fc.Removed)
	return fc
}

func (d *DiffReport) valueChanges(old, cur map[string]any) []ValueChange {
	var files []string
	for f := range cur {
		if _, ok := old[f]; ok && collectorOf(f) != "bundle" && collectorOf(f) != "host" {
			files = append(files, f)
		}
	}
	sort.Strings(files)

	out := []ValueChange{}
	for _, f := range files {
		o, n := map[string]string{}, map[string]string{}
		flatten("", old[f], o)
		flatten("", cur[f], n)
		changes := compareFlat(f, o, n)
		if len(changes) > maxValueChangesPerFile {
			d.Truncated[f] = len(changes) - maxValueChangesPerFile
			changes = changes[:maxValueChangesPerFile]
		}
		out = append(out, changes...)
	}
	return out
}

func compareFlat(file string, o, n map[string]string) []ValueChange {
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)

	var out []ValueChange
	for _, k := range sorted {
		ov, oOK := o[k]
		nv, nOK := n[k]
		if ov == nv && oOK == nOK {
			continue
		}
		if !oOK {
			ov = "(absent)"
		}
		if !nOK {
			nv = "(absent)"
		}
		out = append(out, ValueChange{File: file, Path: k, Old: ov, New: nv})
	}
	return out
}

// flatten turns JSON into path → scalar, skipping volatile fields. Array elements
// that are objects with a "name" (or "id") are keyed by it, so a reordered list does
// not read as a change.
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if volatile(k) {
				continue
			}
			flatten(join(prefix, k), c, out)
		}
	case []any:
		for i, c := range t {
			flatten(join(prefix, elemKey(c, i)), c, out)
		}
	default:
		b, _ := json.Marshal(t)
		out[prefix] = string(b)
	}
}

func elemKey(v any, i int) string {
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"name", "id", "stream", "service", "version", "path"} {
			if s, ok := m[k].(string); ok && s != "" {
				return "[" + s + "]"
			}
		}
	}
	return "[" + strconv.Itoa(i) + "]"
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	if k != "" && k[0] == '[' {
		return prefix + k
	}
	return prefix + "." + k
}

// Empty reports whether nothing changed.
func (d *DiffReport) Empty() bool {
	return len(d.Collectors) == 0 && len(d.NewFindings) == 0 && len(d.ResolvedFinding) == 0 &&
		len(d.Files.Added) == 0 && len(d.Files.Removed) == 0 && len(d.Values) == 0
}
