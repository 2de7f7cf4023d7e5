package kube

import (
	"bytes"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// describePod renders a pod the way `kubectl describe pod` does, except that literal
// environment values with secret-looking names are left out.
func describePod(p *corev1.Pod, evs []eventReport) []byte {
	var b bytes.Buffer
	field := func(indent, name, format string, args ...any) {
		fmt.Fprintf(&b, "%s%-16s%s\n", indent, name+":", fmt.Sprintf(format, args...))
	}
	field("", "Name", "%s", p.Name)
	field("", "Namespace", "%s", p.Namespace)
	field("", "Node", "%s/%s", dash(p.Spec.NodeName), dash(p.Status.HostIP))
	if p.Status.StartTime != nil {
		field("", "Start Time", "%s", p.Status.StartTime.UTC().Format(timeFormat))
	}
	field("", "Labels", "%s", mapText(p.Labels, "                "))
	field("", "Annotations", "%s", mapText(p.Annotations, "                "))
	field("", "Status", "%s", podStatus(p))
	field("", "IP", "%s", dash(p.Status.PodIP))
	for _, o := range p.OwnerReferences {
		field("", "Controlled By", "%s/%s", o.Kind, o.Name)
	}
	b.WriteString("Containers:\n")
	status := map[string]corev1.ContainerStatus{}
	for _, cs := range p.Status.ContainerStatuses {
		status[cs.Name] = cs
	}
	for _, c := range p.Spec.Containers {
		describeContainer(&b, c, status[c.Name])
	}
	b.WriteString("Conditions:\n")
	for _, c := range p.Status.Conditions {
		fmt.Fprintf(&b, "  %-18s%s\n", c.Type, c.Status)
	}
	b.WriteString("Volumes:\n")
	if len(p.Spec.Volumes) == 0 {
		b.WriteString("  <none>\n")
	}
	for _, v := range p.Spec.Volumes {
		fmt.Fprintf(&b, "  %s: %s\n", v.Name, volumeText(v))
	}
	if len(evs) == 0 {
		b.WriteString("Events:         <none>\n")
		return b.Bytes()
	}
	b.WriteString("Events:\n")
	b.Write(eventTable(evs, "  "))
	return b.Bytes()
}

func describeContainer(b *bytes.Buffer, c corev1.Container, cs corev1.ContainerStatus) {
	field := func(name, format string, args ...any) {
		fmt.Fprintf(b, "    %-16s%s\n", name+":", fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(b, "  %s:\n", c.Name)
	field("Image", "%s", c.Image)
	field("Image ID", "%s", dash(cs.ImageID))
	for _, p := range c.Ports {
		field("Port", "%d/%s (%s)", p.ContainerPort, p.Protocol, dash(p.Name))
	}
	field("State", "%s", stateText(cs.State))
	if cs.LastTerminationState.Terminated != nil {
		field("Last State", "%s", stateText(cs.LastTerminationState))
	}
	field("Ready", "%t", cs.Ready)
	field("Restart Count", "%d", cs.RestartCount)
	probes := []struct {
		name  string
		probe *corev1.Probe
	}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}}
	for _, pr := range probes {
		if pr.probe != nil {
			field(pr.name, "%s", probeText(pr.probe))
		}
	}
	if len(c.Env) > 0 {
		b.WriteString("    Environment:\n")
		for _, e := range c.Env {
			fmt.Fprintf(b, "      %s: %s\n", e.Name, envText(e))
		}
	}
	if len(c.VolumeMounts) > 0 {
		b.WriteString("    Mounts:\n")
		for _, m := range c.VolumeMounts {
			ro := "rw"
			if m.ReadOnly {
				ro = "ro"
			}
			fmt.Fprintf(b, "      %s from %s (%s)\n", m.MountPath, m.Name, ro)
		}
	}
}

func envText(e corev1.EnvVar) string {
	switch {
	case e.ValueFrom == nil && isSecretName(e.Name):
		return leftOut
	case e.ValueFrom == nil:
		return e.Value
	case e.ValueFrom.SecretKeyRef != nil:
		r := e.ValueFrom.SecretKeyRef
		return fmt.Sprintf("<key %q of Secret %q>", r.Key, r.Name)
	case e.ValueFrom.ConfigMapKeyRef != nil:
		r := e.ValueFrom.ConfigMapKeyRef
		return fmt.Sprintf("<key %q of ConfigMap %q>", r.Key, r.Name)
	case e.ValueFrom.FieldRef != nil:
		return "<field " + e.ValueFrom.FieldRef.FieldPath + ">"
	default:
		return "<from a resource>"
	}
}

func probeText(p *corev1.Probe) string {
	var what string
	switch {
	case p.HTTPGet != nil:
		what = fmt.Sprintf("http-get %s:%s%s", p.HTTPGet.Scheme, p.HTTPGet.Port.String(),
			p.HTTPGet.Path)
	case p.TCPSocket != nil:
		what = "tcp-socket :" + p.TCPSocket.Port.String()
	case p.Exec != nil:
		what = "exec " + strings.Join(p.Exec.Command, " ")
	case p.GRPC != nil:
		what = fmt.Sprintf("grpc :%d", p.GRPC.Port)
	}
	return fmt.Sprintf("%s delay=%ds timeout=%ds period=%ds #failure=%d", what,
		p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.FailureThreshold)
}

func volumeText(v corev1.Volume) string {
	switch s := v.VolumeSource; {
	case s.Secret != nil:
		return "Secret " + s.Secret.SecretName
	case s.ConfigMap != nil:
		return "ConfigMap " + s.ConfigMap.Name
	case s.PersistentVolumeClaim != nil:
		return "PersistentVolumeClaim " + s.PersistentVolumeClaim.ClaimName
	case s.EmptyDir != nil:
		return "EmptyDir"
	case s.Projected != nil:
		return "Projected"
	default:
		return "other"
	}
}

// mapText renders labels or annotations one per line, sorted, continuation lines
// indented by indent.
func mapText(m map[string]string, indent string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := keysOf(m)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + oneLine(m[k])
	}
	return strings.Join(lines, "\n"+indent)
}
