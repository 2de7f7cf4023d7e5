package redact

import (
	"fmt"
	"io"
	"sort"
)

// Guard scans src, a file about to be archived, for secrets that survived redaction:
// known token formats, private keys and the user's literal values. It returns the
// names of the rules that matched, sorted; replacement tokens do not count. The caller
// withholds the file when the list is not empty. Guard is safe for concurrent use.
func (r *Redactor) Guard(src io.Reader, name string) ([]string, error) {
	w := newWriter(r, r.guard, io.Discard, name)
	w.sniffed = true
	w.state = lineState{}
	if _, err := io.Copy(w, src); err != nil {
		return nil, fmt.Errorf("guard scan %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("guard scan %s: %w", name, err)
	}
	var rules []string
	for rule := range w.counts {
		rules = append(rules, rule)
	}
	sort.Strings(rules)
	return rules, nil
}
