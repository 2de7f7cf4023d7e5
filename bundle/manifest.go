package bundle

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/caracal-tools/bundle/bundle/config"
)

// FormatVersion is the version of the bundle layout and manifest this package writes.
const FormatVersion = 1

// Version is the tool's version, set at build time with
// -ldflags "-X github.com/caracal-tools/bundle/bundle.Version=v1.2.3".
var Version = ""

// Result values of a manifest.
const (
	ResultComplete   = "complete"
	ResultIncomplete = "incomplete"
	ResultCanceled   = "canceled"
)

// Manifest describes a bundle: who made it, how each collector ended, and every file.
type Manifest struct {
	Format     int               `json:"format"`
	Tool       Tool              `json:"tool"`
	Created    time.Time         `json:"created"`
	Host       string            `json:"host"`
	Args       []string          `json:"args"`
	Config     config.Config     `json:"config"`
	Since      time.Time         `json:"since"`
	Until      time.Time         `json:"until"`
	Result     string            `json:"result"`
	Collectors []CollectorRecord `json:"collectors"`
	Files      []FileRecord      `json:"files"`
	Findings   []Finding         `json:"findings"`
	Redactions map[string]int    `json:"redactions,omitempty"`
	// Rewrites records each time the bundle was re-redacted and signed anew.
	Rewrites []Rewrite `json:"rewrites,omitempty"`
}

// Rewrite is one re-redaction of a bundle.
type Rewrite struct {
	At     time.Time `json:"at"`
	Tool   Tool      `json:"tool"`
	Signer string    `json:"previousSigner"`
}

// Tool identifies the program that wrote a bundle.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Go      string `json:"go"`
}

// ToolInfo returns this binary's name, version and Go version.
func ToolInfo() Tool {
	v := Version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	return Tool{Name: "bundle", Version: v, Go: runtime.Version()}
}

// Incomplete reports whether any collector failed, timed out, was canceled, was refused
// permission, or ended partial.
func (m *Manifest) Incomplete() bool {
	for _, c := range m.Collectors {
		if !c.Status.Complete() || c.SkipKind == Forbidden {
			return true
		}
	}
	return false
}

// ParseManifest decodes a manifest and checks its format version.
func ParseManifest(b []byte) (*Manifest, error) {
	m := &Manifest{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("manifest format %d is not supported (this tool reads %d)",
			m.Format, FormatVersion)
	}
	return m, nil
}
