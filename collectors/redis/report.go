package redisstreams

import (
	"strconv"
	"strings"
	"time"
)

// report is redis/streams.json.
type report struct {
	CollectedAt time.Time `json:"collectedAt"`
	Server      server    `json:"server"`
	Streams     []*stream `json:"streams"`
	DeadLetters []*dead   `json:"deadLetters"`
	// StreamFailureKeys counts "stream-failure:*" retry counters (messages being retried).
	StreamFailureKeys int64 `json:"streamFailureKeys"`
	// StreamsCapped is set when more streams exist than the collector reads.
	StreamsCapped bool `json:"streamsCapped,omitempty"`
}

// server is what INFO and CONFIG GET tell about the server.
type server struct {
	Version          string `json:"version,omitempty"`
	Mode             string `json:"mode,omitempty"`
	Role             string `json:"role,omitempty"`
	MasterLinkStatus string `json:"masterLinkStatus,omitempty"`
	ConnectedSlaves  int64  `json:"connectedReplicas"`
	UsedMemory       int64  `json:"usedMemory"`
	Maxmemory        int64  `json:"maxmemory"`
	EvictedKeys      int64  `json:"evictedKeys"`
	ConnectedClients int64  `json:"connectedClients"`
	AOFEnabled       bool   `json:"aofEnabled"`
	AOFLastWrite     string `json:"aofLastWriteStatus,omitempty"`
	RDBLastBgsave    string `json:"rdbLastBgsaveStatus,omitempty"`
	// MaxmemoryPolicy, Save and AppendOnly come from CONFIG GET; empty when CONFIG is
	// refused, with ConfigError saying why.
	MaxmemoryPolicy string `json:"maxmemoryPolicy,omitempty"`
	Save            string `json:"save"`
	ConfigError     string `json:"configError,omitempty"`
	InfoError       string `json:"infoError,omitempty"`
}

// stream is one stream's state.
type stream struct {
	Name    string `json:"name"`
	Caracal bool   `json:"caracal"`
	Exists  bool   `json:"exists"`
	// Type is the key's type when it exists but is not a stream.
	Type            string   `json:"type,omitempty"`
	Length          int64    `json:"length"`
	Bound           int64    `json:"intendedMaxLength,omitempty"`
	FirstID         string   `json:"firstId,omitempty"`
	FirstAgeSeconds *float64 `json:"firstAgeSeconds,omitempty"`
	LastID          string   `json:"lastId,omitempty"`
	LastAgeSeconds  *float64 `json:"lastAgeSeconds,omitempty"`
	LastGeneratedID string   `json:"lastGeneratedId,omitempty"`
	EntriesAdded    int64    `json:"entriesAdded"`
	Groups          []*group `json:"groups"`
	MissingGroups   []string `json:"missingGroups,omitempty"`
	Error           string   `json:"error,omitempty"`
}

// group is one consumer group of a stream.
type group struct {
	Name        string `json:"name"`
	Provisioned bool   `json:"provisioned"`
	// ExpectedUnconsumed marks groups Caracal ships no consumer for.
	ExpectedUnconsumed bool   `json:"expectedUnconsumed"`
	Consumers          int64  `json:"consumers"`
	Pending            int64  `json:"pending"`
	LastDeliveredID    string `json:"lastDeliveredId"`
	EntriesRead        int64  `json:"entriesRead"`
	// Lag is nil when Redis cannot tell it.
	Lag             *int64 `json:"lag"`
	OldestPendingID string `json:"oldestPendingId,omitempty"`
	// OldestPendingAgeSeconds is measured from the oldest pending entry's ID time.
	OldestPendingAgeSeconds *float64    `json:"oldestPendingAgeSeconds,omitempty"`
	ConsumerList            []*consumer `json:"consumerList,omitempty"`
	Error                   string      `json:"error,omitempty"`
}

// consumer is one consumer of a group.
type consumer struct {
	Name    string `json:"name"`
	Pending int64  `json:"pending"`
	IdleMS  int64  `json:"idleMs"`
}

// dead is a dead-letter stream: the audit DLQ or a "<stream>.dead".
type dead struct {
	Stream           string   `json:"stream"`
	Length           int64    `json:"length"`
	OldestAgeSeconds *float64 `json:"oldestAgeSeconds,omitempty"`
	NewestAgeSeconds *float64 `json:"newestAgeSeconds,omitempty"`
	// Sampled is how many of the newest entries the histograms count.
	Sampled int `json:"sampled"`
	// Reasons counts the reason (audit DLQ) or error (.dead) values, cut to 200 bytes.
	Reasons []count `json:"reasons"`
	// Classes counts the same values up to the first ':'.
	Classes    []count `json:"classes"`
	Replayable int     `json:"replayable"`
	Error      string  `json:"error,omitempty"`
}

// count is one bar of a histogram.
type count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// idTime returns the time in a stream ID ("<ms>-<seq>"), or false.
func idTime(id string) (time.Time, bool) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

// ageOf returns the age at now of a stream ID, in seconds, or nil.
func ageOf(id string, now time.Time) *float64 {
	t, ok := idTime(id)
	if !ok {
		return nil
	}
	a := now.Sub(t).Seconds()
	if a < 0 {
		a = 0
	}
	a = float64(int64(a*1000)) / 1000
	return &a
}
