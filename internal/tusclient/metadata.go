package tusclient

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// encodeMetadata renders an Upload-Metadata header: "key base64(value)"
// pairs separated by commas, keys sorted so the header is deterministic.
func encodeMetadata(m map[string]string) (string, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if err := validKey(k); err != nil {
			return "", err
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		if v := m[k]; v != "" {
			b.WriteByte(' ')
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	return b.String(), nil
}

// validKey enforces the tus rule that keys are ASCII without spaces or
// commas; we also refuse control characters, which cannot go in a header.
func validKey(k string) error {
	if k == "" {
		return fmt.Errorf("metadata key is empty")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || c == ',' {
			return fmt.Errorf("metadata key %q: only printable ASCII without spaces or commas", k)
		}
	}
	return nil
}
