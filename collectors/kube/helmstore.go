package kube

import (
	"errors"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// releaseHistory reads every revision of the release from Helm's storage, oldest first:
// Secrets (Helm's default driver), else ConfigMaps (HELM_DRIVER=configmap). A refusal is
// recorded in acc and yields no revisions; so does a release that does not exist.
func (c *Client) releaseHistory(acc *access) ([]*release.Release, error) {
	core := c.Clientset.CoreV1()
	drivers := []struct {
		resource string
		d        driver.Driver
	}{
		{"secrets", driver.NewSecrets(core.Secrets(c.Namespace))},
		{"configmaps", driver.NewConfigMaps(core.ConfigMaps(c.Namespace))},
	}
	for _, d := range drivers {
		rels, err := storage.Init(d.d).History(c.Release)
		switch {
		case acc.refused(err, "list", d.resource):
			continue
		case errors.Is(err, driver.ErrReleaseNotFound) || err == nil && len(rels) == 0:
			acc.ok()
			continue
		case err != nil:
			return nil, fmt.Errorf("read helm history of %s/%s from %s: %w",
				c.Namespace, c.Release, d.resource, err)
		}
		acc.ok()
		sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
		return rels, nil
	}
	return nil, nil
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
