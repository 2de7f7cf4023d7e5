package testbed

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func TestRedis(t *testing.T) {
	tests := []struct {
		name string
		opts []RedisOption
	}{
		{name: "password", opts: nil},
		{name: "no password", opts: []RedisOption{WithoutPassword()}},
		{name: "persistence", opts: []RedisOption{WithPersistence()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Redis(t, tc.opts...)
			opt, err := redis.ParseURL(s.URL())
			if err != nil {
				t.Fatal(err)
			}
			c := redis.NewClient(opt)
			defer func() { _ = c.Close() }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Ping(ctx).Err(); err != nil {
				t.Fatalf("ping %s: %v", s.Addr, err)
			}
		})
	}
}

func TestRedisAddUser(t *testing.T) {
	s := Redis(t)
	u := s.AddUser(t, "reader", "~*", "+@read", "+@connection")
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Get(ctx, "x").Err(); err != redis.Nil {
		t.Fatalf("get as reader: %v", err)
	}
	if err := c.Set(ctx, "x", "1", 0).Err(); err == nil {
		t.Fatal("set as reader succeeded")
	}
}

func TestPostgres(t *testing.T) {
	s := Postgres(t)
	url := s.CreateDB(t, "one")
	roleURL := s.CreateRole(t, "limited", "one")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{url, roleURL} {
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		var one int
		if err := c.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("select 1: %v", err)
		}
		_ = c.Close(ctx)
	}
	if _, err := pgx.Connect(ctx, s.UserURL("limited", "wrong", "one")); err == nil {
		t.Fatal("connect with a wrong password succeeded")
	}
}
