package core

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestHost(t *testing.T) {
	res := bundletest.Run(t, hostCollector{}, config.Config{})
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	var rep hostReport
	if err := json.Unmarshal([]byte(res.File(t, "host.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OS == "" || rep.Hostname == "" || rep.CPUs == 0 || rep.ClockOffset == "" {
		t.Errorf("host.json is missing facts: %+v", rep)
	}
	names := map[string]bool{}
	for _, tool := range rep.Tools {
		names[tool.Name] = true
		if tool.Path == "" && tool.Error == "" {
			t.Errorf("%s: neither a path nor why not", tool.Name)
		}
	}
	for _, want := range []string{"docker", "kubectl", "helm", "caracal"} {
		if !names[want] {
			t.Errorf("no entry for %s", want)
		}
	}
}

func TestToolRecordsReferencesOnly(t *testing.T) {
	cfg := config.Config{Redis: config.Redis{URL: secret.Value("redis://:Sup3rS3cret@h:6379")},
		Postgres: config.Postgres{URL: secret.Env("DATABASE_URL")}}
	res := bundletest.Run(t, toolCollector{}, cfg)
	got := res.File(t, "tool.json")
	if strings.Contains(got, "Sup3rS3cret") {
		t.Fatalf("tool.json holds a secret value:\n%s", got)
	}
	for _, want := range []string{`"env:DATABASE_URL"`, `"value:(from command line)"`,
		`"name": "bundle"`} {
		if !strings.Contains(got, want) {
			t.Errorf("tool.json lacks %s:\n%s", want, got)
		}
	}
}
