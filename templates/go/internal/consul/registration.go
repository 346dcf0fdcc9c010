// Package consul registers the service with its Consul agent, deregisters it on
// shutdown, and finds the instances of other services.
package consul

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

// Check timings of the HTTP check on /health. Checks start critical; Consul removes an
// instance whose check stays critical for DeregisterAfter (at least a minute, so a
// slow restart does not lose the registration). CheckInterval is the default of
// CONSUL_CHECK_INTERVAL (see CheckIntervalFrom).
const (
	CheckInterval   = "10s"
	CheckTimeout    = "2s"
	DeregisterAfter = "1m"
)

// CheckIntervalFrom is the interval of the /health check: CONSUL_CHECK_INTERVAL (a Go
// duration such as "1s" or "500ms", as Consul's Interval field takes them), or
// CheckInterval. A shorter interval makes Consul notice a dead instance sooner.
func CheckIntervalFrom(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv("CONSUL_CHECK_INTERVAL"))
	if v == "" {
		return CheckInterval, nil
	}
	if d, err := time.ParseDuration(v); err != nil || d <= 0 {
		return "", fmt.Errorf("CONSUL_CHECK_INTERVAL=%q is not a positive duration such as 10s", v)
	}
	return v, nil
}

// Settings of one instance.
type Settings struct {
	Name    string
	Host    string
	Address string
	Port    int
	Tags    []string
	Meta    map[string]string
	// CheckInterval of the /health check; CheckInterval when empty.
	CheckInterval string
}

// ServiceID is unique per instance and stable across restarts: <name>-<host>-<port>.
// A random ID would leave a zombie registration behind every crash.
func ServiceID(name, host string, port int) string {
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, host)
	return fmt.Sprintf("%s-%s-%d", name, host, port)
}

// Address is the address registered in Consul, which Consul health-checks and Traefik
// routes to: SERVICE_ADDRESS, or 127.0.0.1. A wildcard or empty address is never
// registered (Consul would hand out an address nobody can reach).
func Address(getenv func(string) string) string {
	a := strings.TrimSpace(getenv("SERVICE_ADDRESS"))
	switch a {
	case "", "0.0.0.0", "::", "[::]":
		return "127.0.0.1"
	}
	return a
}

// Registration is the payload of PUT /v1/agent/service/register (the agent API: the
// catalog API's checks are never run).
func Registration(s Settings) *api.AgentServiceRegistration {
	id := ServiceID(s.Name, s.Host, s.Port)
	interval := s.CheckInterval
	if interval == "" {
		interval = CheckInterval
	}
	return &api.AgentServiceRegistration{
		ID:      id,
		Name:    s.Name,
		Address: s.Address,
		Port:    s.Port,
		Tags:    TagsForPort(s.Tags, s.Port),
		Meta:    s.Meta,
		Check: &api.AgentServiceCheck{
			CheckID:                        id + "-http",
			Name:                           s.Name + " /health",
			HTTP:                           "http://" + net.JoinHostPort(s.Address, strconv.Itoa(s.Port)) + "/health",
			Method:                         "GET",
			Interval:                       interval,
			Timeout:                        CheckTimeout,
			DeregisterCriticalServiceAfter: DeregisterAfter,
		},
	}
}

// TagsForPort returns tags with Traefik's server port set to port. Traefik's
// `traefik.http.services.<s>.loadbalancer.server.port` tag overrides the registered
// port (Traefik docs, Consul Catalog provider); the tags were generated for the default
// PORT, so an instance started on another port must carry its own, or Traefik would
// send its share of the traffic to a port nothing listens on.
func TagsForPort(tags []string, port int) []string {
	const marker = ".loadbalancer.server.port="
	out := make([]string, len(tags))
	for i, t := range tags {
		if head, _, ok := strings.Cut(t, marker); ok && strings.HasPrefix(head, "traefik.http.services.") {
			t = head + marker + strconv.Itoa(port)
		}
		out[i] = t
	}
	return out
}

// Agent is the part of the agent API used here; *api.Agent implements it.
type Agent interface {
	ServiceRegister(reg *api.AgentServiceRegistration) error
	ServiceDeregister(serviceID string) error
}

// Register registers reg, retrying with exponential backoff (1s doubling to 30s) while
// the agent is unreachable, until it succeeds or ctx ends.
func Register(ctx context.Context, agent Agent, reg *api.AgentServiceRegistration, sleep func(context.Context, time.Duration) error, log *slog.Logger) error {
	wait := time.Second
	for {
		err := agent.ServiceRegister(reg)
		if err == nil {
			log.Info("registered in Consul", "id", reg.ID, "address", reg.Address, "port", reg.Port)
			return nil
		}
		log.Warn("Consul registration failed; retrying", "id", reg.ID, "error", err, "retry_in", wait.String())
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("registration of %s abandoned: %w (last error: %v)", reg.ID, serr, err)
		}
		wait *= 2
		if wait > 30*time.Second {
			wait = 30 * time.Second
		}
	}
}
