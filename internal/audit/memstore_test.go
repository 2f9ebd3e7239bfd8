package audit

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/transparency-dev/merkle/compact"
)

// memStore is an in-memory test double of the storage seam (Tx and Reader),
// so that this package's tests need no database; the SQL implementation in
// internal/store has its own tests. Every call works on a copy taken under
// the lock: that is the one-snapshot-per-call Reader promises, and it lets
// Verify interleave calls. Its tamper methods do what someone with write
// access to the database could do.
type memStore struct {
	mu          sync.Mutex
	entries     []memEntry // in index order, as a table ordered by index
	nodes       map[compact.NodeID][]byte
	size        uint64
	hashes      [][]byte
	checkpoints []Checkpoint // in size order
}

type memEntry struct {
	index      uint64
	data, leaf []byte
}

var (
	_ Tx     = (*memStore)(nil)
	_ Reader = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{nodes: make(map[compact.NodeID][]byte)}
}

func (m *memStore) LogState(ctx context.Context) (uint64, [][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Handed out as is, not cloned: Append must not write into it.
	return m.size, m.hashes, nil
}

func (m *memStore) StoreAppend(ctx context.Context, index uint64, data, leafHash []byte, nodes []Node, hashes [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if index != m.size {
		return fmt.Errorf("memstore: append %d to a log of size %d", index, m.size)
	}
	for _, n := range nodes {
		if _, ok := m.nodes[n.ID]; ok {
			return fmt.Errorf("memstore: node %v exists", n.ID)
		}
	}
	m.entries = append(m.entries, memEntry{index, slices.Clone(data), slices.Clone(leafHash)})
	for _, n := range nodes {
		m.nodes[n.ID] = slices.Clone(n.Hash)
	}
	m.size = index + 1
	m.hashes = cloneHashes(hashes)
	return nil
}

func (m *memStore) StoreCheckpoint(ctx context.Context, cp Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.checkpoints); n > 0 && m.checkpoints[n-1].Size >= cp.Size {
		return fmt.Errorf("memstore: checkpoint %d after %d", cp.Size, m.checkpoints[n-1].Size)
	}
	m.checkpoints = append(m.checkpoints, cp)
	return nil
}

func (m *memStore) LatestCheckpoint(ctx context.Context) (Checkpoint, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.checkpoints) == 0 {
		return Checkpoint{}, false, nil
	}
	return m.checkpoints[len(m.checkpoints)-1], true, nil
}

func (m *memStore) AuditEntry(ctx context.Context, index uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.entries {
		if e.index == index {
			return slices.Clone(e.data), nil
		}
	}
	return nil, fmt.Errorf("memstore: no entry %d", index)
}

func (m *memStore) Entries(ctx context.Context, start uint64, fn func(index uint64, data, leafHash []byte) error) error {
	m.mu.Lock()
	entries := slices.Clone(m.entries)
	m.mu.Unlock()
	for _, e := range entries {
		if e.index < start {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e.index, e.data, e.leaf); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) NodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if id.Level == 0 {
			j, ok := slices.BinarySearchFunc(m.entries, id.Index, func(e memEntry, x uint64) int { return cmpUint(e.index, x) })
			if !ok {
				return nil, fmt.Errorf("memstore: leaf %d: not found", id.Index)
			}
			out[i] = m.entries[j].leaf
			continue
		}
		h, ok := m.nodes[id]
		if !ok {
			return nil, fmt.Errorf("memstore: node %d/%d: not found", id.Level, id.Index)
		}
		out[i] = h
	}
	return out, nil
}

func (m *memStore) Checkpoints(ctx context.Context, fn func(Checkpoint) error) error {
	m.mu.Lock()
	cps := slices.Clone(m.checkpoints)
	m.mu.Unlock()
	for _, c := range cps {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func cloneHashes(hs [][]byte) [][]byte {
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = slices.Clone(h)
	}
	return out
}

// The tamper methods. Each replaces slices rather than writing into them,
// so that snapshots already handed out stay as they were.

func (m *memStore) pos(index uint64) int {
	i, ok := slices.BinarySearchFunc(m.entries, index, func(e memEntry, x uint64) int { return cmpUint(e.index, x) })
	if !ok {
		panic(fmt.Sprintf("memstore: no entry %d", index))
	}
	return i
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// setData replaces entry index's bytes, keeping its stored leaf hash.
func (m *memStore) setData(index uint64, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[m.pos(index)].data = slices.Clone(data)
}

func (m *memStore) data(index uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries[m.pos(index)].data)
}

func (m *memStore) setLeafHash(index uint64, h []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[m.pos(index)].leaf = slices.Clone(h)
}

func (m *memStore) deleteEntry(index uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = slices.Delete(slices.Clone(m.entries), m.pos(index), m.pos(index)+1)
}

// swapEntries swaps the rows' contents, keeping their indexes.
func (m *memStore) swapEntries(i, j uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	es := slices.Clone(m.entries)
	a, b := m.pos(i), m.pos(j)
	es[a].data, es[b].data = es[b].data, es[a].data
	es[a].leaf, es[b].leaf = es[b].leaf, es[a].leaf
	m.entries = es
}

// truncate deletes the entries from n on and rewinds the state to match, as
// an attacker hiding the newest entries would; nodes and checkpoints stay.
func (m *memStore) truncate(n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = slices.Clone(m.entries[:m.pos(n)])
	r := rangeFactory.NewEmptyRange(0)
	for _, e := range m.entries {
		if err := r.Append(e.leaf, nil); err != nil {
			panic(err)
		}
	}
	m.size, m.hashes = n, r.Hashes()
}

// forgeEntry appends an entry with a consistent state and nodes but no
// checkpoint: all an attacker without the signing key can do.
func (m *memStore) forgeEntry(data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := rangeFactory.NewRange(0, m.size, cloneHashes(m.hashes))
	if err != nil {
		panic(err)
	}
	leaf := hasher.HashLeaf(data)
	if err := r.Append(leaf, func(id compact.NodeID, h []byte) { m.nodes[id] = h }); err != nil {
		panic(err)
	}
	m.entries = append(m.entries, memEntry{m.size, data, leaf})
	m.size, m.hashes = m.size+1, r.Hashes()
}

func (m *memStore) setCheckpoint(c Checkpoint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cps := slices.Clone(m.checkpoints)
	for i := range cps {
		if cps[i].Size == c.Size {
			cps[i] = c
		}
	}
	m.checkpoints = cps
}

func (m *memStore) checkpoint(size uint64) Checkpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.checkpoints {
		if c.Size == size {
			return c
		}
	}
	panic(fmt.Sprintf("memstore: no checkpoint %d", size))
}

func (m *memStore) deleteCheckpoint(size uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoints = slices.DeleteFunc(slices.Clone(m.checkpoints), func(c Checkpoint) bool { return c.Size == size })
}

func (m *memStore) setNode(id compact.NodeID, h []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nodes[id] = h
}

func (m *memStore) deleteNode(id compact.NodeID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.nodes, id)
}

func (m *memStore) setState(size uint64, hashes [][]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.size, m.hashes = size, hashes
}
