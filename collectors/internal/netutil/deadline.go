// Package netutil holds what the collectors that talk to a server over the network
// share: waiting out a deadline about to fire, and keeping a connection URL's secrets
// out of error messages.
package netutil

import (
	"context"
	"time"
)

// settleWindow is how close a ctx deadline must be for SettleDeadline to wait for it.
const settleWindow = 250 * time.Millisecond

// SettleDeadline waits until ctx is done when its deadline is less than a quarter of a
// second away, and returns at once otherwise. Client libraries derive socket deadlines
// from ctx, so a hanging server's read can fail just before ctx ends; waiting lets the
// runner record the collector's timeout rather than a bare i/o error.
func SettleDeadline(ctx context.Context) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < settleWindow {
		<-ctx.Done()
	}
}
