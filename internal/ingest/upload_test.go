package ingest

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// chunkFile writes the same bytes whether a run goes direct or buffered,
// for every mix of aligned and unaligned offsets and lengths, and when the
// file system offers no O_DIRECT at all.
func TestChunkFileWritesExactBytes(t *testing.T) {
	want := make([]byte, 3*pageSize*5+123)
	rand.Read(want)
	for _, tc := range []struct {
		name   string
		direct bool
		cuts   []int // lengths of successive writes
	}{
		{"AlignedRuns", true, []int{4 * pageSize, 8 * pageSize, len(want) - 12*pageSize}},
		{"UnalignedHeadThenAligned", true, []int{100, pageSize - 100, 10 * pageSize, len(want) - 11*pageSize}},
		{"OddSizes", true, []int{1, 4095, 4097, 7, len(want) - 1 - 4095 - 4097 - 7}},
		{"NoODirect", false, []int{100, 5 * pageSize, len(want) - 100 - 5*pageSize}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "upload")
			check(t, os.WriteFile(path, nil, 0o644))
			f, err := openChunkFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.direct && f.direct != nil {
				check(t, f.direct.Close())
				f.direct = nil
			}
			buf := alignedBuf(len(want))
			off := 0
			for _, n := range tc.cuts {
				// Copy into an aligned buffer as WriteChunk does: each
				// write starts at the buffer's beginning.
				copy(buf, want[off:off+n])
				if w, err := f.WriteAt(buf[:n], int64(off)); err != nil || w != n {
					t.Fatalf("WriteAt(%d bytes at %d) = %d, %v", n, off, w, err)
				}
				off += n
			}
			check(t, f.Close())
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, want) {
				t.Fatalf("file differs from what was written (%d vs %d bytes)", len(got), len(want))
			}
		})
	}
}
