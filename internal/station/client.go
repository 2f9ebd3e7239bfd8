package station

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// limiter is a token bucket shared by every connection to the server:
// BandwidthLimit caps the station's uploads together, whatever their
// number. A nil *limiter does not limit.
type limiter struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	tokens float64
	last   time.Time
}

func newLimiter(bytesPerSec int64) *limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	return &limiter{rate: float64(bytesPerSec), last: time.Now()}
}

// burst is the most one write may send at once: a tenth of a second's
// worth, at least 16 KiB.
func (l *limiter) burst() int { return max(int(l.rate/10), 16<<10) }

// wait blocks until n bytes may be sent.
func (l *limiter) wait(n int) {
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.tokens+now.Sub(l.last).Seconds()*l.rate, float64(l.burst()))
	l.last = now
	l.tokens -= float64(n)
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	time.Sleep(d)
}

// limitedConn paces its writes through the limiter.
type limitedConn struct {
	net.Conn
	l *limiter
}

func (c limitedConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), c.l.burst())
		c.l.wait(k)
		w, err := c.Conn.Write(p[:k])
		n += w
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// newHTTPClient is the tus client's transport (timeouts as tusclient's
// own: none on bodies, which take hours on a slow uplink), with every
// connection paced by l.
func newHTTPClient(l *limiter) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if l != nil {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return limitedConn{Conn: c, l: l}, nil
		}
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 10 * time.Minute,
		ExpectContinueTimeout: 2 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
		WriteBufferSize:       64 << 10,
	}}
}

// recordingOfConflict reads the recording id from the archive's answer
// that the content is archived already.
func recordingOfConflict(body []byte) int64 {
	var b struct {
		Error struct {
			Details struct {
				RecordingID int64 `json:"recording_id"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil {
		return 0
	}
	return b.Error.Details.RecordingID
}

// lookup asks the archive for the recording holding content sha256 (hex):
// its answer is the confirmation that the archive has verified and
// catalogued those bytes (the ingest compares them with the declared
// digest before it catalogues).
func (s *Station) lookup(ctx context.Context, sha256 string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", s.cfg.Server+"/api/v1/recordings?sha256="+url.QueryEscape(sha256), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("archive answered %s", resp.Status)
	}
	var list struct {
		Recordings []struct {
			ID     int64  `json:"id"`
			SHA256 string `json:"sha256"`
		} `json:"recordings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return 0, err
	}
	s.contacted()
	for _, r := range list.Recordings {
		if r.SHA256 == sha256 {
			return r.ID, nil
		}
	}
	return 0, fmt.Errorf("no recording with sha256 %s yet", sha256)
}
