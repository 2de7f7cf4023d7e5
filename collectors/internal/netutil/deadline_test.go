package netutil

import (
	"context"
	"testing"
	"time"
)

func TestSettleDeadline(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		waits   bool
	}{
		{"deadline a moment away", 100 * time.Millisecond, true},
		{"deadline far away", time.Minute, false},
		{"no deadline", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			SettleDeadline(ctx)
			if waited := ctx.Err() != nil; waited != tt.waits {
				t.Errorf("ctx done after SettleDeadline: %v, want %v", waited, tt.waits)
			}
		})
	}
}
