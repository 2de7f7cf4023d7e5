package redisstreams

import "github.com/caracal-tools/bundle/bundle"

// maxValueLen caps each copied payload value.
const maxValueLen = 2048

// sampleEntry is one dead letter copied into dead/<stream>.json.
type sampleEntry struct {
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
	// Cut lists the fields whose values were cut to maxValueLen bytes.
	Cut []string `json:"cut,omitempty"`
}

// writeSamples copies the sampled dead letters when payloads were asked for. The sink
// redacts them; each value is capped.
func (g *gatherer) writeSamples() error {
	for name, msgs := range g.samples {
		entries := make([]sampleEntry, 0, len(msgs))
		for _, m := range msgs {
			e := sampleEntry{ID: m.ID, Fields: map[string]string{}}
			for k, v := range m.Values {
				s, _ := v.(string)
				if len(s) > maxValueLen {
					s = s[:maxValueLen]
					e.Cut = append(e.Cut, k)
				}
				e.Fields[k] = s
			}
			entries = append(entries, e)
		}
		if err := g.out.WriteJSON("dead/"+bundle.SafeName(name)+".json", entries); err != nil {
			return err
		}
		g.out.Note("dead-letter payloads of %s copied (%d entries, values cut at %d bytes)",
			name, len(entries), maxValueLen)
	}
	return nil
}
