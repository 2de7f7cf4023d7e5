// Package kube collects what `kubectl get/describe/logs` and `helm get/history` show a
// support engineer about a Caracal release installed with its Helm chart: readiness,
// objects, events, logs, versions, the release's history and values diffs, and the
// metadata of Secret and ConfigMap changes.
//
// It talks to the API server with client-go (standard kubeconfig loading rules, or the
// in-cluster config) and reads Helm's release storage with the Helm SDK. Every refused
// read is recorded with the permission it needs; deploy/rbac.yaml grants them all.
//
// Collectors: kube-readiness, kube-objects, kube-events, kube-logs, kube-versions and
// kube-changes in group "kubernetes"; helm-release in group "helm".
//
// Secret values are never read into the bundle: Secrets are reduced to their metadata and
// key names as soon as they arrive, and Helm values are scrubbed before they are diffed.
package kube
