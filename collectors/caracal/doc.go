// Package caracal collects what Caracal itself says about its health: the `caracal`
// CLI's status and version (when it is on PATH), and the services' own readiness,
// liveness, metrics and stats endpoints, reached on localhost ports (Compose) or
// through the Kubernetes API server's service proxy.
//
// Collectors, all in group "caracal": caracal-cli and caracal-endpoints.
package caracal
