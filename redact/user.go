package redact

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/caracal-tools/bundle/bundle/config"
)

// ruleNameChars are the bytes a user rule name may hold.
const ruleNameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

// minValueLen is the shortest literal secret accepted: shorter ones would hide
// ordinary words.
const minValueLen = 4

// userPattern is a user regular expression; the group named "secret" (or the whole
// match) is redacted.
type userPattern struct {
	name     string
	re       *regexp.Regexp // anchored when prefix is set
	group    int
	prefix   string // lower-cased literal prefix entering it through the prefilter
	files    []string
	anywhere *regexp.Regexp // unanchored, for patterns without a literal prefix
}

// applies reports whether the pattern is scoped to the bundle path name.
func (p *userPattern) applies(name string) bool {
	if len(p.files) == 0 {
		return true
	}
	for _, g := range p.files {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
		if ok, _ := path.Match(g, path.Base(name)); ok {
			return true
		}
	}
	return false
}

// addUser compiles the user's rules and returns the keywords they add.
func (r *Redactor) addUser(u config.Redact) ([]keyword, error) {
	known := map[string]bool{}
	for _, n := range builtinRules {
		known[n] = true
	}
	for i, d := range u.Disable {
		if !known[d] {
			return nil, fmt.Errorf("redact.disable[%d] %q: unknown rule (known: %s)",
				i, d, strings.Join(Rules(), ", "))
		}
		r.disabled[d] = true
	}
	var kws []keyword
	for i, k := range u.Keys {
		norm := normalizeKey(nil, []byte(strings.ToLower(k)))
		if len(norm) < 2 {
			return nil, fmt.Errorf("redact.keys[%d] %q: too short to be a key name", i, k)
		}
		r.userKeys[string(norm)] = true
		kws = append(kws, keyword{strings.ToLower(k), (*scan).keyValue})
	}
	vals, err := userValues(u)
	if err != nil {
		return nil, err
	}
	r.valueCount = len(vals)
	pats, err := r.userPatterns(u)
	if err != nil {
		return nil, err
	}
	return append(append(vals, pats...), kws...), nil
}

// userValues resolves the literal secrets and returns one keyword for each.
func userValues(u config.Redact) ([]keyword, error) {
	var kws []keyword
	for i, ref := range u.Values {
		v, err := ref.Resolve()
		if err != nil {
			return nil, fmt.Errorf("redact.values[%d]: %w", i, err)
		}
		if len(v) < minValueLen {
			return nil, fmt.Errorf("redact.values[%d] %s: the value is shorter than %d bytes",
				i, ref, minValueLen)
		}
		lit := []byte(v)
		kws = append(kws, keyword{strings.ToLower(v), func(s *scan, hs, he int) {
			if bytes.Equal(s.b[hs:he], lit) {
				s.add(hs, he, ruleValue)
			}
		}})
	}
	return kws, nil
}

// userPatterns compiles the regular expressions. A pattern with a literal prefix is
// entered through the prefilter; one without is run over each window of the files it
// applies to.
func (r *Redactor) userPatterns(u config.Redact) ([]keyword, error) {
	var kws []keyword
	for i, p := range u.Patterns {
		up, err := compilePattern(p)
		if err != nil {
			return nil, fmt.Errorf("redact.patterns[%d] %q: %w", i, p.Name, err)
		}
		idx := len(r.patterns)
		r.patterns = append(r.patterns, up)
		if up.prefix != "" {
			kws = append(kws, keyword{up.prefix, func(s *scan, hs, he int) {
				s.userPattern(idx, hs)
			}})
		}
	}
	return kws, nil
}

func compilePattern(p config.Pattern) (userPattern, error) {
	if p.Name == "" || p.Regex == "" {
		return userPattern{}, fmt.Errorf("needs both name and regex")
	}
	if len(p.Name) > maxRuleName || strings.Trim(p.Name, ruleNameChars) != "" {
		return userPattern{}, fmt.Errorf("name may hold only letters, digits, '.', '_' and '-'")
	}
	for _, g := range p.Files {
		if _, err := path.Match(g, ""); err != nil {
			return userPattern{}, fmt.Errorf("invalid file glob %q: %w", g, err)
		}
	}
	re, err := regexp.Compile(p.Regex)
	if err != nil {
		return userPattern{}, fmt.Errorf("invalid regex: %w", err)
	}
	up := userPattern{name: p.Name, files: p.Files, anywhere: re}
	if g := re.SubexpIndex("secret"); g > 0 {
		up.group = g
	}
	if lit, _ := re.LiteralPrefix(); len(lit) >= 3 {
		up.prefix = strings.ToLower(lit)
		up.re = regexp.MustCompile(`^(?:` + p.Regex + `)`)
		up.anywhere = nil
	}
	return up, nil
}

// userPattern runs user pattern idx anchored at the hit hs, within its line.
func (s *scan) userPattern(idx, hs int) {
	if !s.w.userOn[idx] {
		return
	}
	p := &s.w.r.patterns[idx]
	m := p.re.FindSubmatchIndex(s.b[hs:s.lineEnd(hs)])
	if m == nil || m[2*p.group] < 0 {
		return
	}
	s.add(hs+m[2*p.group], hs+m[2*p.group+1], p.name)
}

// userLineRules runs the patterns without a literal prefix over the window.
func (s *scan) userLineRules() {
	for idx := range s.w.r.patterns {
		p := &s.w.r.patterns[idx]
		if p.anywhere == nil || !s.w.userOn[idx] {
			continue
		}
		for _, m := range p.anywhere.FindAllSubmatchIndex(s.b[:s.n], -1) {
			if m[2*p.group] >= 0 {
				s.add(m[2*p.group], m[2*p.group+1], p.name)
			}
		}
	}
}

// valueKeywords picks the literal-value keywords out of the user's, for the guard.
func (r *Redactor) valueKeywords(user []keyword) []keyword {
	return user[:r.valueCount]
}
