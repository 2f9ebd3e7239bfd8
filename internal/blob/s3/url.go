package s3

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// ParseURL reads a store's location from a URL:
//
//	s3://BUCKET?endpoint=HOST:PORT[&secure=false][&region=R][&prefix=P]
//	      [&retention=8760h][&max-put=5GiB][&part-size=64MiB][&credentials=FILE]
//
// secure defaults to true (https). The credentials never appear in the URL
// (it ends up in shell histories, process lists and unit files): they come
// from the file named by credentials= (lines access_key=… and secret_key=…,
// readable by the server's account alone), else from the environment's
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as every S3 tool reads them.
func ParseURL(raw string, getenv func(string) string) (Config, error) {
	var cfg Config
	u, err := url.Parse(raw)
	if err != nil {
		return cfg, fmt.Errorf("s3: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return cfg, fmt.Errorf("s3: %q: want s3://BUCKET?endpoint=HOST:PORT", raw)
	}
	if u.User != nil {
		return cfg, errors.New("s3: credentials do not belong in the URL: use credentials=FILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	cfg.Bucket = u.Host
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "secure", "region", "prefix", "retention", "max-put", "part-size", "credentials":
		default:
			return cfg, fmt.Errorf("s3: unknown parameter %q", k)
		}
	}
	cfg.Endpoint = q.Get("endpoint")
	if cfg.Endpoint == "" {
		return cfg, errors.New("s3: endpoint=HOST:PORT is required")
	}
	cfg.Secure = true
	if v := q.Get("secure"); v != "" {
		if cfg.Secure, err = strconv.ParseBool(v); err != nil {
			return cfg, fmt.Errorf("s3: secure: %w", err)
		}
	}
	cfg.Region, cfg.Prefix = q.Get("region"), q.Get("prefix")
	if v := q.Get("retention"); v != "" {
		if cfg.Retention, err = time.ParseDuration(v); err != nil || cfg.Retention <= 0 {
			return cfg, fmt.Errorf("s3: retention %q: want a positive duration such as 8760h", v)
		}
	}
	for name, p := range map[string]*int64{"max-put": &cfg.MaxPut, "part-size": &cfg.PartSize} {
		if v := q.Get(name); v != "" {
			n, err := humanize.ParseBytes(v)
			if err != nil {
				return cfg, fmt.Errorf("s3: %s: %w", name, err)
			}
			*p = int64(n)
		}
	}
	if p := q.Get("credentials"); p != "" {
		cfg.AccessKey, cfg.SecretKey, err = readCredentials(p)
		if err != nil {
			return cfg, err
		}
	} else {
		cfg.AccessKey, cfg.SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return cfg, errors.New("s3: no credentials: set credentials=FILE in the URL, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return cfg, nil
}

// readCredentials reads access_key= and secret_key= lines; a file others
// may read is refused, as ssh refuses a private key left open.
func readCredentials(path string) (access, secret string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("s3: credentials: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("s3: credentials %s is open to others (%v): chmod 600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("s3: credentials: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "access_key":
			access = strings.TrimSpace(v)
		case "secret_key":
			secret = strings.TrimSpace(v)
		}
	}
	// Never print the content: it is a secret.
	if access == "" || secret == "" {
		return "", "", fmt.Errorf("s3: credentials %s: want lines access_key=… and secret_key=…", path)
	}
	return access, secret, nil
}
