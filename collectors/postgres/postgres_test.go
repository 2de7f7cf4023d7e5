package postgres

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func cfgFor(url string) config.Config {
	return config.Config{Postgres: config.Postgres{URL: secret.Value(url)}}
}

// TestCollect shares one server; every case works in its own database.
func TestCollect(t *testing.T) {
	srv := testbed.Postgres(t)
	t.Run("healthy", func(t *testing.T) { testHealthy(t, srv) })
	t.Run("degraded", func(t *testing.T) { testDegraded(t, srv) })
	t.Run("migrations dir", func(t *testing.T) { testMigrationsDir(t, srv) })
	t.Run("permission denied on one table", func(t *testing.T) { testDenied(t, srv) })
	t.Run("empty database", func(t *testing.T) { testEmpty(t, srv) })
	t.Run("faults", func(t *testing.T) { testFaults(t, srv) })
}

func testHealthy(t *testing.T, srv *testbed.PostgresServer) {
	res := bundletest.Run(t, collector{}, cfgFor(caracalDB(t, srv, "healthy")))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	for _, f := range res.Findings {
		if f.Severity != bundle.SeverityInfo {
			t.Errorf("healthy database flagged: %s %s: %s", f.Code, f.Subject, f.Message)
		}
	}
	var m migrationsReport
	if err := json.Unmarshal([]byte(res.File(t, "migrations.json")), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Migrations.Applied) != 3 || len(m.Schema.RLS) != len(rlsTables) ||
		len(m.Schema.Partitions) != 4 || !strings.HasPrefix(m.Server.Version, "1") {
		t.Errorf("migrations.json: %+v", m)
	}
	if !strings.Contains(res.File(t, "health.json"), `"healthy"`) {
		t.Error("health.json does not list the database")
	}
}

func testDegraded(t *testing.T, srv *testbed.PostgresServer) {
	url := caracalDB(t, srv, "degraded")
	srv.Exec(t, "degraded", degradation)
	holder := srv.Conn(t, "degraded")
	ctx := t.Context()
	if _, err := holder.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_xact_lock(4732518903281471)"); err != nil {
		t.Fatal(err)
	}

	res := bundletest.Run(t, collector{}, cfgFor(url))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	want := map[string]string{
		"postgres.migrations.pending":        "schema_migrations",
		"postgres.migrations.unknown":        "schema_migrations",
		"postgres.migrations.locked":         "pid ",
		"postgres.schema.tables_missing":     "audit_ingest_alerts",
		"postgres.schema.retired_present":    "teams",
		"postgres.schema.triggers_missing":   "policy_set_versions_immutable",
		"postgres.schema.rls_off":            "providers",
		"postgres.schema.partitions_missing": "audit_events_y",
		"postgres.outbox.dead":               "event_outbox",
		"postgres.outbox.stalled":            "event_outbox",
	}
	for code, subject := range want {
		if !hasFinding(res.Findings, code, subject) {
			t.Errorf("no finding %s about %s", code, subject)
		}
	}
	if !hasFinding(res.Findings, "postgres.outbox.dead", "caracal_outbox coordinator") {
		t.Error("no finding for the dead coordinator outbox row")
	}
	t.Logf("migrations.txt:\n%s", res.File(t, "migrations.txt"))
}

func testMigrationsDir(t *testing.T, srv *testbed.PostgresServer) {
	url := caracalDB(t, srv, "withdir")
	dir := t.TempDir()
	for _, f := range []string{"0001_baseline", "0002_approval_hardening",
		"0003_operator_run_token_usage", "0004_next_release"} {
		for _, suffix := range []string{".up.sql", ".down.sql"} {
			if err := os.WriteFile(filepath.Join(dir, f+suffix), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		dir    string
		status bundle.Status
		want   string
	}{
		{"newer release", dir, bundle.StatusOK, "0004_next_release"},
		{"empty folder", t.TempDir(), bundle.StatusFailed, "no NNNN_name.up.sql"},
		{"missing folder", filepath.Join(dir, "nope"), bundle.StatusFailed, "migrationsDir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfgFor(url)
			cfg.Postgres.MigrationsDir = tc.dir
			res := bundletest.Run(t, collector{}, cfg)
			if res.Record.Status != tc.status {
				t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
			}
			if tc.status == bundle.StatusFailed {
				if !strings.Contains(res.Record.Reason, tc.want) {
					t.Errorf("reason %q lacks %q", res.Record.Reason, tc.want)
				}
				return
			}
			if !hasFinding(res.Findings, "postgres.migrations.pending", "schema_migrations") ||
				!strings.Contains(res.File(t, "migrations.txt"), tc.want) {
				t.Errorf("pending %s not reported", tc.want)
			}
		})
	}
}

func testDenied(t *testing.T, srv *testbed.PostgresServer) {
	caracalDB(t, srv, "denied")
	url := srv.CreateRole(t, "limited", "denied")
	srv.Exec(t, "denied", `GRANT SELECT ON ALL TABLES IN SCHEMA public TO limited;
REVOKE SELECT ON event_outbox FROM limited`)

	res := bundletest.Run(t, collector{}, cfgFor(url))
	if res.Record.Status != bundle.StatusPartial {
		t.Fatalf("status %s, want partial: %s", res.Record.Status, res.Record.Reason)
	}
	if !hasFinding(res.Findings, "postgres.table.unreadable", "public.event_outbox") {
		t.Errorf("no unreadable finding: %+v", res.Findings)
	}
	if !strings.Contains(res.File(t, "migrations.txt"), "0003_operator_run_token_usage") {
		t.Error("migrations were not read after the refused table")
	}
}

func testEmpty(t *testing.T, srv *testbed.PostgresServer) {
	res := bundletest.Run(t, collector{}, cfgFor(srv.CreateDB(t, "empty")))
	if res.Record.Status != bundle.StatusPartial {
		t.Fatalf("status %s, want partial: %s", res.Record.Status, res.Record.Reason)
	}
	for _, code := range []string{"postgres.table.missing", "postgres.schema.tables_missing"} {
		if !res.Has(code) {
			t.Errorf("no finding %s", code)
		}
	}
	if !strings.Contains(res.File(t, "migrations.json"), `"tableMissing": true`) {
		t.Error("migrations.json does not say schema_migrations is missing")
	}
}

func testFaults(t *testing.T, srv *testbed.PostgresServer) {
	srv.CreateDB(t, "faults")
	roleURL := srv.CreateRole(t, "faulty", "faults")
	wrong := strings.Replace(roleURL, "faulty:", "faulty:wrong-pw-93c1", 1)
	wrong = strings.Replace(wrong, "@", "x@", 1)
	hang := testbed.HangingServer(t)
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		status  bundle.Status
		reason  string
	}{
		{"unreachable", "postgres://u:pw-a1@127.0.0.1:" + testbed.ClosedPort(t) + "/x?sslmode=disable",
			time.Minute, bundle.StatusFailed, "connection refused"},
		{"refused auth", wrong, time.Minute, bundle.StatusFailed,
			"password authentication failed"},
		{"tls required by client", strings.Replace(roleURL, "sslmode=disable",
			"sslmode=require", 1), time.Minute, bundle.StatusFailed, "TLS"},
		{"accepts then hangs", "postgres://u:pw-b2@" + hang + "/x?sslmode=disable",
			2 * time.Second, bundle.StatusTimeout, ""},
		{"malformed url", "postgres://u:pw-a1@127.0.0.1:notaport/x", time.Minute,
			bundle.StatusFailed, "parse database url"},
		{"malformed dsn", "host=127.0.0.1 password=pw-a1 port=notaport", time.Minute,
			bundle.StatusFailed, "parse database url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := bundletest.RunContext(context.Background(), t, collector{}, cfgFor(tc.url),
				tc.timeout)
			t.Logf("%s after %v: %s", res.Record.Status, time.Since(start), res.Record.Reason)
			if res.Record.Status != tc.status || !strings.Contains(res.Record.Reason, tc.reason) {
				t.Fatalf("got %s %q, want %s with %q", res.Record.Status, res.Record.Reason,
					tc.status, tc.reason)
			}
			if d := time.Since(start); d > tc.timeout+5*time.Second {
				t.Errorf("took %v", d)
			}
			for _, pw := range []string{"wrong-pw-93c1", "pw-a1", "pw-b2"} {
				if strings.Contains(res.Record.Reason, pw) || strings.Contains(res.All(t), pw) {
					t.Errorf("password in the error or the bundle: %s", res.Record.Reason)
				}
			}
		})
	}
}

func TestCollectTLS(t *testing.T) {
	srv := testbed.Postgres(t, testbed.WithPostgresTLS())
	url := strings.Replace(caracalDB(t, srv, "tls"), "sslmode=disable",
		"sslmode=verify-full&sslrootcert="+srv.CAFile, 1)
	res := bundletest.Run(t, collector{}, cfgFor(url))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
}

func TestCollectNotConfigured(t *testing.T) {
	start := time.Now()
	res := bundletest.Run(t, collector{}, config.Config{})
	if res.Record.Status != bundle.StatusSkipped ||
		!strings.Contains(res.Record.Reason, "DATABASE_URL") {
		t.Fatalf("got %s: %s", res.Record.Status, res.Record.Reason)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestLockIDs(t *testing.T) {
	tests := []struct {
		name           string
		key            int64
		classID, objID uint32
	}{
		{"migration lock", migrationLockKey, 1101875, 1814001471},
		{"audit exporter", auditExporterKey, 0x43415241, 0x30303031},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, o := lockIDs(tc.key)
			if c != tc.classID || o != tc.objID {
				t.Errorf("lockIDs(%d) = %d, %d", tc.key, c, o)
			}
		})
	}
}

func hasFinding(fs []bundle.Finding, code, subject string) bool {
	for _, f := range fs {
		if f.Code == code && strings.Contains(f.Subject, subject) &&
			f.Severity != bundle.SeverityInfo {
			return true
		}
	}
	return false
}
