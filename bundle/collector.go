package bundle

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// Collector gathers one kind of evidence into its own folder of the bundle.
//
// Collect writes files through out, which redacts every byte. It returns nil when
// everything it set out to gather was gathered, a *SkipError (see Skip) when it does not
// apply or is not allowed, and any other error when it failed. Whatever it wrote before
// returning is kept. Collect must honour ctx and must be safe to call concurrently with
// other collectors; it never holds ctx after returning.
type Collector interface {
	Info() Info
	Collect(ctx context.Context, env *Env, out *Sink) error
}

// Late is implemented by collectors that read what the others wrote (through
// Env.Staged). The runner starts them only after every other collector has ended.
type Late interface {
	Late()
}

// Info describes a collector. Name is also the name of its folder in the bundle.
type Info struct {
	Name        string // lowercase, [a-z0-9-]
	Group       string // a name --only and --skip accept for several collectors at once
	Description string // one line for `bundle collectors`
}

var (
	registryMu sync.Mutex
	registry   = map[string]Collector{}
	validName  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// Register adds a collector to the registry. It is meant for init functions and panics
// on an invalid or duplicate name, which is a programming error.
func Register(c Collector) {
	info := c.Info()
	if !validName.MatchString(info.Name) || !validName.MatchString(info.Group) {
		panic(fmt.Sprintf("bundle: invalid collector name %q or group %q", info.Name, info.Group))
	}

	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[info.Name]; dup {
		panic(fmt.Sprintf("bundle: collector %q registered twice", info.Name))
	}
	registry[info.Name] = c
}

// Registered returns every registered collector, sorted by group then name.
func Registered() []Collector {
	registryMu.Lock()
	defer registryMu.Unlock()

	out := make([]Collector, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Info(), out[j].Info()
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Name < b.Name
	})
	return out
}
