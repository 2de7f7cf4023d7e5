package compose

import (
	"os"
	"path/filepath"
	"runtime"

	"github.com/caracal-tools/bundle/bundle/config"
)

// caracalHome returns the installed runtime folder: the configured one, else
// $CARACAL_HOME, else Caracal's own default for this OS.
func caracalHome(c config.Compose) string {
	if c.Home != "" {
		return c.Home
	}
	if v := os.Getenv("CARACAL_HOME"); v != "" {
		return v
	}
	if v := os.Getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "caracal")
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "caracal")
	case "windows":
		if v := os.Getenv("LOCALAPPDATA"); v != "" {
			return filepath.Join(v, "caracal")
		}
	}
	return filepath.Join(home, ".local", "share", "caracal")
}
