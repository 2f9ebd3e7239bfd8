package tusclient

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// stateStore remembers the URL of one upload in progress in a small JSON
// file named after the content, so a later process uploading the same bytes
// finds it. A nil *stateStore remembers nothing.
type stateStore struct {
	dir      string
	endpoint string
	sum      [32]byte
	size     int64
}

// stateFile is the file's content. Endpoint is kept so that the same content
// uploaded to another server does not try to resume there.
type stateFile struct {
	URL      string `json:"url"`
	Endpoint string `json:"endpoint"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

func (st *stateStore) path() string {
	return filepath.Join(st.dir, hex.EncodeToString(st.sum[:])+"-"+strconv.FormatInt(st.size, 10)+".json")
}

// load returns the remembered URL, or "" if there is none. A damaged or
// foreign file counts as none; it is overwritten by the next save.
func (st *stateStore) load() (string, error) {
	b, err := os.ReadFile(st.path())
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: %w", err)
	}
	var sf stateFile
	if json.Unmarshal(b, &sf) != nil || sf.Endpoint != st.endpoint || sf.Size != st.size ||
		sf.SHA256 != hex.EncodeToString(st.sum[:]) {
		return "", nil
	}
	if _, err := parseHTTPURL(sf.URL); err != nil {
		return "", nil
	}
	return sf.URL, nil
}

// save writes the state atomically (temp file, fsync, rename, fsync dir) so
// that a crash leaves either the old file or the new one, never half of one.
func (st *stateStore) save(url string) error {
	b, err := json.Marshal(stateFile{URL: url, Endpoint: st.endpoint, SHA256: hex.EncodeToString(st.sum[:]), Size: st.size})
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	// 0700: upload URLs are capabilities to other people's evidence uploads.
	if err := os.MkdirAll(st.dir, 0o700); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	tmp, err := os.CreateTemp(st.dir, ".state-*.tmp")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // a failed save's temp file; a no-op after the rename
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), st.path())
	}
	if err == nil {
		err = syncDir(st.dir)
	}
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// remove forgets the upload. Failure is ignored on purpose: a stale file
// only costs the next upload of the same content one HEAD, which finds the
// upload finished or gone.
func (st *stateStore) remove() {
	if st == nil {
		return
	}
	_ = os.Remove(st.path())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
