// Package collectors links every collector into the binary: each subpackage registers
// its collectors with bundle.Register when imported.
package collectors

import (
	_ "github.com/caracal-tools/bundle/collectors/core" // bundle and host
)
