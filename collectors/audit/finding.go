package audit

import "github.com/caracal-tools/bundle/bundle"

// finding records f on out with its message and subject redacted: findings carry
// text from the deployment (diagnostics, policy names, errors) and, unlike files, do
// not pass through the sink's redactor.
func finding(env *bundle.Env, out *bundle.Sink, f bundle.Finding) {
	if env.Redactor != nil {
		f.Message = env.Redactor.String(f.Message)
		f.Subject = env.Redactor.String(f.Subject)
	}
	out.Finding(f)
}
