package bundle

// Stage is a step of the triage order, from the boundary inward.
type Stage string

// The triage stages, in the order a reader should look at them.
const (
	StageReadiness Stage = "readiness"
	StageStorage   Stage = "storage"
	StageStreams   Stage = "streams"
	StageService   Stage = "service"
	StageAudit     Stage = "audit"
)

// Stages lists the triage stages in order.
var Stages = []Stage{StageReadiness, StageStorage, StageStreams, StageService, StageAudit}

// Severity grades a finding.
type Severity string

// The severities of a finding. Info findings are facts worth showing that need no action.
const (
	SeverityInfo Severity = "info"
	SeverityWarn Severity = "warn"
	SeverityFail Severity = "fail"
)

// Finding is one structured observation a collector made, for the triage summary.
type Finding struct {
	Stage    Stage    `json:"stage"`
	Severity Severity `json:"severity"`
	// Code is a stable identifier such as "redis.dlq.entries".
	Code    string `json:"code"`
	Message string `json:"message"`
	// Subject names what the finding is about: a service, stream, pod or table.
	Subject string `json:"subject,omitempty"`
	// Area is the likely area to look at, in Caracal's own words.
	Area string `json:"area,omitempty"`
	// Files are bundle paths (relative to the bundle's top folder) that prove it.
	Files []string `json:"files,omitempty"`
	// Collector is filled in by the sink.
	Collector string `json:"collector"`
}
