package kube

import (
	"errors"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// releaseHistory reads every revision of the release from Helm's Secret storage (the
// driver `helm` uses by default), oldest first. A refusal is recorded in acc and yields
// no revisions; so does a release that does not exist.
func (c *Client) releaseHistory(acc *access) ([]*release.Release, error) {
	st := storage.Init(driver.NewSecrets(c.Clientset.CoreV1().Secrets(c.Namespace)))
	rels, err := st.History(c.Release)
	switch {
	case acc.refused(err, "list", "secrets"):
		return nil, nil
	case errors.Is(err, driver.ErrReleaseNotFound):
		acc.ok()
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read helm history of %s/%s: %w", c.Namespace, c.Release, err)
	}
	acc.ok()
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
	return rels, nil
}

// releaseVersion is the chart and app version of the newest revision, or nil.
func (c *Client) releaseVersion(acc *access) (*chartVersion, error) {
	rels, err := c.releaseHistory(acc)
	if err != nil || len(rels) == 0 {
		return nil, err
	}
	r := rels[len(rels)-1]
	v := &chartVersion{Revision: r.Version}
	if r.Info != nil {
		v.Status = r.Info.Status.String()
	}
	if r.Chart != nil && r.Chart.Metadata != nil {
		v.Chart = r.Chart.Metadata.Name + "-" + r.Chart.Metadata.Version
		v.AppVersion = r.Chart.Metadata.AppVersion
	}
	return v, nil
}
