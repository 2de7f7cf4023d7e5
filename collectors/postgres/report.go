package postgres

import "time"

// migrationsReport is postgres/migrations.json.
type migrationsReport struct {
	CollectedAt time.Time     `json:"collectedAt"`
	Server      serverInfo    `json:"server"`
	Migrations  migrations    `json:"migrations"`
	Lock        migrationLock `json:"migrationLock"`
	LeaderLocks []leaderLock  `json:"auditLeaderLocks"`
	Schema      schema        `json:"schema"`
}

type serverInfo struct {
	Version    string `json:"version"`
	VersionNum int    `json:"versionNum"`
	InRecovery bool   `json:"inRecovery"`
	Database   string `json:"database"`
	User       string `json:"user"`
}

// migrations compares public.schema_migrations with the known Caracal migrations.
type migrations struct {
	// Source is "embedded" or the migrations folder read.
	Source       string    `json:"source"`
	Known        []string  `json:"known"`
	Applied      []applied `json:"applied"`
	Pending      []string  `json:"pending"`
	Unknown      []string  `json:"unknown"`
	TableMissing bool      `json:"tableMissing,omitempty"`
	Error        string    `json:"error,omitempty"`
}

type applied struct {
	Version   string    `json:"version"`
	AppliedAt time.Time `json:"appliedAt"`
	Known     bool      `json:"known"`
}

// migrationLock is the migration advisory lock as pg_locks shows it.
type migrationLock struct {
	Key     int64        `json:"key"`
	ClassID uint32       `json:"classid"`
	ObjID   uint32       `json:"objid"`
	Holders []lockHolder `json:"holders"`
	Error   string       `json:"error,omitempty"`
}

type lockHolder struct {
	PID         int32    `json:"pid"`
	Granted     bool     `json:"granted"`
	Mode        string   `json:"mode"`
	User        string   `json:"user,omitempty"`
	Application string   `json:"application,omitempty"`
	State       string   `json:"state,omitempty"`
	WaitEvent   string   `json:"waitEvent,omitempty"`
	QueryAgeSec *float64 `json:"queryAgeSeconds,omitempty"`
	XactAgeSec  *float64 `json:"transactionAgeSeconds,omitempty"`
}

// leaderLock is one of the audit service's leader session locks.
type leaderLock struct {
	Name string `json:"name"`
	Held bool   `json:"held"`
	PID  int32  `json:"pid,omitempty"`
}

// schema is the read-only equivalent of Caracal's schema verification.
type schema struct {
	MissingTables     []string   `json:"missingTables"`
	RetiredPresent    []string   `json:"retiredTablesPresent"`
	MissingTriggers   []string   `json:"missingTriggers"`
	RLS               []rlsTable `json:"rowLevelSecurity"`
	MissingPartitions []string   `json:"missingAuditPartitions"`
	Partitions        []string   `json:"expectedAuditPartitions"`
	MissingObjects    []string   `json:"missingIndexesAndConstraints"`
	Errors            []string   `json:"errors,omitempty"`
}

type rlsTable struct {
	Table   string `json:"table"`
	Enabled bool   `json:"enabled"`
	Policy  bool   `json:"zoneIsolationPolicy"`
}

// healthReport is postgres/health.json.
type healthReport struct {
	CollectedAt      time.Time       `json:"collectedAt"`
	MaxConnections   int             `json:"maxConnections"`
	Connections      []connGroup     `json:"connections"`
	TotalConnections int             `json:"totalConnections"`
	LongTransactions []longXact      `json:"longTransactions"`
	Replication      replication     `json:"replication"`
	Databases        []dbSize        `json:"databases"`
	EventOutbox      *eventOutbox    `json:"eventOutbox"`
	CaracalOutbox    []caracalOutbox `json:"caracalOutbox"`
	Errors           []string        `json:"errors,omitempty"`
}

type connGroup struct {
	State         string `json:"state"`
	WaitEventType string `json:"waitEventType,omitempty"`
	WaitEvent     string `json:"waitEvent,omitempty"`
	Count         int    `json:"count"`
}

type longXact struct {
	PID         int32   `json:"pid"`
	User        string  `json:"user,omitempty"`
	Database    string  `json:"database,omitempty"`
	Application string  `json:"application,omitempty"`
	State       string  `json:"state,omitempty"`
	WaitEvent   string  `json:"waitEvent,omitempty"`
	AgeSeconds  float64 `json:"ageSeconds"`
}

type replication struct {
	InRecovery bool `json:"inRecovery"`
	// ReplayLagSeconds is the age of the last replayed transaction, on a replica.
	ReplayLagSeconds *float64  `json:"replayLagSeconds,omitempty"`
	Replicas         []replica `json:"replicas"`
}

type replica struct {
	Application  string   `json:"application,omitempty"`
	State        string   `json:"state"`
	SyncState    string   `json:"syncState,omitempty"`
	ReplayLagSec *float64 `json:"replayLagSeconds,omitempty"`
}

type dbSize struct {
	Name  string `json:"name"`
	Bytes *int64 `json:"bytes"`
}

// eventOutbox is the API's outbox: pending and dead rows by stream.
type eventOutbox struct {
	Pending          int64          `json:"pending"`
	Dead             int64          `json:"dead"`
	OldestPendingSec *float64       `json:"oldestPendingAgeSeconds,omitempty"`
	OldestDeadSec    *float64       `json:"oldestDeadAgeSeconds,omitempty"`
	ByStream         []outboxStream `json:"byStream"`
}

type outboxStream struct {
	Stream  string `json:"stream"`
	Pending int64  `json:"pending"`
	Dead    int64  `json:"dead"`
}

// caracalOutbox is one producer and status of the coordinator's outbox.
type caracalOutbox struct {
	Producer     string   `json:"producer"`
	Status       string   `json:"status"`
	Count        int64    `json:"count"`
	OldestAgeSec *float64 `json:"oldestAvailableAgeSeconds,omitempty"`
}
