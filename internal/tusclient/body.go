package tusclient

import (
	"bufio"
	"io"
	"os"
	"sync"
)

// copyBufferSize is how much is read from the file at once. The transport
// asks for 32 KiB at a time; serving those from a 1 MiB buffer turns 32
// reads into one.
const copyBufferSize = 1 << 20

// fileBody is a PATCH body: a section of the file, read through a large
// buffer, reporting every byte the transport takes. Nothing else is held in
// memory, so memory use does not depend on the file's size.
type fileBody struct {
	mu     sync.Mutex
	r      *bufio.Reader // nil once detached
	done   int64
	report func(done int64)
}

func newFileBody(f *os.File, offset, n int64, report func(done int64)) *fileBody {
	size := int(min(n, copyBufferSize))
	return &fileBody{
		r:      bufio.NewReaderSize(io.NewSectionReader(f, offset, n), size),
		report: report,
	}
}

// Read holds the lock while reporting so that detach, once it returns,
// guarantees no further progress calls.
func (b *fileBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r == nil {
		return 0, errDetached
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.done += int64(n)
		b.report(b.done)
	}
	return n, err
}

// detach ends the body's use. The transport may go on reading a request body
// after the answer has arrived (a server may answer before reading it all).
func (b *fileBody) detach() {
	b.mu.Lock()
	b.r = nil
	b.mu.Unlock()
}
