package audit

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// logLine is what the timeline keeps of one line that carries the request ID.
type logLine struct {
	Time    time.Time // zero when the line has no timestamp
	Level   string    // lowercase level name, or ""
	Service string
	File    string // bundle path
	Line    int
	Text    string // the line without its runtime prefix, cut to maxTextLen
}

// maxTextLen caps the text kept of one line.
const maxTextLen = 1000

// runtimePrefix matches the timestamp kubectl --timestamps, the CRI log format and
// docker logs --timestamps put before a line, with CRI's stream and tag after it.
var runtimePrefix = regexp.MustCompile(`^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?` +
	`(?:Z|[+-]\d\d:?\d\d)?) (?:(?:stdout|stderr) [FP] )?`)

// composePrefix matches the "service-1  | " prefix of docker compose logs.
var composePrefix = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\s+\| `)

// textTime matches a timestamp at the start of a text line or after time=/ts=.
var textTime = regexp.MustCompile(`(?:^|\btime=|\bts=)"?(\d{4}[-/]\d\d[-/]\d\d[T ]` +
	`\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)`)

// textLevel matches level=X or a bracketed or bare upper-case level word.
var textLevel = regexp.MustCompile(`\blevel=(\w+)|\b(ERROR|FATAL|PANIC|WARN|WARNING|INFO|` +
	`DEBUG)\b`)

// parseLine reads a line's time, level and service from its runtime prefix and from
// its body: Go JSON logs (time in unix ms), pino (ISO time, numeric level), logfmt, or
// text starting with a timestamp. The body's own time wins over the runtime's.
func parseLine(raw []byte) logLine {
	var l logLine
	body := raw
	if m := composePrefix.Find(body); m != nil {
		body = body[len(m):]
	}
	if m := runtimePrefix.FindSubmatch(body); m != nil {
		l.Time, _ = parseTimeText(string(m[1]))
		body = body[len(m[0]):]
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' && jsonLine(body, &l) {
		l.Text = cut(string(body))
		return l
	}
	textLine(body, &l)
	l.Text = cut(string(body))
	return l
}

// jsonFields are the fields read from a JSON log line.
type jsonFields struct {
	Time      json.RawMessage `json:"time"`
	TS        json.RawMessage `json:"ts"`
	Timestamp json.RawMessage `json:"timestamp"`
	AtTime    json.RawMessage `json:"@timestamp"`
	Level     json.RawMessage `json:"level"`
	Service   string          `json:"service"`
}

func jsonLine(body []byte, l *logLine) bool {
	var f jsonFields
	if json.Unmarshal(body, &f) != nil {
		return false
	}
	for _, raw := range []json.RawMessage{f.Time, f.TS, f.Timestamp, f.AtTime} {
		if t, ok := jsonTime(raw); ok {
			l.Time = t
			break
		}
	}
	l.Level = levelName(f.Level)
	l.Service = f.Service
	return true
}

// jsonTime reads a JSON time: a number of seconds, ms, µs or ns since the epoch
// (told apart by size), or a text timestamp.
func jsonTime(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return parseTimeText(s)
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	switch {
	case n > 1e17:
		return time.Unix(0, int64(n)).UTC(), true
	case n > 1e14:
		return time.UnixMicro(int64(n)).UTC(), true
	case n > 1e11:
		return time.UnixMilli(int64(n)).UTC(), true
	}
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), true
}

// levelName reads a level given as a name or as a pino number.
func levelName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return normLevel(s)
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return ""
	}
	switch {
	case n >= 60:
		return "fatal"
	case n >= 50:
		return "error"
	case n >= 40:
		return "warn"
	case n >= 30:
		return "info"
	}
	return "debug"
}

func normLevel(s string) string {
	s = strings.ToLower(s)
	switch s {
	case "warning":
		return "warn"
	case "err":
		return "error"
	case "panic", "critical", "crit":
		return "fatal"
	}
	return s
}

func textLine(body []byte, l *logLine) {
	if m := textTime.FindSubmatch(body); m != nil {
		if t, ok := parseTimeText(string(m[1])); ok {
			l.Time = t
		}
	}
	if m := textLevel.FindSubmatch(body); m != nil {
		l.Level = normLevel(string(m[1]) + string(m[2]))
	}
}

// timeLayouts are tried in order; a layout without a zone is read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05.999999999",
}

func parseTimeText(s string) (time.Time, bool) {
	s = strings.Replace(s, ",", ".", 1)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func cut(s string) string {
	if len(s) <= maxTextLen {
		return s
	}
	n := maxTextLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
