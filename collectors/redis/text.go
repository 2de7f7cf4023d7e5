package redisstreams

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// writeText writes redis/streams.txt: the server checks, one line per stream and
// group, then the dead letters.
func writeText(w io.Writer, r *report) error {
	s := r.Server
	fmt.Fprintf(w, "redis %s (%s, role %s)  maxmemory-policy=%s  aof=%v  save=%q\n",
		orDash(s.Version), orDash(s.Mode), orDash(s.Role), orDash(s.MaxmemoryPolicy),
		s.AOFEnabled, s.Save)
	fmt.Fprintf(w, "collected %s  stream-failure keys: %d\n\n",
		r.CollectedAt.Format(time.RFC3339), r.StreamFailureKeys)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tLENGTH\tLAST ENTRY\tGROUP\tCONSUMERS\tPENDING\t"+
		"OLDEST PENDING\tLAG\tNOTE")
	for _, st := range r.Streams {
		writeStreamRows(tw, st)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nDEAD LETTERS")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tLENGTH\tOLDEST\tNEWEST\tSAMPLED\tREASONS")
	for _, d := range r.DeadLetters {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\n", d.Stream, d.Length,
			age(d.OldestAgeSeconds), age(d.NewestAgeSeconds), d.Sampled, bars(d.Classes))
	}
	return tw.Flush()
}

func writeStreamRows(w io.Writer, st *stream) {
	if !st.Exists || st.Type != "" {
		note := "MISSING"
		if st.Type != "" {
			note = "not a stream: " + st.Type
		}
		fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\t-\t%s\n", st.Name, note)
		return
	}
	head := fmt.Sprintf("%s\t%d\t%s", st.Name, st.Length, age(st.LastAgeSeconds))
	if len(st.Groups) == 0 && len(st.MissingGroups) == 0 {
		fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t%s\n", head, st.Error)
	}
	for _, gr := range st.Groups {
		note := gr.Error
		if gr.ExpectedUnconsumed {
			note = strings.TrimSpace("expected unconsumed " + note)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", head, gr.Name, gr.Consumers,
			gr.Pending, age(gr.OldestPendingAgeSeconds), lag(gr.Lag), note)
	}
	for _, m := range st.MissingGroups {
		fmt.Fprintf(w, "%s\t%s\t-\t-\t-\t-\tGROUP MISSING\n", head, m)
	}
}

func age(s *float64) string {
	if s == nil {
		return "-"
	}
	return (time.Duration(*s) * time.Second).String() + " ago"
}

func lag(l *int64) string {
	if l == nil {
		return "?"
	}
	return strconv.FormatInt(*l, 10)
}

func bars(cs []count) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%d", c.Value, c.Count))
	}
	return orDash(strings.Join(parts, " "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
