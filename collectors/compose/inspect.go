package compose

import (
	"path"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/caracal-tools/bundle/redact"
)

// secretsDir is where Compose mounts secret files in a container.
const secretsDir = "/run/secrets/"

// inspectRecord is inspect/<container>.json: `docker inspect` with environment values
// redacted and secret-file mounts reduced to their names.
type inspectRecord struct {
	// SecretFiles are the names of the files mounted under /run/secrets; their host
	// paths and contents are left out.
	SecretFiles []string                  `json:"secretFiles,omitempty"`
	Inspect     container.InspectResponse `json:"inspect"`
}

// sanitize returns the record of c. It changes c's slices and maps in place: the caller
// must not use c afterwards.
func sanitize(red *redact.Redactor, c container.InspectResponse) inspectRecord {
	rec := inspectRecord{}
	kept := c.Mounts[:0]
	for _, m := range c.Mounts {
		if strings.HasPrefix(m.Destination, secretsDir) {
			rec.SecretFiles = append(rec.SecretFiles, path.Base(m.Destination))
			continue
		}
		kept = append(kept, m)
	}
	c.Mounts = kept

	if c.ContainerJSONBase != nil {
		c.Args = redactAll(red, c.Args)
		if c.HostConfig != nil {
			c.HostConfig.Binds = dropSecretBinds(c.HostConfig.Binds)
			c.HostConfig.Mounts = dropSecretMounts(c.HostConfig.Mounts)
		}
		if c.State != nil && c.State.Health != nil {
			for _, h := range c.State.Health.Log {
				h.Output = red.String(h.Output)
			}
		}
	}
	if c.Config != nil {
		c.Config.Env = envList(red, c.Config.Env)
		c.Config.Cmd = redactAll(red, c.Config.Cmd)
		c.Config.Entrypoint = redactAll(red, c.Config.Entrypoint)
		for k, v := range c.Config.Labels {
			c.Config.Labels[k] = red.String(v)
		}
	}
	rec.Inspect = c
	return rec
}

// dropSecretBinds removes "src:/run/secrets/name[:opts]" binds; the names are listed
// from the mounts.
func dropSecretBinds(binds []string) []string {
	var out []string
	for _, b := range binds {
		parts := strings.Split(b, ":")
		if len(parts) >= 2 && strings.HasPrefix(parts[1], secretsDir) {
			continue
		}
		out = append(out, b)
	}
	return out
}

// dropSecretMounts removes mount specs whose target is under /run/secrets.
func dropSecretMounts(ms []mount.Mount) []mount.Mount {
	var out []mount.Mount
	for _, m := range ms {
		if !strings.HasPrefix(m.Target, secretsDir) {
			out = append(out, m)
		}
	}
	return out
}

func redactAll(red *redact.Redactor, args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = red.String(a)
	}
	return out
}
