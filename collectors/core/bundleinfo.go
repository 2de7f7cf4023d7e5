// Package core holds the collectors that need no configuration: the tool itself and
// the host it runs on.
package core

import (
	"context"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(toolCollector{}) }

// toolCollector records the tool's version, its redacted arguments and the effective
// configuration (which holds secret references, never values). The run's own log is
// added to the same folder when the bundle is sealed.
type toolCollector struct{}

func (toolCollector) Info() bundle.Info {
	return bundle.Info{Name: "bundle", Group: "bundle",
		Description: "the tool's version, arguments and configuration, and the run's own log"}
}

func (toolCollector) Collect(_ context.Context, env *bundle.Env, out *bundle.Sink) error {
	return out.WriteJSON("tool.json", struct {
		Tool   bundle.Tool `json:"tool"`
		Args   []string    `json:"args"`
		Config any         `json:"config"`
	}{bundle.ToolInfo(), env.Args, env.Config})
}
