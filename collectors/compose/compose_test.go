package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// testToken is logged by the fake sts and set in its environment; it must never reach
// a bundle.
const testToken = "tok_3f9a7c21d0e84b6a9c55e1f2"

// fakeService is one service of a generated compose file.
type fakeService struct {
	name string
	env  map[string]string
	// health adds a health check calling /ready through the image's probe mode.
	health bool
	secret bool
}

// composeYAML writes a compose file running the fake Caracal image for each service.
func composeYAML(t *testing.T, image string, svcs []fakeService) string {
	t.Helper()
	secretFile := filepath.Join(t.TempDir(), "metricsBearer")
	if err := os.WriteFile(secretFile, []byte(testToken), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("version: \"3.7\"\nservices:\n")
	for _, s := range svcs {
		fmt.Fprintf(&b, "  %s:\n    image: %s\n    environment:\n", s.name, image)
		fmt.Fprintf(&b, "      FAKE_SERVICE: %q\n", s.name)
		for k, v := range s.env {
			fmt.Fprintf(&b, "      %s: %q\n", k, v)
		}
		if s.health {
			b.WriteString("    healthcheck:\n      test: [\"CMD\", \"/fakecaracal\", " +
				"\"-probe\"]\n      interval: 1s\n      timeout: 2s\n      retries: 2\n")
		}
		if s.secret {
			b.WriteString("    secrets: [metricsBearer]\n")
		}
	}
	fmt.Fprintf(&b, "secrets:\n  metricsBearer:\n    file: %s\n", secretFile)
	return b.String()
}

func healthy(name string) fakeService {
	return fakeService{name: name, health: true, env: map[string]string{}}
}

func projectConfig(projects ...string) config.Config {
	return config.Config{Compose: config.Compose{Projects: projects}}
}

// TestHealthyProject runs a full Caracal-shaped project where every service is healthy
// and checks that no collector reports a warning or failure.
func TestHealthyProject(t *testing.T) {
	dc := testbed.Docker(t)
	img := testbed.FakeCaracalImage(t, dc)
	var svcs []fakeService
	for _, s := range expectedServices {
		svcs = append(svcs, healthy(s))
	}
	svcs = append(svcs, fakeService{name: "dbMigrate", env: map[string]string{"FAKE_EXIT": "0"}})
	p := testbed.ComposeUp(t, dc, testbed.ProjectName(t, "caracal-bt"), composeYAML(t, img, svcs))
	for _, s := range expectedServices {
		p.WaitHealth(t, s, "healthy")
	}
	p.WaitHealth(t, "dbMigrate", "exited")

	cfg := projectConfig(p.Name)
	for _, c := range []bundle.Collector{containersCollector{}, logsCollector{},
		versionsCollector{}} {
		t.Run(c.Info().Name, func(t *testing.T) {
			res := bundletest.Run(t, c, cfg)
			if res.Record.Status != bundle.StatusOK {
				t.Fatalf("status %s (%s), want ok", res.Record.Status, res.Record.Reason)
			}
			t.Logf("%s: %d containers in %d ms, %d files", c.Info().Name, len(svcs),
				res.Record.DurationMS, len(res.Files(t)))
			for _, f := range res.Findings {
				if f.Severity != bundle.SeverityInfo {
					t.Errorf("healthy project gave %s finding %s: %s", f.Severity, f.Code,
						f.Message)
				}
			}
		})
	}
}

// TestFailingProject runs services in the states a broken deployment shows: a not-ready
// gateway failing its health check, a failed migration and a token in a log line.
func TestFailingProject(t *testing.T) {
	dc := testbed.Docker(t)
	img := testbed.FakeCaracalImage(t, dc)
	p := testbed.ComposeUp(t, dc, testbed.ProjectName(t, "caracal-bt"),
		composeYAML(t, img, failingServices()))
	p.WaitHealth(t, "sts", "healthy")
	p.WaitHealth(t, "gateway", "unhealthy")
	p.WaitHealth(t, "dbMigrate", "exited")
	cfg := projectConfig(p.Name)

	t.Run("containers", func(t *testing.T) { testFailingContainers(t, cfg, p.Name) })
	t.Run("logs", func(t *testing.T) { testFailingLogs(t, cfg, p.Name) })
	t.Run("versions", func(t *testing.T) { testFailingVersions(t, cfg, img) })
}

// failingServices are an sts holding the test token, a gateway that is not ready and
// a migration that exits 3.
func failingServices() []fakeService {
	sts := healthy("sts")
	sts.env["FAKE_SECRET"] = testToken
	sts.env["CARACAL_STS_ADMIN_TOKEN"] = testToken
	sts.env["DATABASE_URL"] = "postgres://caracalsts:" + testToken + "@postgres:5432/caracal"
	sts.secret = true
	gw := healthy("gateway")
	gw.env["READY_REASON"] = "revocation_snapshot_stale"
	mig := fakeService{name: "dbMigrate", env: map[string]string{"FAKE_EXIT": "3"}}
	return []fakeService{sts, gw, mig}
}

func testFailingContainers(t *testing.T, cfg config.Config, project string) {
	res := bundletest.Run(t, containersCollector{}, cfg)
	checkOK(t, res)
	for _, code := range []string{"compose.container.unhealthy", "compose.oneshot.failed",
		"compose.service.missing"} {
		if !res.Has(code) {
			t.Errorf("no finding %s in %+v", code, res.Findings)
		}
	}
	ps := res.File(t, "ps.txt")
	for _, want := range []string{"unhealthy", "healthy", "exited", "dbMigrate"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps.txt lacks %q:\n%s", want, ps)
		}
	}
	ins := res.File(t, "inspect/"+project+"_sts_1.json")
	for _, want := range []string{`"metricsBearer"`, "CARACAL_STS_ADMIN_TOKEN=",
		"FAKE_SERVICE=sts", "DATABASE_URL="} {
		if !strings.Contains(ins, want) {
			t.Errorf("inspect of sts lacks %q", want)
		}
	}
	if strings.Contains(ins, "/run/secrets/metricsBearer") {
		t.Errorf("inspect of sts shows the secret file's host path")
	}
	noLeak(t, res)
}

func testFailingLogs(t *testing.T, cfg config.Config, project string) {
	res := bundletest.Run(t, logsCollector{}, cfg)
	checkOK(t, res)
	log := res.File(t, "logs/"+project+"_sts_1.log")
	if !strings.Contains(log, `"msg":"listening"`) {
		t.Errorf("sts log lacks the listening line:\n%s", log)
	}
	mig := res.File(t, "logs/"+project+"_dbMigrate_1.log")
	if !strings.Contains(mig, "one-shot done") {
		t.Errorf("dbMigrate log lacks its last line:\n%s", mig)
	}
	noLeak(t, res)
}

func testFailingVersions(t *testing.T, cfg config.Config, img string) {
	res := bundletest.Run(t, versionsCollector{}, cfg)
	checkOK(t, res)
	if eng := res.File(t, "engine.json"); !strings.Contains(eng, `"apiVersion"`) {
		t.Errorf("engine.json: %s", eng)
	}
	if imgs := res.File(t, "images.json"); !strings.Contains(imgs, img) {
		t.Errorf("images.json lacks %s: %s", img, imgs)
	}
}

// TestLogCaps checks the line and byte caps and their notes.
func TestLogCaps(t *testing.T) {
	dc := testbed.Docker(t)
	img := testbed.FakeCaracalImage(t, dc)
	svc := healthy("sts")
	svc.env["FAKE_LOG_LINES"] = "200"
	p := testbed.ComposeUp(t, dc, testbed.ProjectName(t, "caracal-bt"),
		composeYAML(t, img, []fakeService{svc}))
	p.WaitHealth(t, "sts", "healthy")
	file := "logs/" + p.Name + "_sts_1.log"

	tests := []struct {
		name      string
		tail      int64
		bytes     int64
		wantLines int
		wantNote  string
	}{
		{name: "lines", tail: 10, bytes: 1 << 20, wantLines: 10, wantNote: "last 10 lines"},
		{name: "bytes", tail: 10000, bytes: 1000, wantNote: "cut at 1000 bytes"},
		{name: "uncut", tail: 10000, bytes: 1 << 20, wantLines: 202},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := projectConfig(p.Name)
			cfg.Kubernetes.Tail, cfg.Kubernetes.LogBytes = tc.tail, tc.bytes
			res := bundletest.Run(t, logsCollector{}, cfg)
			checkOK(t, res)
			log := res.File(t, file)
			if tc.wantLines > 0 && strings.Count(log, "\n") != tc.wantLines {
				t.Errorf("%d lines, want %d", strings.Count(log, "\n"), tc.wantLines)
			}
			if tc.bytes < 1<<20 && int64(len(log)) != tc.bytes {
				t.Errorf("%d bytes, want %d", len(log), tc.bytes)
			}
			notes := strings.Join(res.Record.Notes, "\n")
			if tc.wantNote != "" && !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes %q lack %q", notes, tc.wantNote)
			}
			if tc.wantNote == "" && strings.Contains(notes, "cut") {
				t.Errorf("unexpected cut note: %q", notes)
			}
		})
	}
}

// TestContainerVanishes removes a container between listing and reading it.
func TestContainerVanishes(t *testing.T) {
	dc := testbed.Docker(t)
	img := testbed.FakeCaracalImage(t, dc)
	tests := []struct {
		name string
		c    bundle.Collector
		hook *func()
	}{
		{"containers", containersCollector{}, &testHookAfterList},
		{"logs", logsCollector{}, &testHookBeforeLogs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testbed.ComposeUp(t, dc, testbed.ProjectName(t, "caracal-bt"),
				composeYAML(t, img, []fakeService{healthy("sts"), healthy("api")}))
			p.WaitHealth(t, "api", "healthy")
			api := p.Container(t, "api")
			*tc.hook = func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				err := dc.ContainerRemove(ctx, api.ID, container.RemoveOptions{Force: true})
				if err != nil {
					t.Errorf("remove api: %v", err)
				}
			}
			t.Cleanup(func() { *tc.hook = nil })

			res := bundletest.Run(t, tc.c, projectConfig(p.Name))
			checkOK(t, res)
			notes := strings.Join(res.Record.Notes, "\n")
			if !strings.Contains(notes, "removed during collection") {
				t.Errorf("notes %q do not record the vanished container", notes)
			}
		})
	}
}

func checkOK(t *testing.T, res *bundletest.Result) {
	t.Helper()
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s (%s), want ok; notes %q", res.Record.Status, res.Record.Reason,
			res.Record.Notes)
	}
}

// noLeak fails when the test token appears anywhere in what the collector wrote.
func noLeak(t *testing.T, res *bundletest.Result) {
	t.Helper()
	if all := res.All(t); strings.Contains(all, testToken) {
		i := strings.Index(all, testToken)
		t.Errorf("the token reached the bundle: ...%s...", all[max(0, i-80):i+len(testToken)])
	}
}
