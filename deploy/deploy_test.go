// Package deploy_test checks that the manifests in this folder are accepted by a real
// API server and that the image builds and runs.
package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.KubeMain(m)) }

// TestManifestsApply sends every object of the manifests to the API server with a
// server-side dry run: schema, defaults and validation all run, nothing is stored.
func TestManifestsApply(t *testing.T) {
	c := testbed.Kube(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "caracal"}}
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(
		memory.NewMemCacheClient(c.Client.Discovery()))

	for _, file := range []string{"rbac.yaml", "cronjob.yaml"} {
		objs := readObjects(t, file)
		if len(objs) == 0 {
			t.Fatalf("%s holds no object", file)
		}
		for _, o := range objs {
			gvk := o.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %s: %v", file, gvk, err)
			}
			res := c.Dynamic.Resource(m.Resource)
			var ri interface {
				Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions,
					...string) (*unstructured.Unstructured, error)
			} = res
			if o.GetNamespace() != "" {
				ri = res.Namespace(o.GetNamespace())
			}
			_, err = ri.Create(ctx, o, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll},
				FieldValidation: "Strict"})
			if err != nil {
				t.Errorf("%s: %s %s: %v", file, gvk.Kind, o.GetName(), err)
			}
		}
	}
}

func readObjects(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	var out []*unstructured.Unstructured
	for {
		o := &unstructured.Unstructured{}
		if err := dec.Decode(&o.Object); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(o.Object) > 0 {
			out = append(out, o)
		}
	}
}

// TestImage builds the image of the Dockerfile around a static binary and runs it.
func TestImage(t *testing.T) {
	testbed.Docker(t)
	ctx := t.TempDir()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctx, "bundle"),
		"./cmd/bundle")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), df, 0o644); err != nil {
		t.Fatal(err)
	}

	tag := "caracal-bundle-test:" + strings.ToLower(filepath.Base(ctx))
	run(t, "docker", "build", "-q", "-t", tag, ctx)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	out := run(t, "docker", "run", "--rm", tag, "version")
	if !strings.HasPrefix(out, "bundle ") {
		t.Errorf("version: %q", out)
	}
	user := run(t, "docker", "image", "inspect", "-f", "{{.Config.User}}", tag)
	if strings.TrimSpace(user) != "65532:65532" {
		t.Errorf("image user = %q, want 65532:65532", user)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}
