package config

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration written as "90s", "24h" or "7d" in YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration parses Go durations plus a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	var days int
	n, err := fmt.Sscanf(s, "%dd", &days)
	if err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use 90s, 15m, 24h or 7d)", s)
	}
	return d, nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"24h\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
