package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// A TLS-terminating reverse proxy (nginx, a load balancer) in front of the
// server makes every request look as if it came over plain HTTP from the
// proxy's address. Requests from a configured trusted proxy are taken at
// its word (X-Forwarded-Proto, X-Forwarded-For); anyone else's such headers
// are ignored, since any client can send them.

type secureKey struct{}

// fromProxy rewrites r as the client sent it to a trusted proxy: the
// client's address as RemoteAddr (for the custody log and the sign-in
// limit) and, when the proxy received it over TLS, a mark that makes the
// session cookie Secure.
func (s *Server) fromProxy(r *http.Request) *http.Request {
	if len(s.cfg.TrustedProxies) == 0 || !s.trusted(r.RemoteAddr) {
		return r
	}
	r2 := r.Clone(r.Context())
	if client := s.forwardedClient(r.Header.Values("X-Forwarded-For")); client.IsValid() {
		r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
	}
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		r2 = r2.WithContext(context.WithValue(r2.Context(), secureKey{}, true))
	}
	return r2
}

// trusted reports whether addr (host:port) is one of the trusted proxies.
func (s *Server) trusted(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedClient is the client address in X-Forwarded-For: the right-most
// address that is not a trusted proxy. Addresses left of it were written by
// the client and prove nothing.
func (s *Server) forwardedClient(values []string) netip.Addr {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}
		}
		if !s.trusted(ip.String()) {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// overTLS reports whether the browser's connection was encrypted: directly,
// or to a trusted proxy that said so.
func overTLS(r *http.Request) bool {
	secure, _ := r.Context().Value(secureKey{}).(bool)
	return r.TLS != nil || secure
}
