package caracal

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// TestEndpointsOnContainers reaches fake Caracal services running in a compose project
// on the real Docker engine through their published ports.
func TestEndpointsOnContainers(t *testing.T) {
	dc := testbed.Docker(t)
	img := testbed.FakeCaracalImage(t, dc)
	yaml := fmt.Sprintf(`version: "3.7"
services:
  sts:
    image: %[1]s
    ports: ["127.0.0.1::8080"]
    environment:
      FAKE_SERVICE: sts
      METRICS_BEARER: %[2]s
      METRICS_JSON: '{"opa":{"compile_errors":2},"sts":{"audit_replay_files":0}}'
  gateway:
    image: %[1]s
    ports: ["127.0.0.1::8080"]
    environment:
      FAKE_SERVICE: gateway
      READY_REASON: revocation_snapshot_stale
`, img, testMetricsBearer)
	p := testbed.ComposeUp(t, dc, testbed.ProjectName(t, "caracal-bt"), yaml)

	t.Setenv("TEST_METRICS_BEARER", testMetricsBearer)
	cfg := config.Config{Caracal: config.Caracal{Mode: "compose",
		MetricsBearer: secret.Env("TEST_METRICS_BEARER"), Endpoints: map[string]string{}}}
	for _, s := range services {
		cfg.Caracal.Endpoints[s.name] = fmt.Sprintf("http://127.0.0.1:%d", testbed.FreePort(t))
	}
	for _, svc := range []string{"sts", "gateway"} {
		c := p.Container(t, svc)
		bind := c.NetworkSettings.Ports["8080/tcp"]
		if len(bind) == 0 {
			t.Fatalf("%s publishes no port", svc)
		}
		cfg.Caracal.Endpoints[svc] = "http://127.0.0.1:" + bind[0].HostPort
	}
	waitAnswers(t, cfg.Caracal.Endpoints["sts"]+"/health")
	waitAnswers(t, cfg.Caracal.Endpoints["gateway"]+"/health")

	res := bundletest.Run(t, endpointsCollector{}, cfg)
	checkOK(t, res)
	f := findingByCode(t, res, "caracal.ready.revocation_snapshot_stale")
	if f.Subject != "gateway" {
		t.Errorf("finding %+v", f)
	}
	findingByCode(t, res, "caracal.metrics.sts.opa.compile_errors")
	if m := res.File(t, "metrics/sts.json"); !strings.Contains(m, "compile_errors") {
		t.Errorf("metrics/sts.json: %s", m)
	}
	noLeak(t, res, testMetricsBearer)
}
