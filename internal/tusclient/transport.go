package tusclient

import (
	"net"
	"net/http"
	"time"
)

// newHTTPClient is the client used when Client.HTTP is nil. It bounds
// connecting and waiting for answers, never the transfer of a body, which
// may take hours for a large recording on a slow uplink (Client stops
// stalled bodies instead).
func newHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: 15 * time.Second,
		// Counted from the end of the request body: the answer to the last
		// PATCH comes after the server has hashed and stored the whole
		// recording, which takes a while for many GiB.
		ResponseHeaderTimeout: 10 * time.Minute,
		ExpectContinueTimeout: 2 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		// HTTP/2 is left off on purpose: an upload is one big stream, and
		// HTTP/2 flow-control windows cap it on high-latency links where
		// HTTP/1.1 runs at TCP speed.
		ForceAttemptHTTP2: false,
		WriteBufferSize:   64 << 10,
	}}
}
