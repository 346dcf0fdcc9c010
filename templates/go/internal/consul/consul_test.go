package consul

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

func TestRegistrationPayload(t *testing.T) {
	tags := []string{"traefik.enable=true", "traefik.http.routers.svc.rule=PathPrefix(`/svc`)"}
	reg := Registration(Settings{Name: "svc", Host: "build-1", Address: "10.0.0.5", Port: 8101, Tags: tags})
	if reg.ID != "svc-build-1-8101" {
		t.Errorf("ID = %q, want name-host-port", reg.ID)
	}
	if reg.Name != "svc" || reg.Address != "10.0.0.5" || reg.Port != 8101 {
		t.Errorf("name/address/port = %q %q %d", reg.Name, reg.Address, reg.Port)
	}
	if len(reg.Tags) != 2 || reg.Tags[1] != tags[1] {
		t.Errorf("tags = %v", reg.Tags)
	}
	c := reg.Check
	if c == nil || c.HTTP != "http://10.0.0.5:8101/health" || c.Interval != "10s" || c.Timeout != "2s" {
		t.Fatalf("check = %+v", c)
	}
	d, err := time.ParseDuration(c.DeregisterCriticalServiceAfter)
	if err != nil || d < time.Minute {
		t.Errorf("DeregisterCriticalServiceAfter = %q, want at least 1m", c.DeregisterCriticalServiceAfter)
	}
	again := Registration(Settings{Name: "svc", Host: "build-1", Address: "10.0.0.5", Port: 8101})
	if again.ID != reg.ID {
		t.Error("the ID must be stable across restarts")
	}
	if ServiceID("svc", "my host_1", 80) != "svc-my-host-1-80" {
		t.Errorf("host not sanitised: %q", ServiceID("svc", "my host_1", 80))
	}
}

func TestCheckIntervalFromTheEnvironment(t *testing.T) {
	for env, want := range map[string]string{"": CheckInterval, "1s": "1s", " 500ms ": "500ms"} {
		got, err := CheckIntervalFrom(func(string) string { return env })
		if err != nil || got != want {
			t.Errorf("CONSUL_CHECK_INTERVAL=%q → %q %v, want %q", env, got, err, want)
		}
	}
	for _, bad := range []string{"10", "fast", "-1s"} {
		if _, err := CheckIntervalFrom(func(string) string { return bad }); err == nil {
			t.Errorf("CONSUL_CHECK_INTERVAL=%q accepted", bad)
		}
	}
	reg := Registration(Settings{Name: "svc", Host: "h", Address: "127.0.0.1", Port: 1, CheckInterval: "1s"})
	if reg.Check.Interval != "1s" {
		t.Errorf("interval = %q", reg.Check.Interval)
	}
}

func TestTraefikServerPortFollowsThePort(t *testing.T) {
	tags := []string{"traefik.enable=true", "traefik.http.services.svc.loadbalancer.server.port=8101"}
	reg := Registration(Settings{Name: "svc", Host: "h", Address: "127.0.0.1", Port: 9001, Tags: tags})
	if reg.Tags[0] != tags[0] || reg.Tags[1] != "traefik.http.services.svc.loadbalancer.server.port=9001" {
		t.Errorf("tags = %v", reg.Tags)
	}
	if tags[1] != "traefik.http.services.svc.loadbalancer.server.port=8101" {
		t.Error("the generated tags must not be modified in place")
	}
}

func TestAddressNeverWildcard(t *testing.T) {
	for env, want := range map[string]string{"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "127.0.0.1", "orders": "orders", "10.1.2.3": "10.1.2.3"} {
		got := Address(func(string) string { return env })
		if got != want {
			t.Errorf("SERVICE_ADDRESS=%q → %q, want %q", env, got, want)
		}
	}
}

type fakeAgent struct {
	failures     int
	registered   []*api.AgentServiceRegistration
	deregistered []string
}

func (f *fakeAgent) ServiceRegister(reg *api.AgentServiceRegistration) error {
	if f.failures > 0 {
		f.failures--
		return errors.New("connection refused")
	}
	f.registered = append(f.registered, reg)
	return nil
}

func (f *fakeAgent) ServiceDeregister(id string) error {
	f.deregistered = append(f.deregistered, id)
	return nil
}

func TestRegisterRetriesWithBackoff(t *testing.T) {
	agent := &fakeAgent{failures: 3}
	var sleeps []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	reg := Registration(Settings{Name: "svc", Host: "h", Address: "127.0.0.1", Port: 1})
	if err := Register(context.Background(), agent, reg, sleep, log); err != nil {
		t.Fatal(err)
	}
	if len(agent.registered) != 1 || len(sleeps) != 3 || sleeps[0] != time.Second || sleeps[2] != 4*time.Second {
		t.Fatalf("registered %d times after sleeps %v", len(agent.registered), sleeps)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stop := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if err := Register(ctx, &fakeAgent{failures: 1}, reg, stop, log); err == nil {
		t.Fatal("a cancelled registration must report an error")
	}
}

type fakeHealth struct {
	entries     []*api.ServiceEntry
	passingOnly bool
	service     string
}

func (f *fakeHealth) Service(service, _ string, passingOnly bool, _ *api.QueryOptions) ([]*api.ServiceEntry, *api.QueryMeta, error) {
	f.service, f.passingOnly = service, passingOnly
	return f.entries, &api.QueryMeta{}, nil
}

func TestDiscoveryAsksForPassingInstances(t *testing.T) {
	h := &fakeHealth{entries: []*api.ServiceEntry{
		{Node: &api.Node{Address: "10.0.0.9"}, Service: &api.AgentService{Address: "", Port: 9000}},
	}}
	url, err := NewDiscovery(h).BaseURL(context.Background(), "catalog")
	if err != nil || url != "http://10.0.0.9:9000" {
		t.Fatalf("BaseURL = %q, %v", url, err)
	}
	if h.service != "catalog" || !h.passingOnly {
		t.Fatalf("asked for %q passing=%v", h.service, h.passingOnly)
	}
	if _, err := NewDiscovery(&fakeHealth{}).BaseURL(context.Background(), "x"); !errors.Is(err, ErrNoInstance) {
		t.Fatalf("no instance: %v", err)
	}
}
