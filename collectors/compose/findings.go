package compose

import (
	"fmt"
	"strconv"

	"github.com/caracal-tools/bundle/bundle"
)

// serviceArea names, in Caracal's words, where to look when a compose service is down.
var serviceArea = map[string]string{
	"postgres":         "Postgres connectivity, migrations and pools",
	"redis":            "Redis connectivity, noeviction, persistence and consumer groups",
	"dbMigrate":        "Postgres migrations (dbMigrate runs caracal-migrate)",
	"replayVolumeInit": "replay volumes (stsReplay, gatewayReplay)",
}

func areaOf(service string) string {
	if a, ok := serviceArea[service]; ok {
		return a
	}
	return "Compose containers: service readiness and logs of " + service
}

func stageOf(service string) bundle.Stage {
	switch service {
	case "postgres", "redis", "dbMigrate", "replayVolumeInit":
		return bundle.StageStorage
	}
	return bundle.StageService
}

// stateFindings reports what is abnormal about one container; a running, healthy
// container that never restarted gives none.
func stateFindings(s containerState, files []string) []bundle.Finding {
	var out []bundle.Finding
	add := func(sev bundle.Severity, code, format string, args ...any) {
		out = append(out, bundle.Finding{Stage: stageOf(s.Service), Severity: sev,
			Code: code, Message: fmt.Sprintf(format, args...), Subject: s.Project + "/" +
				s.Service, Area: areaOf(s.Service), Files: files})
	}

	switch {
	case s.OneShot:
		if s.State == "exited" && s.ExitCode != 0 {
			add(bundle.SeverityFail, "compose.oneshot.failed",
				"one-shot %s exited with code %d", s.Name, s.ExitCode)
		}
	case s.State == "running" && s.Health == "unhealthy":
		add(bundle.SeverityFail, "compose.container.unhealthy",
			"%s is unhealthy after %d failed checks: %s", s.Name, s.FailStreak,
			s.lastHealthOutput())
	case s.State == "running" && s.Health == "starting":
		add(bundle.SeverityWarn, "compose.container.starting",
			"%s is still starting (health check not passed yet)", s.Name)
	case s.State == "exited" || s.State == "dead":
		add(bundle.SeverityFail, "compose.container.down",
			"%s is %s with exit code %d (finished %s)", s.Name, s.State, s.ExitCode,
			s.FinishedAt)
	case s.State == "restarting":
		add(bundle.SeverityFail, "compose.container.restarting",
			"%s is restarting (exit code %d)", s.Name, s.ExitCode)
	case s.State != "running":
		add(bundle.SeverityWarn, "compose.container.not-running", "%s is %s", s.Name,
			s.State)
	}
	if s.OOMKilled {
		add(bundle.SeverityFail, "compose.container.oom", "%s was killed for memory", s.Name)
	}
	if s.RestartCount > 0 {
		add(bundle.SeverityWarn, "compose.container.restarts", "%s restarted %d times",
			s.Name, s.RestartCount)
	}
	return out
}

// expectedServices are the long-running services of both Caracal compose files.
var expectedServices = []string{
	"postgres", "redis", "sts", "api", "gateway", "audit", "coordinator", "web",
}

// missingFindings reports expected services with no container in a project.
func missingFindings(project string, present map[string]bool, file string) []bundle.Finding {
	var out []bundle.Finding
	for _, svc := range expectedServices {
		if present[svc] {
			continue
		}
		out = append(out, bundle.Finding{Stage: stageOf(svc), Severity: bundle.SeverityWarn,
			Code: "compose.service.missing", Subject: project + "/" + svc,
			Message: fmt.Sprintf("project %s has no %s container", project, svc),
			Area:    areaOf(svc), Files: []string{file}})
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
