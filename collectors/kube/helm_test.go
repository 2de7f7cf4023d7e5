package kube

import (
	"encoding/json"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// Secrets planted in Helm values.
const (
	firstAdminToken  = "first-admin-token-7f3a9c2e"
	secondAdminToken = "second-admin-token-b81d44f0"
	githubSecret     = "gh-oauth-secret-91c0ffee"
	unchangedHmacKey = "audit-hmac-key-5e5e5e5e5e"
)

// installRelease installs testdata/caracal as release "caracal" with the Helm SDK and
// upgrades it with a changed admin token and log level.
func installRelease(t *testing.T, cl *testbed.Cluster, ns string) {
	t.Helper()
	chart, err := loader.Load("testdata/caracal")
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &cl.Kubeconfig, &ns
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", t.Logf); err != nil {
		t.Fatalf("helm init: %v", err)
	}

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = "caracal", ns
	if _, err := install.Run(chart, releaseValues(firstAdminToken, "info")); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace = ns
	_, err = upgrade.Run("caracal", chart, releaseValues(secondAdminToken, "debug"))
	if err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
}

func releaseValues(adminToken, logLevel string) map[string]any {
	return map[string]any{
		"global": map[string]any{"logLevel": logLevel},
		"secrets": map[string]any{"plaintext": map[string]any{
			"caracalAdminToken": adminToken,
			"postgresPassword":  plantedPassword,
			"auditHmacKey":      unchangedHmacKey,
		}},
		"services": map[string]any{"api": map[string]any{"extraEnv": []any{
			map[string]any{"name": "GITHUB_CLIENT_SECRET", "value": githubSecret},
		}}},
	}
}

func assertNoHelmLeak(t *testing.T, text string) {
	t.Helper()
	assertNoLeak(t, text)
	for _, s := range []string{firstAdminToken, secondAdminToken, githubSecret, unchangedHmacKey} {
		if strings.Contains(text, s) {
			t.Errorf("bundle contains Helm secret value %q", s)
		}
	}
}

func TestHelmRelease(t *testing.T) {
	cl := testbed.Kube(t)
	ns := cl.Namespace(t)
	installRelease(t, cl, ns)

	res := bundletest.Run(t, helmRelease{}, kubeCfg(cl, ns))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	hist := res.File(t, "history.txt")
	for _, want := range []string{"superseded", "deployed", "caracal-1.0.0", "Upgrade complete"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history.txt lacks %q:\n%s", want, hist)
		}
	}

	var changes []valueChange
	raw := res.File(t, "values-diff-previous.json")
	if err := json.Unmarshal([]byte(raw), &changes); err != nil {
		t.Fatalf("values-diff-previous.json: %v", err)
	}
	got := map[string]valueChange{}
	for _, c := range changes {
		got[c.Path] = c
	}
	token := got["secrets.plaintext.caracalAdminToken"]
	if token.Change != "changed" || !strings.HasPrefix(token.New.(string), "[secret hmac:") {
		t.Errorf("admin token change = %+v, want changed and shown as an HMAC tag", token)
	}
	if got["global.logLevel"].Change != "changed" {
		t.Errorf("global.logLevel not reported changed: %+v", changes)
	}
	if _, ok := got["secrets.plaintext.auditHmacKey"]; ok {
		t.Errorf("unchanged HMAC key reported as changed")
	}

	diff := res.File(t, "values-diff-previous.diff")
	// The tags may be replaced again by the sink's redactor; they must still differ.
	if !strings.Contains(diff, "\n-    caracalAdminToken: ") ||
		!strings.Contains(diff, "\n+    caracalAdminToken: ") ||
		!strings.Contains(diff, "+  logLevel: debug") {
		t.Errorf("unified diff lacks the changes:\n%s", diff)
	}
	defaults := res.File(t, "values-diff-defaults.diff")
	if !strings.Contains(defaults, "+  logLevel: debug") {
		t.Errorf("defaults diff lacks logLevel:\n%s", defaults)
	}
	if !strings.Contains(res.File(t, "values.yaml"), "GITHUB_CLIENT_SECRET") {
		t.Errorf("values.yaml lacks the extraEnv entry name")
	}
	assertNoHelmLeak(t, res.All(t))
}

func TestHelmReleaseStates(t *testing.T) {
	cl := testbed.Kube(t)
	tests := []struct {
		name   string
		status release.Status
		code   string
	}{
		{"failed", release.StatusFailed, "helm.release.failed"},
		{"pending upgrade", release.StatusPendingUpgrade, "helm.release.pending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := cl.Namespace(t)
			installRelease(t, cl, ns)
			st := storage.Init(driver.NewSecrets(cl.Client.CoreV1().Secrets(ns)))
			rel, err := st.Last("caracal")
			if err != nil {
				t.Fatalf("last release: %v", err)
			}
			rel.Info.Status = tc.status
			if err := st.Update(rel); err != nil {
				t.Fatalf("update release: %v", err)
			}

			res := bundletest.Run(t, helmRelease{}, kubeCfg(cl, ns))
			if res.Record.Status != bundle.StatusOK {
				t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
			}
			if !res.Has(tc.code) {
				t.Errorf("no finding %s in %+v", tc.code, res.Findings)
			}
		})
	}
}
