package consul

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/hashicorp/consul/api"
)

// Health is the part of the health API discovery uses; *api.Health implements it.
type Health interface {
	Service(service, tag string, passingOnly bool, q *api.QueryOptions) ([]*api.ServiceEntry, *api.QueryMeta, error)
}

// ErrNoInstance means no instance of the service passes its health checks.
var ErrNoInstance = errors.New("no passing instance")

// Discovery finds instances of other services: GET /v1/health/service/<name>?passing,
// so only instances whose checks pass are used, spread round-robin.
type Discovery struct {
	health Health
	next   atomic.Uint64
}

// NewDiscovery uses health (client.Health()).
func NewDiscovery(health Health) *Discovery {
	return &Discovery{health: health}
}

// Instance is one passing instance of a service.
type Instance struct {
	ID      string
	Address string
	Port    int
}

// BaseURL is http://<address>:<port>.
func (i Instance) BaseURL() string {
	return "http://" + net.JoinHostPort(i.Address, strconv.Itoa(i.Port))
}

// Pick returns a passing instance of service.
func (d *Discovery) Pick(ctx context.Context, service string) (Instance, error) {
	entries, _, err := d.health.Service(service, "", true, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return Instance{}, fmt.Errorf("discovering %s: %w", service, err)
	}
	if len(entries) == 0 {
		return Instance{}, fmt.Errorf("discovering %s: %w", service, ErrNoInstance)
	}
	e := entries[d.next.Add(1)%uint64(len(entries))]
	address := e.Service.Address
	if address == "" {
		// An instance registered without an address is reachable at its node's.
		address = e.Node.Address
	}
	return Instance{ID: e.Service.ID, Address: address, Port: e.Service.Port}, nil
}

// BaseURL is http://<address>:<port> of a passing instance of service.
func (d *Discovery) BaseURL(ctx context.Context, service string) (string, error) {
	i, err := d.Pick(ctx, service)
	if err != nil {
		return "", err
	}
	return i.BaseURL(), nil
}
