package compose

import (
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/caracal-tools/bundle/redact"
)

// containerState is one row of containers.json: what `docker compose ps` and the
// State section of `docker inspect` say about a container.
type containerState struct {
	Project      string        `json:"project"`
	Service      string        `json:"service"`
	Name         string        `json:"name"`
	ID           string        `json:"id"`
	OneShot      bool          `json:"oneShot,omitempty"`
	State        string        `json:"state"`
	Health       string        `json:"health,omitempty"`
	FailStreak   int           `json:"healthFailingStreak,omitempty"`
	HealthLog    []healthCheck `json:"healthLog,omitempty"`
	RestartCount int           `json:"restartCount"`
	ExitCode     int           `json:"exitCode"`
	OOMKilled    bool          `json:"oomKilled,omitempty"`
	Error        string        `json:"error,omitempty"`
	StartedAt    string        `json:"startedAt,omitempty"`
	FinishedAt   string        `json:"finishedAt,omitempty"`
	Image        string        `json:"image"`
	ImageID      string        `json:"imageId"`
	Ports        []string      `json:"ports,omitempty"`
	// Vanished is set when the container was removed while it was being collected.
	Vanished bool `json:"vanished,omitempty"`
}

// healthCheck is one of the last health-check runs Docker keeps (up to five).
type healthCheck struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	ExitCode int       `json:"exitCode"`
	Output   string    `json:"output"`
}

// stateFromSummary fills what the container list gives; enough for a vanished one.
func stateFromSummary(c container.Summary) containerState {
	s := containerState{
		Project: c.Labels[labelProject], Service: c.Labels[labelService],
		Name: containerName(c), ID: shortID(c.ID), State: string(c.State),
		Image: c.Image, ImageID: c.ImageID,
	}
	s.OneShot = oneShots[s.Service]
	for _, p := range c.Ports {
		s.Ports = append(s.Ports, portString(p))
	}
	return s
}

// addInspect fills the state details from `docker inspect`.
func (s *containerState) addInspect(red *redact.Redactor, c container.InspectResponse) {
	if c.Config != nil && c.Config.Image != "" {
		s.Image = c.Config.Image
	}
	if c.ContainerJSONBase == nil || c.State == nil {
		return
	}
	s.ImageID = c.ContainerJSONBase.Image
	s.RestartCount = c.RestartCount
	st := c.State
	s.State, s.ExitCode, s.OOMKilled = string(st.Status), st.ExitCode, st.OOMKilled
	s.Error = red.String(st.Error)
	s.StartedAt, s.FinishedAt = zeroTime(st.StartedAt), zeroTime(st.FinishedAt)
	if st.Health == nil {
		return
	}
	s.Health, s.FailStreak = string(st.Health.Status), st.Health.FailingStreak
	for _, h := range st.Health.Log {
		if h == nil {
			continue
		}
		s.HealthLog = append(s.HealthLog, healthCheck{Start: h.Start, End: h.End,
			ExitCode: h.ExitCode, Output: red.String(strings.TrimSpace(h.Output))})
	}
}

// lastHealthOutput is the output of the newest health check, on one line.
func (s containerState) lastHealthOutput() string {
	if len(s.HealthLog) == 0 {
		return ""
	}
	return oneLine(s.HealthLog[len(s.HealthLog)-1].Output)
}

// zeroTime drops Docker's "0001-01-01T00:00:00Z" for a time that never happened.
func zeroTime(s string) string {
	if strings.HasPrefix(s, "0001-01-01") {
		return ""
	}
	return s
}

func portString(p container.Port) string {
	priv := itoa(int(p.PrivatePort)) + "/" + p.Type
	if p.PublicPort == 0 {
		return priv
	}
	return p.IP + ":" + itoa(int(p.PublicPort)) + "->" + priv
}
