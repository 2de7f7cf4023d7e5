// Package collectors links every collector into the binary: each subpackage registers
// its collectors with bundle.Register when imported.
package collectors

import (
	_ "github.com/caracal-tools/bundle/collectors/audit"    // one request, recent changes
	_ "github.com/caracal-tools/bundle/collectors/caracal"  // the CLI and service endpoints
	_ "github.com/caracal-tools/bundle/collectors/compose"  // Docker Compose deployments
	_ "github.com/caracal-tools/bundle/collectors/core"     // the tool and the host
	_ "github.com/caracal-tools/bundle/collectors/kube"     // Kubernetes and Helm
	_ "github.com/caracal-tools/bundle/collectors/postgres" // migrations and health
	_ "github.com/caracal-tools/bundle/collectors/redis"    // Redis streams
)
