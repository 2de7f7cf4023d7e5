package kube

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/caracal-tools/bundle/bundle"
)

// workloadReport is the state of one Deployment, StatefulSet or Job.
type workloadReport struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Component string `json:"component,omitempty"`
	Desired   int32  `json:"desired"`
	Ready     int32  `json:"ready"`
	Updated   int32  `json:"updated"`
	Available int32  `json:"available"`
	// Rollout is what `kubectl rollout status` would say, in a few words; for a Job, its
	// completion state.
	Rollout string `json:"rollout"`

	state string // "ok", "progressing", "stuck", "failed"
	area  string
}

func workloadReports(st *readinessState) []workloadReport {
	var out []workloadReport
	for i := range st.Deployments {
		out = append(out, deploymentReport(&st.Deployments[i]))
	}
	for i := range st.StatefulSets {
		out = append(out, statefulSetReport(&st.StatefulSets[i]))
	}
	for i := range st.Jobs {
		out = append(out, jobReport(&st.Jobs[i]))
	}
	return out
}

func deploymentReport(d *appsv1.Deployment) workloadReport {
	r := workloadReport{
		Kind: "Deployment", Name: d.Name, Component: d.Labels[labelComponent],
		Desired: replicas(d.Spec.Replicas), Ready: d.Status.ReadyReplicas,
		Updated: d.Status.UpdatedReplicas, Available: d.Status.AvailableReplicas,
		area: area(d.Labels),
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			r.state, r.Rollout = "stuck", "stuck: progress deadline exceeded: "+c.Message
			return r
		}
	}
	switch {
	case d.Status.ObservedGeneration < d.Generation:
		r.state, r.Rollout = "progressing", "waiting for the controller to observe the spec"
	default:
		r.state, r.Rollout = rolloutCounts(r)
	}
	return r
}

func statefulSetReport(s *appsv1.StatefulSet) workloadReport {
	r := workloadReport{
		Kind: "StatefulSet", Name: s.Name, Component: s.Labels[labelComponent],
		Desired: replicas(s.Spec.Replicas), Ready: s.Status.ReadyReplicas,
		Updated: s.Status.UpdatedReplicas, Available: s.Status.AvailableReplicas,
		area: area(s.Labels),
	}
	switch {
	case s.Status.ObservedGeneration < s.Generation:
		r.state, r.Rollout = "progressing", "waiting for the controller to observe the spec"
	default:
		r.state, r.Rollout = rolloutCounts(r)
	}
	return r
}

func rolloutCounts(r workloadReport) (string, string) {
	switch {
	case r.Updated < r.Desired:
		return "progressing", fmt.Sprintf("%d of %d replicas updated", r.Updated, r.Desired)
	case r.Ready < r.Desired:
		return "progressing", fmt.Sprintf("%d of %d replicas ready", r.Ready, r.Desired)
	default:
		return "ok", "complete"
	}
}

func jobReport(j *batchv1.Job) workloadReport {
	r := workloadReport{
		Kind: "Job", Name: j.Name, Component: j.Labels[labelComponent],
		Desired: replicas(j.Spec.Completions), Ready: j.Status.Succeeded,
		Available: j.Status.Active, area: area(j.Labels),
	}
	if r.area == "" {
		r.area = area(j.Spec.Template.Labels)
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			r.state, r.Rollout = "failed", fmt.Sprintf("failed: %s %s", c.Reason, c.Message)
			return r
		case batchv1.JobComplete:
			r.state, r.Rollout = "ok", "complete"
			return r
		}
	}
	r.state, r.Rollout = "progressing", fmt.Sprintf("%d active, %d failed",
		j.Status.Active, j.Status.Failed)
	return r
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// reportWorkloads turns stuck rollouts, missing replicas and failed jobs into findings.
func reportWorkloads(out *bundle.Sink, ns string, ws []workloadReport) {
	files := []string{out.Path("status.txt"), out.Path("workloads.json")}
	for _, w := range ws {
		f := bundle.Finding{
			Stage: bundle.StageReadiness, Subject: ns + "/" + w.Name, Area: w.area,
			Files: files,
		}
		switch {
		case w.state == "stuck":
			f.Severity, f.Code = bundle.SeverityFail, "kube.rollout.stuck"
			f.Message = fmt.Sprintf("%s %s rollout is stuck: %s", w.Kind, w.Name, w.Rollout)
		case w.state == "failed" && w.area == "migrations":
			f.Stage, f.Severity, f.Code = bundle.StageStorage, bundle.SeverityFail,
				"kube.migration.failed"
			f.Message = fmt.Sprintf("migration Job %s %s", w.Name, w.Rollout)
		case w.state == "failed":
			f.Stage, f.Severity, f.Code = bundle.StageService, bundle.SeverityFail,
				"kube.job.failed"
			f.Message = fmt.Sprintf("Job %s %s", w.Name, w.Rollout)
		case w.state == "progressing" && w.Kind != "Job":
			f.Severity, f.Code = bundle.SeverityWarn, "kube.workload.not_ready"
			f.Message = fmt.Sprintf("%s %s: %s", w.Kind, w.Name, w.Rollout)
		default:
			continue
		}
		out.Finding(f)
	}
}
