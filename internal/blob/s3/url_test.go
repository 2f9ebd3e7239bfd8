package s3

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("access_key = AK\nsecret_key=SK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open")
	if err := os.WriteFile(open, []byte("access_key=AK\nsecret_key=SK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "EK", "AWS_SECRET_ACCESS_KEY": "ES"}
	for _, tc := range []struct {
		name, url string
		env       map[string]string
		want      Config
		err       string
	}{
		{name: "OKFromEnvironment", url: "s3://evidence?endpoint=s3.local:9000&region=cn-east&prefix=a/&retention=720h&max-put=1GiB&part-size=16MiB", env: env,
			want: Config{Endpoint: "s3.local:9000", Secure: true, Region: "cn-east", Bucket: "evidence", Prefix: "a/", AccessKey: "EK", SecretKey: "ES", Retention: 720 * time.Hour, MaxPut: 1 << 30, PartSize: 16 << 20}},
		{name: "OKFromFile", url: "s3://evidence?endpoint=127.0.0.1:7070&secure=false&credentials=" + good, env: env,
			want: Config{Endpoint: "127.0.0.1:7070", Bucket: "evidence", AccessKey: "AK", SecretKey: "SK"}},
		{name: "ErrSecretInURL", url: "s3://AK:SK@evidence?endpoint=x:1", env: env, err: "do not belong in the URL"},
		{name: "ErrFileOpenToOthers", url: "s3://evidence?endpoint=x:1&credentials=" + open, err: "open to others"},
		{name: "ErrNoCredentials", url: "s3://evidence?endpoint=x:1", err: "no credentials"},
		{name: "ErrNoEndpoint", url: "s3://evidence", env: env, err: "endpoint"},
		{name: "ErrUnknownParameter", url: "s3://evidence?endpoint=x:1&secret_key=SK", env: env, err: "unknown parameter"},
		{name: "ErrNotS3", url: "file:///data", env: env, err: "want s3://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURL(tc.url, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "SK") {
					t.Fatalf("error %q shows the secret", err)
				}
				return
			}
			if err != nil || got.Clock != nil || got.Transport != nil || !equalConfig(got, tc.want) {
				t.Fatalf("ParseURL = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func equalConfig(a, b Config) bool {
	a.Clock, b.Clock, a.Transport, b.Transport = nil, nil, nil, nil
	return a.Endpoint == b.Endpoint && a.Secure == b.Secure && a.Region == b.Region && a.Bucket == b.Bucket &&
		a.Prefix == b.Prefix && a.AccessKey == b.AccessKey && a.SecretKey == b.SecretKey &&
		a.Retention == b.Retention && a.MaxPut == b.MaxPut && a.PartSize == b.PartSize
}
