package s3

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"shilu/internal/blob"
)

// R-STORE-2: the client's own check, for servers that verify nothing: a body whose
// bytes are not the digest or the size promised never reaches its last
// byte, so the PUT is cut short of its Content-Length and stores nothing.
func TestVerifierHoldsBackLastByte(t *testing.T) {
	data := bytes.Repeat([]byte("evidence"), 10000)
	d := blob.Sum(data)
	for _, tc := range []struct {
		name string
		src  []byte
		d    blob.Digest
		size int64
		ok   bool
	}{
		{"OK", data, d, int64(len(data)), true},
		{"ErrCorruptDigest", append(append([]byte{}, data[:len(data)-1]...), 'X'), d, int64(len(data)), false},
		{"ErrCorruptShort", data[:len(data)-1], d, int64(len(data)), false},
		{"ErrCorruptLong", append(append([]byte{}, data...), 'X'), d, int64(len(data)), false},
		{"OKOneByte", []byte{'x'}, blob.Sum([]byte{'x'}), 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &verifier{r: iotest.HalfReader(bytes.NewReader(tc.src)), want: tc.d, size: tc.size, h: sha256.New()}
			got, err := io.ReadAll(v)
			if tc.ok {
				if err != nil || !bytes.Equal(got, tc.src) {
					t.Fatalf("read %d bytes, err %v; want all %d", len(got), err, len(tc.src))
				}
				return
			}
			if !errors.Is(err, blob.ErrCorrupt) || !errors.Is(v.err, blob.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if int64(len(got)) >= tc.size {
				t.Fatalf("delivered %d bytes of %d before failing: the body was complete", len(got), tc.size)
			}
		})
	}
}
