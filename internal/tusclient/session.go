package tusclient

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// session is one call of Client.Upload.
type session struct {
	c        *Client
	hc       *http.Client
	endpoint *url.URL
	file     *os.File
	size     int64
	sum      [32]byte
	meta     string
	progress func(done, total int64)
	state    *stateStore // nil when nothing is persisted

	url      string // the upload's URL once known
	retries  int
	failures int // consecutive failures without the server's offset advancing
}

// answer is a server response whose body has been read (bounded) and closed.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (s *session) run(ctx context.Context) (Result, error) {
	var res Result
	var offset int64
	if s.state != nil {
		stored, err := s.state.load()
		if err != nil {
			return Result{}, err
		}
		if stored != "" {
			off, err := attempt(ctx, s, func() (int64, error) { return s.head(ctx, stored) })
			switch {
			case err == nil:
				s.url, offset, res.Resumed = stored, off, true
			case isGone(err):
				// The server forgot the upload (expired, terminated) or it
				// is not ours: start over.
				s.state.remove()
			default:
				return Result{}, err
			}
		}
	}
	if s.url == "" {
		a, err := attempt(ctx, s, func() (answer, error) { return s.create(ctx) })
		if err != nil {
			return Result{}, err
		}
		if s.size == 0 {
			// The creation request completed an empty upload, so its
			// answer is the final one.
			s.progress(0, 0)
			return s.result(res, a), nil
		}
		// Remember the upload before sending data, so that a crash at any
		// later point can resume it.
		if s.state != nil {
			if err := s.state.save(s.url); err != nil {
				return Result{}, err
			}
		}
	}
	res.URL = s.url
	s.progress(offset, s.size)
	if offset == s.size {
		// An earlier call sent everything but never saw the answer.
		s.state.remove()
		return res, nil
	}
	return s.send(ctx, res, offset)
}

// send PATCHes the file from offset until the server holds all of it.
func (s *session) send(ctx context.Context, res Result, offset int64) (Result, error) {
	needHead := false
	for {
		if needHead {
			off, err := attempt(ctx, s, func() (int64, error) { return s.head(ctx, s.url) })
			if err != nil {
				if isGone(err) {
					s.state.remove()
				}
				return Result{}, err
			}
			// The server's offset may be lower than what was confirmed
			// before if it lost data; it is the truth either way.
			offset = off
			s.progress(offset, s.size)
			if offset == s.size {
				// The last bytes arrived but the answer was lost.
				s.state.remove()
				return res, nil
			}
			needHead = false
		}

		n := s.size - offset
		if cs := s.c.ChunkSize; cs > 0 && n > cs {
			n = cs
		}
		var checksum string
		if s.c.Checksum {
			var err error
			if checksum, err = s.checksum(ctx, offset, n); err != nil {
				return Result{}, err
			}
		}
		a, err := s.patch(ctx, offset, n, checksum)
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, err
			}
			if err := s.retry(ctx, err); err != nil {
				return Result{}, err
			}
			needHead = true
			continue
		}

		what := fmt.Sprintf("PATCH %s at offset %d", s.url, offset)
		switch {
		case a.status/100 == 2:
			next, err := parseOffset(a.header, s.size)
			if err == nil && (next < offset || next > offset+n) {
				err = fmt.Errorf("Upload-Offset %d outside the %d bytes sent from %d", next, n, offset)
			}
			if err != nil {
				return Result{}, fmt.Errorf("%s: %w", what, err)
			}
			if next == offset {
				if err := s.retry(ctx, fmt.Errorf("%s: server accepted none of %d bytes", what, n)); err != nil {
					return Result{}, err
				}
				needHead = true
				continue
			}
			s.failures = 0
			if next == s.size {
				s.state.remove()
				return s.result(res, a), nil
			}
			if next < offset+n {
				s.progress(next, s.size) // the server kept fewer bytes than were read
			}
			offset = next
		case a.status == http.StatusConflict && errorCode(a.body) != "conflict":
			// tus: the offset we sent is not the server's; ask for it.
			if err := s.retry(ctx, fmt.Errorf("%s: %w", what, newStatusError(a.status, a.header, a.body))); err != nil {
				return Result{}, err
			}
			needHead = true
		case retryable(a.status):
			if err := s.retry(ctx, transient(what, a)); err != nil {
				return Result{}, err
			}
			needHead = true
		default:
			err := fmt.Errorf("%s: %w", what, newStatusError(a.status, a.header, a.body))
			if isGone(err) {
				s.state.remove()
			}
			return Result{}, err
		}
	}
}

// create POSTs a new upload and sets s.url from the answer's Location.
func (s *session) create(ctx context.Context) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint.String(), http.NoBody)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Upload-Length", strconv.FormatInt(s.size, 10))
	if s.meta != "" {
		req.Header.Set("Upload-Metadata", s.meta)
	}
	what := "POST " + s.endpoint.String()
	a, err := s.roundTrip(req)
	switch {
	case err != nil:
		return answer{}, networkError(ctx, err)
	case a.status/100 == 2:
		loc := a.header.Get("Location")
		if loc == "" {
			return answer{}, fmt.Errorf("%s: answer %d has no Location", what, a.status)
		}
		u, err := s.resolve(loc)
		if err != nil {
			return answer{}, fmt.Errorf("%s: Location: %w", what, err)
		}
		s.url = u
		return a, nil
	case retryable(a.status):
		return answer{}, transient(what, a)
	default:
		return answer{}, fmt.Errorf("%s: %w", what, newStatusError(a.status, a.header, a.body))
	}
}

// head asks the server how many bytes of the upload at u it holds.
func (s *session) head(ctx context.Context, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return 0, err
	}
	what := "HEAD " + u
	a, err := s.roundTrip(req)
	switch {
	case err != nil:
		return 0, networkError(ctx, err)
	case a.status == http.StatusOK || a.status == http.StatusNoContent:
		off, err := parseOffset(a.header, s.size)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		if l := a.header.Get("Upload-Length"); l != "" && l != strconv.FormatInt(s.size, 10) {
			return 0, fmt.Errorf("%s: Upload-Length %q, want %d: %w", what, truncate(l, 40), s.size, errForeign)
		}
		return off, nil
	case retryable(a.status):
		return 0, transient(what, a)
	default:
		return 0, fmt.Errorf("%s: %w", what, newStatusError(a.status, a.header, a.body))
	}
}

// patch sends n bytes of the file from offset. An error means no answer was
// received; its cause may be ctx, a stall, or the network.
func (s *session) patch(ctx context.Context, offset, n int64, checksum string) (answer, error) {
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := s.c.stallTimeout
	if stall == 0 {
		stall = defaultStallTimeout
	}
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()

	body := newFileBody(s.file, offset, n, func(done int64) {
		s.progress(offset+done, s.size)
		if done == n {
			// Waiting for the answer is bounded by the transport, and the
			// server may legitimately take long to process the last chunk.
			watchdog.Stop()
		} else {
			watchdog.Reset(stall)
		}
	})
	// Whatever happens, the transport must not read the file or report
	// progress once the answer is in: a later attempt may already be
	// running and the file may be closed.
	defer body.detach()

	req, err := http.NewRequestWithContext(pctx, http.MethodPatch, s.url, body)
	if err != nil {
		return answer{}, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	// Lets the server refuse (409, 423, 413) before we push what may be
	// gigabytes into a request it will not accept.
	req.Header.Set("Expect", "100-continue")
	if checksum != "" {
		req.Header.Set("Upload-Checksum", checksum)
	}
	a, err := s.roundTrip(req)
	if err != nil && errors.Is(context.Cause(pctx), errStalled) && ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", errStalled, err)
	}
	return a, err
}

// checksum returns the Upload-Checksum value for n bytes from offset.
func (s *session) checksum(ctx context.Context, offset, n int64) (string, error) {
	if offset == 0 && n == s.size {
		return "sha256 " + base64.StdEncoding.EncodeToString(s.sum[:]), nil
	}
	h := sha256.New()
	buf := make([]byte, min(n, copyBufferSize))
	sr := io.NewSectionReader(s.file, offset, n)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		m, err := sr.Read(buf)
		h.Write(buf[:m])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("checksum of bytes %d-%d: %w", offset, offset+n, err)
		}
	}
	return "sha256 " + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

func (s *session) roundTrip(req *http.Request) (answer, error) {
	s.c.setHeaders(req)
	resp, err := s.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: readBody(resp)}, nil
}

// resolve turns a Location into an absolute upload URL. The token will be
// sent there, so it must not be downgraded to plain http.
func (s *session) resolve(loc string) (string, error) {
	ref, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("%q: %w", truncate(loc, 200), err)
	}
	u := s.endpoint.ResolveReference(ref)
	u.Fragment = ""
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", truncate(loc, 200))
	}
	if s.endpoint.Scheme == "https" && u.Scheme != "https" {
		return "", fmt.Errorf("%q downgrades https to http", truncate(loc, 200))
	}
	return u.String(), nil
}

func (s *session) result(res Result, a answer) Result {
	res.URL = s.url
	res.Status = a.status
	res.Header = a.header
	res.Body = a.body
	if v := a.header.Get(recordingIDHeader); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			res.RecordingID = id
		}
	}
	return res
}

// retry accounts for a failed attempt and waits before the next one, or
// returns the error that ends the upload.
func (s *session) retry(ctx context.Context, err error) error {
	s.failures++
	if s.failures > s.retries {
		return fmt.Errorf("giving up after %d failed attempts: %w", s.failures, err)
	}
	var after time.Duration
	var te *transientError
	if errors.As(err, &te) {
		after = te.after
	}
	t := time.NewTimer(s.delay(after))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (while waiting to retry after: %v)", ctx.Err(), err)
	case <-t.C:
		return nil
	}
}

// delay is an exponential backoff with jitter, so that many stations
// reconnecting after a server restart do not all come back at once.
func (s *session) delay(retryAfter time.Duration) time.Duration {
	base := s.c.baseDelay
	if base == 0 {
		base = defaultBaseDelay
	}
	d := base
	for i := 1; i < s.failures && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	d = d/2 + rand.N(d/2+1)
	return min(max(d, retryAfter), maxDelay)
}

// attempt runs op until it succeeds, fails for good, or the retry budget
// is spent.
func attempt[T any](ctx context.Context, s *session, op func() (T, error)) (T, error) {
	for {
		v, err := op()
		var te *transientError
		if !errors.As(err, &te) {
			return v, err
		}
		if err := s.retry(ctx, err); err != nil {
			var zero T
			return zero, err
		}
	}
}

// networkError classifies a failed request: worth retrying unless ctx ended.
func networkError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return &transientError{err: err}
}

// transient is the error for an answer worth retrying.
func transient(what string, a answer) error {
	return &transientError{
		err:   fmt.Errorf("%s: %w", what, newStatusError(a.status, a.header, a.body)),
		after: retryAfter(a.header),
	}
}

// retryable reports whether an answer may change by asking again later.
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusLocked, http.StatusTooManyRequests:
		return true
	}
	return status >= 500 && status <= 599
}

// retryAfter parses Retry-After; retry caps what a server may ask for.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return min(time.Duration(secs)*time.Second, maxDelay)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxDelay)
	}
	return 0
}
