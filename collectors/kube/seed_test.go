package kube

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/internal/testbed"
)

// seeded names the objects seedRelease created.
type seeded struct {
	ns                    string
	sts, api, migrate     string
	audit                 string
	crashed, migrationJob string
}

// seedRelease creates a small Caracal-shaped release in a fresh namespace: a ready sts
// pod with probe failures, an api pod that restarted (OOMKilled) with a previous log, a
// failed migration Job with its pod, all with logs that hold tokens, and a Secret.
func seedRelease(t *testing.T, cl *testbed.Cluster) seeded {
	t.Helper()
	ns := cl.Namespace(t)
	s := seeded{
		ns: ns, sts: "caracal-caracal-sts-0", api: "caracal-caracal-api-7d9f-x2x",
		migrate: "caracal-caracal-migrate-abcde", migrationJob: "caracal-caracal-migrate",
		audit: "caracal-caracal-audit-5c4b-q7w",
	}
	cur := testbed.WriteCRILog(t, secretLogLines("sts", 50))
	prev := testbed.WriteCRILog(t, append(secretLogLines("api", 20), "fatal: out of memory"))

	cl.CreatePod(t, caracalPod(ns, s.sts, "sts", "sts"))
	cl.CreatePod(t, caracalPod(ns, s.api, "api", "api"))
	cl.CreatePod(t, caracalPod(ns, s.audit, "audit", "audit"))
	job := s.createMigrationJob(t, cl)
	mp := caracalPod(ns, s.migrate, "migrate", "migrate")
	mp.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID,
	}}
	cl.CreatePod(t, mp)

	cl.SetLogs(t, ns, s.sts, map[string]testbed.LogFiles{"sts": {Current: cur}})
	cl.SetLogs(t, ns, s.api, map[string]testbed.LogFiles{"api": {Current: cur, Previous: prev}})
	cl.SetLogs(t, ns, s.migrate, map[string]testbed.LogFiles{"migrate": {Current: prev}})
	cl.SetLogs(t, ns, s.audit, map[string]testbed.LogFiles{"audit": {Current: prev}})
	cl.WaitPodsReady(t, ns, ReleaseSelector("caracal"), 4)
	restartPod(t, cl, ns, s.api)
	crashLoop(t, cl, ns, s.audit)
	for _, p := range []string{s.sts, s.api} {
		cl.WaitLogs(t, ns, p, p[len("caracal-caracal-"):len("caracal-caracal-")+3])
	}

	createEvent(t, cl, ns, s.sts, "Unhealthy",
		`Readiness probe failed: HTTP probe failed with statuscode: 503`)
	createEvent(t, cl, ns, s.api, "BackOff", "Back-off restarting failed container api")
	createSecret(t, cl, ns)
	return s
}

func (s seeded) createMigrationJob(t *testing.T, cl *testbed.Cluster) *batchv1.Job {
	t.Helper()
	labels := caracalPod(s.ns, "", "migrate").Labels
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: s.migrationJob, Namespace: s.ns, Labels: labels},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "migrate", Image: "caracal-postgres:v1"}},
			},
		}},
	}
	jobs := cl.Client.BatchV1().Jobs(s.ns)
	job, err := jobs.Create(t.Context(), job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create job: %v", err)
	}
	now := metav1.NewTime(time.Now().Add(-time.Minute))
	job.Status = batchv1.JobStatus{
		StartTime: &now, Failed: 1,
		Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue,
				Reason: "BackoffLimitExceeded", LastTransitionTime: now},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue,
				Reason:             "BackoffLimitExceeded",
				Message:            "Job has reached the specified backoff limit",
				LastTransitionTime: now},
		},
	}
	job, err = jobs.UpdateStatus(t.Context(), job, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update job status: %v", err)
	}
	return job
}

func createSecret(t *testing.T, cl *testbed.Cluster, ns string) {
	t.Helper()
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "caracal-metrics-bearer", Namespace: ns},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{
			"caracalAdminToken": plantedSecret, "redisUrl": plantedSecret,
		},
	}
	_, err := cl.Client.CoreV1().Secrets(ns).Create(t.Context(), sec, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create secret: %v", err)
	}
}
