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
// slow restart does not lose the registration).
const (
	CheckInterval   = "10s"
	CheckTimeout    = "2s"
	DeregisterAfter = "1m"
)

// Settings of one instance.
type Settings struct {
	Name    string
	Host    string
	Address string
	Port    int
	Tags    []string
	Meta    map[string]string
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
	return &api.AgentServiceRegistration{
		ID:      id,
		Name:    s.Name,
		Address: s.Address,
		Port:    s.Port,
		Tags:    s.Tags,
		Meta:    s.Meta,
		Check: &api.AgentServiceCheck{
			CheckID:                        id + "-http",
			Name:                           s.Name + " /health",
			HTTP:                           "http://" + net.JoinHostPort(s.Address, strconv.Itoa(s.Port)) + "/health",
			Method:                         "GET",
			Interval:                       CheckInterval,
			Timeout:                        CheckTimeout,
			DeregisterCriticalServiceAfter: DeregisterAfter,
		},
	}
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
