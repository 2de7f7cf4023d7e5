package redisstreams

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/collectors/internal/netutil"
)

// infoSections are the INFO sections read and copied to redis/info.txt.
var infoSections = []any{"info", "server", "memory", "persistence", "replication",
	"clients", "stats"}

// probe checks the connection and reads INFO, the settings CONFIG GET allows and the
// type of every Caracal stream, in one round trip. It fails only when the server
// cannot be talked to at all.
func (g *gatherer) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, probeTimeout,
		fmt.Errorf("no answer within %s", probeTimeout))
	defer cancel()
	pipe := g.c.Pipeline()
	ping := pipe.Ping(ctx)
	info := pipe.Do(ctx, infoSections...)
	conf := redis.NewMapStringStringCmd(ctx, "config", "get", "maxmemory-policy", "save")
	_ = pipe.Process(ctx, conf)
	types := make([]*redis.StatusCmd, len(caracalStreams))
	for i, s := range caracalStreams {
		types[i] = pipe.Type(ctx, s.name)
	}
	if err := g.exec(ctx, pipe); err != nil {
		netutil.SettleDeadline(ctx)
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return fmt.Errorf("first contact: %w", cause)
		}
		return err
	}
	if err := ping.Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}

	g.readInfo(info)
	g.readConfig(conf)
	for i, s := range caracalStreams {
		st := g.addStream(s.name)
		switch t, err := types[i].Result(); {
		case err != nil:
			st.Error = "type: " + err.Error()
			g.out.Partial("redis TYPE %s: %v", s.name, err)
		case t == "stream":
			st.Exists = true
		case t != "none":
			st.Exists, st.Type = true, t
		}
	}
	return nil
}

func (g *gatherer) readInfo(cmd *redis.Cmd) {
	text, err := cmd.Text()
	if err != nil {
		g.rep.Server.InfoError = err.Error()
		g.out.Partial("redis INFO refused: %v", err)
		return
	}
	g.infoText = text
	kv := parseInfo(text)
	s := &g.rep.Server
	s.Version, s.Mode, s.Role = kv["redis_version"], kv["redis_mode"], kv["role"]
	s.MasterLinkStatus = kv["master_link_status"]
	s.ConnectedSlaves = atoi(kv["connected_slaves"])
	s.UsedMemory, s.Maxmemory = atoi(kv["used_memory"]), atoi(kv["maxmemory"])
	s.EvictedKeys = atoi(kv["evicted_keys"])
	s.ConnectedClients = atoi(kv["connected_clients"])
	s.AOFEnabled = kv["aof_enabled"] == "1"
	s.AOFLastWrite, s.RDBLastBgsave = kv["aof_last_write_status"], kv["rdb_last_bgsave_status"]
}

func (g *gatherer) readConfig(cmd *redis.MapStringStringCmd) {
	m, err := cmd.Result()
	if err != nil {
		g.rep.Server.ConfigError = err.Error()
		g.out.Note("redis CONFIG GET refused (%v): maxmemory-policy and save not checked", err)
		return
	}
	g.rep.Server.MaxmemoryPolicy = m["maxmemory-policy"]
	g.rep.Server.Save = m["save"]
}

// parseInfo reads INFO's "key:value" lines.
func parseInfo(text string) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			kv[k] = v
		}
	}
	return kv
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
