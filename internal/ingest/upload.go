package ingest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unsafe"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"

	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// hashingStore wraps tusd's filestore so that every byte is hashed as it is
// written (no second pass over a multi-gigabyte file), fsynced before an
// answer acknowledges it, and the hash state survives restarts.
//
// The filestore never fsyncs; we write the chunk ourselves to the
// filestore's binary file and keep the filestore for creation, info files,
// lookup and termination. tusd's optional extensions type-assert the
// filestore's own upload type, so the As* methods unwrap ours first.
type hashingStore struct {
	fs   filestore.FileStore
	bufs sync.Pool // *[]byte of bufSize: flat memory however large the upload
	// inUse holds a token for each buffer taken from bufs, by every upload
	// together, so that memory stays flat however many uploads arrive at
	// once (issue 16: 50 stations docking each held their own buffers).
	// An upload waits for a token without holding one; blocked senders on
	// a channel are served in order, so waiting uploads take turns.
	inUse chan struct{}
}

var (
	_ handler.DataStore           = (*hashingStore)(nil)
	_ handler.TerminaterDataStore = (*hashingStore)(nil)
)

// bufSize is the unit of reading, writing and hashing. Large units mean few
// syscalls per gigabyte, which is what the ingest benchmark is sensitive to.
const bufSize = 1 << 20

// maxBuffers bounds the buffers of all uploads together: maxBuffers MiB.
// Two cores hash and write far fewer than this many buffers at a time, so
// the bound costs no throughput; each upload keeps at most perUpload of
// them, so that one fast client cannot take them all.
const (
	maxBuffers = 24
	perUpload  = 3
)

func newHashingStore(dir string) *hashingStore {
	s := &hashingStore{fs: filestore.New(dir), inUse: make(chan struct{}, maxBuffers)}
	s.bufs.New = func() any { b := alignedBuf(bufSize); return &b }
	return s
}

// getBuf takes a buffer within the bound of maxBuffers, waiting its turn.
func (s *hashingStore) getBuf(ctx context.Context) (*[]byte, error) {
	select {
	case s.inUse <- struct{}{}:
		return s.bufs.Get().(*[]byte), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// putBuf gives back a buffer of getBuf.
func (s *hashingStore) putBuf(b *[]byte) {
	*b = (*b)[:bufSize]
	s.bufs.Put(b)
	<-s.inUse
}

func (s *hashingStore) binPath(id string) string  { return filepath.Join(s.fs.Path, id) }
func (s *hashingStore) hashPath(id string) string { return filepath.Join(s.fs.Path, id+".sha256") }

func (s *hashingStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	u, err := s.fs.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	fi, err := u.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	// The new names must survive a power loss too, or the fsynced bytes
	// acknowledged later would have no name to be found by.
	if err := syncDir(s.fs.Path); err != nil {
		return nil, err
	}
	return &hashedUpload{Upload: u, s: s, id: fi.ID}, nil
}

// GetUpload finds an upload for HEAD, PATCH and DELETE. An upload belongs to
// the user who created it: to anyone else it does not exist, although its
// random ID is unguessable anyway. Requests without a user in the context
// are the server's own (recovery, sweeping).
func (s *hashingStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	u, err := s.fs.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	if caller, ok := auth.UserFrom(ctx); ok {
		// Service.ownerOnly has refused strangers already; this holds for
		// any other path to the store.
		info, err := u.GetInfo(ctx)
		if err != nil {
			return nil, err
		}
		if info.MetaData[metaUploader] != caller.Name {
			return nil, handler.ErrNotFound
		}
	}
	return &hashedUpload{Upload: u, s: s, id: id}, nil
}

// owner is the account that created upload id, read without its lock.
func (s *hashingStore) owner(ctx context.Context, id string) (string, error) {
	u, err := s.fs.GetUpload(ctx, id)
	if err != nil {
		return "", err
	}
	info, err := u.GetInfo(ctx)
	if err != nil {
		return "", err
	}
	return info.MetaData[metaUploader], nil
}

func (s *hashingStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*hashedUpload)
}

// hashedUpload is one upload of hashingStore.
type hashedUpload struct {
	handler.Upload // the filestore's own upload
	s              *hashingStore
	id             string
}

// Terminate removes the upload's bytes, info and hash state.
func (u *hashedUpload) Terminate(ctx context.Context) error {
	err := u.s.fs.AsTerminatableUpload(u.Upload).Terminate(ctx)
	if rerr := os.Remove(u.s.hashPath(u.id)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

type chunkChecksumKey struct{}

// chunkChecksum is a PATCH's declared Upload-Checksum (tus checksum
// extension), carried from the HTTP middleware to WriteChunk in the context.
type chunkChecksum struct {
	newHash func() hash.Hash
	sum     []byte
}

var checksumAlgorithms = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "md5": md5.New}

// WriteChunk appends src to the upload. Reading, writing and hashing run as
// a pipeline: the request goroutine reads from the network and writes to
// the file while another goroutine hashes the buffers already written, so
// the hash costs no wall time on a machine with a spare core. The chunk is
// fsynced, then the hash state is saved, before tusd acknowledges the new
// offset.
func (u *hashedUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (written int64, err error) {
	h, _, err := u.s.hashAt(u.id, offset)
	if err != nil {
		return 0, fmt.Errorf("ingest: resume hash of %s: %w", u.id, err)
	}
	want, _ := ctx.Value(chunkChecksumKey{}).(*chunkChecksum)
	var ch hash.Hash
	if want != nil {
		ch = want.newHash()
	}
	f, err := openChunkFile(u.s.binPath(u.id))
	if err != nil {
		return 0, err
	}
	// Bytes are acknowledged only if their file also closes cleanly: some
	// file systems report a failed write back only at close.
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("ingest: close %s: %w", u.id, cerr)
		}
	}()

	// credits bound this upload's share of the buffers: one is taken per
	// buffer read and given back once the buffer is hashed.
	toHash := make(chan *[]byte, perUpload)
	credits := make(chan struct{}, perUpload)
	for range perUpload {
		credits <- struct{}{}
	}
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range toHash {
			h.Write(*b)
			if ch != nil {
				ch.Write(*b)
			}
			u.s.putBuf(b)
			credits <- struct{}{}
		}
	}()
	var n int64
	var rerr, werr error
	for rerr == nil && werr == nil {
		<-credits
		b, err := u.s.getBuf(ctx)
		if err != nil {
			rerr = err
			break
		}
		want := bufSize
		if r := (offset + n) % pageSize; r != 0 {
			// Bring the offset to a page boundary first, so that the
			// following full buffers can bypass the page cache.
			want = int(pageSize - r)
		}
		var m int
		m, rerr = io.ReadFull(src, (*b)[:want])
		if m > 0 {
			var w int
			w, werr = f.WriteAt((*b)[:m], offset+n)
			n += int64(w)
			*b = (*b)[:w]
			toHash <- b
			continue
		}
		u.s.putBuf(b)
	}
	close(toHash)
	<-hashed
	if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
		rerr = nil // the end of this PATCH's body
	}
	if werr != nil {
		// The file may hold a partial write that the hash does not cover;
		// the next WriteChunk hashes it from the file (hashAt).
		return n, fmt.Errorf("ingest: write %s: %w", u.id, werr)
	}
	if ch != nil && (rerr != nil || !bytes.Equal(ch.Sum(nil), want.sum)) {
		// Checksum extension: a chunk that is incomplete or does not match
		// its checksum is discarded whole, and the saved state is kept.
		if err := f.buffered.Truncate(offset); err != nil {
			return n, fmt.Errorf("ingest: discard chunk of %s: %w", u.id, err)
		}
		if rerr != nil {
			return 0, rerr
		}
		return 0, tusError(ctx, evidence.Errorf(evidence.EChecksum, "err.upload.chunk_checksum"))
	}
	// Keep whatever arrived before a broken connection: the client resumes
	// from the offset we acknowledge, and every acknowledged byte is durable.
	if err := f.buffered.Sync(); err != nil {
		return 0, fmt.Errorf("ingest: sync %s: %w", u.id, err)
	}
	if err := u.s.saveHash(u.id, offset+n, h); err != nil {
		return n, err
	}
	return n, rerr
}

// FinishUpload makes sure the hash covers the whole file, which is fsynced.
// The digest is read by Service.finish through uploadDigest.
func (u *hashedUpload) FinishUpload(ctx context.Context) error {
	info, err := u.Upload.GetInfo(ctx)
	if err != nil {
		return err
	}
	_, err = u.s.digest(u.id, info.Size)
	return err
}

// hashState is the sidecar file <id>.sha256: magic, the offset the state
// covers, and the marshaled SHA-256 state. It is a cache: when it is missing,
// torn or behind the file, the bytes on disk are hashed again.
const hashMagic = "SHILUHS1"

func (s *hashingStore) saveHash(id string, offset int64, h hash.Hash) error {
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return fmt.Errorf("ingest: save hash of %s: %w", id, err)
	}
	buf := append([]byte(hashMagic), binary.BigEndian.AppendUint64(nil, uint64(offset))...)
	buf = append(buf, state...)
	tmp := s.hashPath(id) + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o600); err != nil {
		return fmt.Errorf("ingest: save hash of %s: %w", id, err)
	}
	if err := os.Rename(tmp, s.hashPath(id)); err != nil {
		return fmt.Errorf("ingest: save hash of %s: %w", id, err)
	}
	return nil
}

// hashAt returns a hash of the upload's first offset bytes: the saved state,
// brought forward from the file when the state lags it, or recomputed; and
// whether it had to read the file.
func (s *hashingStore) hashAt(id string, offset int64) (hash.Hash, bool, error) {
	h := sha256.New()
	from := int64(0)
	if b, err := os.ReadFile(s.hashPath(id)); err == nil && len(b) > len(hashMagic)+8 && string(b[:len(hashMagic)]) == hashMagic {
		at := int64(binary.BigEndian.Uint64(b[len(hashMagic):]))
		if at <= offset && h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b[len(hashMagic)+8:]) == nil {
			from = at
		} else {
			h.Reset()
		}
	}
	if from == offset {
		return h, false, nil
	}
	f, err := os.Open(s.binPath(id))
	if err != nil {
		return nil, false, err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data

	// Rarely in a request's path: a resume after a crash.
	bp, err := s.getBuf(context.Background())
	if err != nil {
		return nil, false, err
	}
	defer s.putBuf(bp)
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, from, offset-from), *bp); err != nil {
		return nil, false, err
	}
	return h, true, nil
}

// digest returns the SHA-256 of a complete upload of size bytes.
func (s *hashingStore) digest(id string, size int64) (blob.Digest, error) {
	fi, err := os.Stat(s.binPath(id))
	if err != nil {
		return blob.Digest{}, fmt.Errorf("ingest: digest of %s: %w", id, err)
	}
	if fi.Size() != size {
		return blob.Digest{}, fmt.Errorf("ingest: digest of %s: file has %d bytes, want %d", id, fi.Size(), size)
	}
	h, caughtUp, err := s.hashAt(id, size)
	if err != nil {
		return blob.Digest{}, fmt.Errorf("ingest: digest of %s: %w", id, err)
	}
	if caughtUp {
		if err := s.saveHash(id, size, h); err != nil {
			return blob.Digest{}, err
		}
	}
	return blob.Digest(h.Sum(nil)), nil
}

// pageSize is the alignment O_DIRECT needs of file offsets, lengths and
// buffer addresses (the logical block size is at most this on the file
// systems Shilu runs on).
const pageSize = 4096

// chunkFile writes an upload's bytes at given offsets. Page-aligned runs go
// through a second descriptor opened with O_DIRECT: on the reference
// machine, copying multi-gigabyte uploads into the page cache and writing
// them back cost over half of the server's CPU time, while direct writes
// cost a fraction of it and leave the cache to the blobs people read.
// Unaligned heads and tails, and file systems without O_DIRECT (tmpfs), use
// the ordinary descriptor; the kernel keeps the two coherent.
type chunkFile struct {
	buffered *os.File
	direct   *os.File // nil when the file system refuses O_DIRECT
}

func openChunkFile(path string) (*chunkFile, error) {
	b, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	d, err := os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
	if err != nil {
		d = nil
	}
	return &chunkFile{buffered: b, direct: d}, nil
}

// WriteAt writes p at off: the largest page-aligned prefix directly when p
// starts on a page boundary in memory and in the file, the rest buffered.
func (f *chunkFile) WriteAt(p []byte, off int64) (int, error) {
	n := 0
	if k := len(p) &^ (pageSize - 1); f.direct != nil && k > 0 && off%pageSize == 0 && uintptr(unsafe.Pointer(&p[0]))%pageSize == 0 {
		m, err := f.direct.WriteAt(p[:k], off)
		n += m
		if err != nil {
			if !errors.Is(err, syscall.EINVAL) {
				return n, err
			}
			// Accepted at open but not for writing: nothing went through
			// this descriptor, so its close cannot lose data.
			f.direct.Close() //nolint:errcheck // see above
			f.direct = nil
		}
	}
	m, err := f.buffered.WriteAt(p[n:], off+int64(n))
	return n + m, err
}

func (f *chunkFile) Close() error {
	var derr error
	if f.direct != nil {
		derr = f.direct.Close()
	}
	return errors.Join(derr, f.buffered.Close())
}

// alignedBuf returns n bytes starting on a page boundary, as O_DIRECT
// requires of buffer addresses.
func alignedBuf(n int) []byte {
	b := make([]byte, n+pageSize)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) % pageSize); r != 0 {
		skip = pageSize - r
	}
	return b[skip : skip+n : skip+n]
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ingest: sync %s: %w", dir, err)
	}
	defer d.Close() //nolint:errcheck // read-only handle: Sync's error is the one that counts
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ingest: sync %s: %w", dir, err)
	}
	return nil
}
