// Package tusclient uploads files to a tus 1.0.0 server (core protocol plus
// the creation and termination extensions, and optionally the checksum
// extension) so that an interrupted upload of a large recording continues
// where the server stopped instead of starting over.
//
// The server is the source of truth: whenever a request fails in a way that
// leaves the server's state unknown, the client asks it (HEAD) how many bytes
// it holds and continues from there; the number of bytes the local transport
// managed to write is never trusted, because socket buffers and proxies swallow
// data that never reached the store.
package tusclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

const (
	tusVersion = "1.0.0"

	// recordingIDHeader is set by the shilu server on the answer that
	// completes an upload, naming the recording it created.
	recordingIDHeader = "Shilu-Recording-Id"

	// maxResultBody bounds what is kept of a server answer, so that a hostile
	// or broken server cannot make the client buffer an unbounded body.
	maxResultBody = 64 << 10

	defaultRetries   = 5
	defaultBaseDelay = 500 * time.Millisecond
	maxDelay         = 30 * time.Second

	// defaultStallTimeout ends a PATCH whose body has not moved for this
	// long. The HTTP client has no overall timeout (an upload of many GiB over
	// a slow uplink legitimately takes hours), so without this a server that
	// stops reading would hang the upload forever.
	defaultStallTimeout = 2 * time.Minute
)

// Client uploads files to one tus endpoint. Set the fields before the first
// call and do not change or copy the Client afterwards; a Client is then safe
// for concurrent use, except that concurrent uploads of the same content with
// the same StateDir would share one server-side upload and must be avoided.
type Client struct {
	// Endpoint is the absolute creation URL, e.g.
	// https://host/api/v1/uploads/. Relative upload URLs the server returns
	// are resolved against it.
	Endpoint string

	// Token, if not empty, is sent as "Authorization: Bearer <Token>" on
	// every request, including to upload URLs on other hosts the server
	// names in Location.
	Token string

	// HTTP is the client used for all requests. nil means a client with
	// timeouts for connecting and for waiting on response headers but none
	// for bodies, speaking HTTP/1.1. A client with http.Client.Timeout set
	// bounds whole uploads, which is rarely what you want.
	HTTP *http.Client

	// ChunkSize is the most bytes sent in one PATCH. 0 sends the whole rest
	// of the file in one PATCH, which is the fastest; smaller chunks only
	// help behind proxies that limit request sizes.
	ChunkSize int64

	// Retries is how many consecutive failed attempts (network errors, 5xx,
	// 423, 429, offset mismatches) are tolerated before giving up. The count
	// starts over whenever the server's offset advances, so a long upload
	// over a flaky link keeps going as long as it makes progress. 0 means 5;
	// a negative value means no retries.
	Retries int

	// StateDir, if not empty, is a directory where the URL of each upload
	// in progress is remembered, keyed by content (SHA-256 and size), so
	// that an upload interrupted by a process restart resumes instead of
	// starting over. It is created if needed.
	StateDir string

	// Checksum sends an Upload-Checksum header (tus checksum extension,
	// sha256) with every PATCH so that a server supporting the extension
	// rejects corrupted chunks with 460. A PATCH covering the whole file
	// reuses Upload.SHA256; any other costs one extra read of its bytes.
	// Servers without the extension (tusd v2) ignore the header.
	Checksum bool

	// baseDelay and stallTimeout override the defaults; tests shorten them.
	baseDelay    time.Duration
	stallTimeout time.Duration

	once        sync.Once
	defaultHTTP *http.Client
}

// Upload describes a file to upload. SHA256 and Size identify the content for
// resuming; when SHA256 is all zero, Client.Upload hashes the file itself.
type Upload struct {
	// Path is the file to upload.
	Path string
	// Size is the file's length in bytes; the upload fails if the file on
	// disk has a different length, which means it changed since hashing.
	Size int64
	// SHA256 is the digest of the file's content.
	SHA256 [32]byte
	// Metadata is sent as Upload-Metadata. Keys must be non-empty ASCII
	// without spaces or commas. "filename" (the base name of Path) and
	// "sha256" (lowercase hex) are added unless present.
	Metadata map[string]string
}

// Result describes a finished upload.
//
// Status, Header and Body are the server's answer to the request that
// completed the upload (normally the last PATCH). Status is 0 when the
// upload is complete on the server but its answer was never seen: the
// connection broke after the last byte, or an earlier process finished the
// upload and died before reading the answer. The caller then has to look the
// recording up by its SHA-256 instead of relying on RecordingID.
type Result struct {
	// URL is the upload's URL on the server.
	URL string
	// Resumed reports that the upload continued one started by an earlier
	// call, found in StateDir.
	Resumed bool
	// RecordingID is the Shilu-Recording-Id header of the final answer, or
	// 0 when it is absent or not a number (the raw value is in Header).
	RecordingID int64
	// Header is the final answer's header.
	Header http.Header
	// Body is up to 64 KiB of the final answer's body.
	Body []byte
	// Status is the final answer's status code, 0 if it was not seen.
	Status int
}

// Upload sends the file u.Path to the server, resuming an earlier upload of
// the same content when StateDir remembers one, and retrying failures as
// described for Client.Retries.
//
// progress, if not nil, is called with the number of bytes the server holds
// or the transport has read from the file so far, and the total. It may be
// called from another goroutine, never concurrently, and its count goes
// backwards when the server turns out to hold fewer bytes than were sent.
//
// A server answer that will not change by retrying (any 4xx other than 409
// offset mismatches, 423 and 429) ends the upload with a *StatusError. A
// PATCH answered 409 is treated as a tus offset mismatch (ask the server for
// its offset, continue from there) unless its body is a JSON error with code
// "conflict", which is how the shilu server reports an application conflict
// such as already stored content; that is returned as a *StatusError.
func (c *Client) Upload(ctx context.Context, u Upload, progress func(done, total int64)) (Result, error) {
	endpoint, err := parseHTTPURL(c.Endpoint)
	if err != nil {
		return Result{}, fmt.Errorf("tusclient: endpoint: %w", err)
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return Result{}, fmt.Errorf("tusclient: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	fi, err := f.Stat()
	if err != nil {
		return Result{}, fmt.Errorf("tusclient: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("tusclient: %s: not a regular file", u.Path)
	}
	if u.SHA256 == ([32]byte{}) {
		u.SHA256, u.Size, err = hashReader(ctx, f, fi.Size(), nil)
		if err != nil {
			return Result{}, fmt.Errorf("tusclient: hash %s: %w", u.Path, err)
		}
	}
	if fi.Size() != u.Size {
		return Result{}, fmt.Errorf("tusclient: %s is %d bytes, expected %d: changed since hashing?", u.Path, fi.Size(), u.Size)
	}
	meta, err := encodeMetadata(withDefaultMetadata(u))
	if err != nil {
		return Result{}, fmt.Errorf("tusclient: %w", err)
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	s := &session{
		c:        c,
		hc:       c.client(),
		endpoint: endpoint,
		file:     f,
		size:     u.Size,
		sum:      u.SHA256,
		meta:     meta,
		progress: progress,
		retries:  c.retries(),
	}
	if c.StateDir != "" {
		s.state = &stateStore{dir: c.StateDir, endpoint: endpoint.String(), sum: u.SHA256, size: u.Size}
	}
	res, err := s.run(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("tusclient: upload %s: %w", u.Path, err)
	}
	return res, nil
}

// HashFile returns the SHA-256 and length of the file at path, reading it in
// 1 MiB blocks so memory use does not depend on the file's size. progress, if
// not nil, is called after every block with the bytes hashed so far and the
// file's size when hashing started.
func HashFile(ctx context.Context, path string, progress func(done, total int64)) (sum [32]byte, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return sum, 0, fmt.Errorf("tusclient: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	fi, err := f.Stat()
	if err != nil {
		return sum, 0, fmt.Errorf("tusclient: %w", err)
	}
	sum, size, err = hashReader(ctx, f, fi.Size(), progress)
	if err != nil {
		return sum, 0, fmt.Errorf("tusclient: hash %s: %w", path, err)
	}
	return sum, size, nil
}

// hashReader hashes f from its start; it uses ReadAt so that it leaves the
// file offset alone.
func hashReader(ctx context.Context, f *os.File, total int64, progress func(done, total int64)) (sum [32]byte, size int64, err error) {
	h := sha256.New()
	buf := make([]byte, copyBufferSize)
	for {
		if err := ctx.Err(); err != nil {
			return sum, size, err
		}
		n, err := f.ReadAt(buf, size)
		h.Write(buf[:n])
		size += int64(n)
		if progress != nil && n > 0 {
			progress(size, total)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, size, err
		}
	}
	copy(sum[:], h.Sum(nil))
	return sum, size, nil
}

// Terminate asks the server to delete the upload at uploadURL (tus
// termination extension), e.g. to abandon an upload the caller no longer
// wants. An upload the server does not know (404, 410) counts as terminated.
func (c *Client) Terminate(ctx context.Context, uploadURL string) error {
	u, err := parseHTTPURL(uploadURL)
	if err != nil {
		return fmt.Errorf("tusclient: terminate: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u.String(), nil)
	if err != nil {
		return fmt.Errorf("tusclient: terminate: %w", err)
	}
	c.setHeaders(req)
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("tusclient: terminate %s: %w", u, err)
	}
	body := readBody(resp)
	switch {
	case resp.StatusCode/100 == 2, resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusGone:
		return nil
	default:
		return fmt.Errorf("tusclient: terminate %s: %w", u, newStatusError(resp.StatusCode, resp.Header, body))
	}
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.once.Do(func() { c.defaultHTTP = newHTTPClient() })
	return c.defaultHTTP
}

func (c *Client) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return defaultRetries
	default:
		return c.Retries
	}
}

func (c *Client) setHeaders(req *http.Request) {
	req.Header.Set("Tus-Resumable", tusVersion)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

func withDefaultMetadata(u Upload) map[string]string {
	m := make(map[string]string, len(u.Metadata)+2)
	for k, v := range u.Metadata {
		m[k] = v
	}
	if _, ok := m["filename"]; !ok {
		m["filename"] = filepath.Base(u.Path)
	}
	if _, ok := m["sha256"]; !ok {
		m["sha256"] = hex.EncodeToString(u.SHA256[:])
	}
	return m
}

func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return u, nil
}

// parseOffset validates an Upload-Offset header against the upload's size;
// the value comes from the server and is not trusted.
func parseOffset(h http.Header, size int64) (int64, error) {
	v := h.Get("Upload-Offset")
	if v == "" {
		return 0, errors.New("answer has no Upload-Offset")
	}
	off, err := strconv.ParseInt(v, 10, 64)
	if err != nil || off < 0 {
		return 0, fmt.Errorf("invalid Upload-Offset %q", truncate(v, 40))
	}
	if off > size {
		return 0, fmt.Errorf("Upload-Offset %d is beyond the upload's size %d", off, size)
	}
	return off, nil
}
