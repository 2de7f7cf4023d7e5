package kube

import (
	"reflect"
	"testing"
)

func TestScrubObject(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{
			name: "secret env value left out, others kept",
			in: map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"env": []any{
					map[string]any{"name": "GITHUB_CLIENT_SECRET", "value": "x1"},
					map[string]any{"name": "LOG_LEVEL", "value": "debug"},
					map[string]any{"name": "DATABASE_URL", "value": "postgres://u:p@h/db"},
					map[string]any{"name": "ADMIN_TOKEN", "valueFrom": map[string]any{}},
				}},
			}}},
			want: map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"env": []any{
					map[string]any{"name": "GITHUB_CLIENT_SECRET", "value": leftOut},
					map[string]any{"name": "LOG_LEVEL", "value": "debug"},
					map[string]any{"name": "DATABASE_URL", "value": leftOut},
					map[string]any{"name": "ADMIN_TOKEN", "valueFrom": map[string]any{}},
				}},
			}}},
		},
		{
			name: "managed fields and last-applied dropped",
			in: map[string]any{"metadata": map[string]any{
				"managedFields": []any{map[string]any{"manager": "helm"}},
				"annotations": map[string]any{
					"kubectl.kubernetes.io/last-applied-configuration": "{}",
					"checksum/secret": "abc",
				},
			}},
			want: map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{"checksum/secret": "abc"},
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scrubObject(tc.in)
			if !reflect.DeepEqual(tc.in, tc.want) {
				t.Errorf("got %v\nwant %v", tc.in, tc.want)
			}
		})
	}
}

func TestSecretKey(t *testing.T) {
	tests := []struct {
		path []string
		want bool
	}{
		{[]string{"secrets", "stsAdminToken", "secretName"}, false},
		{[]string{"secrets", "database", "passwordKey"}, false},
		{[]string{"services", "sts", "issuerUrl"}, false},
		{[]string{"secrets", "kekRotation"}, false},
		{[]string{"global", "logLevel"}, false},
		{[]string{"oauth", "clientSecret"}, true},
		{[]string{"metricsBearer"}, true},
		{[]string{"auth", "apiKey"}, true},
	}
	for _, tc := range tests {
		if got := secretKey(tc.path); got != tc.want {
			t.Errorf("secretKey(%v) = %t, want %t", tc.path, got, tc.want)
		}
	}
}
