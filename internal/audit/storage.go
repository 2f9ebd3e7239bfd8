package audit

import (
	"context"

	"github.com/transparency-dev/merkle/compact"
)

// Node is the hash of a complete (perfect) subtree of the Merkle tree,
// stored so that inclusion proofs need no recomputation.
type Node struct {
	ID   compact.NodeID
	Hash []byte
}

// Tx is the storage the log needs to append, implemented by a metadata-store
// write transaction: the entry commits or rolls back with the state change it
// describes (the caller's transaction), and transactions that append are
// serialized by the store.
type Tx interface {
	// LogState returns the number of entries and the hashes of the compact
	// range [0, size) (nil for an empty log).
	LogState(ctx context.Context) (size uint64, hashes [][]byte, err error)
	// StoreAppend stores entry number index (== the size before the append)
	// with its canonical encoding and leaf hash, the subtree nodes above the
	// leaves that the append completed (the leaf, node (0, index), is the
	// leaf hash and is stored once, as that), and the compact range after
	// the append.
	StoreAppend(ctx context.Context, index uint64, data, leafHash []byte, nodes []Node, hashes [][]byte) error
	// AuditEntry returns the stored encoding of entry index.
	AuditEntry(ctx context.Context, index uint64) ([]byte, error)
	// LatestCheckpoint returns the stored checkpoint of the largest size;
	// ok is false when none is stored.
	LatestCheckpoint(ctx context.Context) (cp Checkpoint, ok bool, err error)
	// StoreCheckpoint stores a signed checkpoint; its size is larger than
	// every stored one's.
	StoreCheckpoint(ctx context.Context, cp Checkpoint) error
}

// Reader reads what Tx stored. Implementations read one consistent snapshot
// per call.
//
// Verify interleaves calls: it holds a Checkpoints call open (suspended in
// its fn) while it runs Entries, and calls NodeHashes from inside the
// Entries fn. An implementation must allow that; a read transaction on one
// SQLite connection does, but a single PostgreSQL connection cannot run a
// query while another's rows are open, so there Entries and Checkpoints
// should fetch in pages (keyset on index and size) and hold no cursor while
// calling fn. Verify also needs all its calls to see the same log: with
// appends running beside it, give it a Reader over one read transaction,
// or it may report a checkpoint newer than the entries it read.
type Reader interface {
	// Entries calls fn with each stored entry from index start on, in index
	// order, as stored: index, canonical encoding, stored leaf hash.
	Entries(ctx context.Context, start uint64, fn func(index uint64, data, leafHash []byte) error) error
	// NodeHashes returns the stored hashes of the given nodes, in order; a
	// missing node is an error. A node of level 0 is a leaf: the stored
	// leaf hash of the entry of its index.
	NodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error)
	// Checkpoints calls fn with each stored checkpoint in increasing size.
	Checkpoints(ctx context.Context, fn func(Checkpoint) error) error
	// LogState is as in Tx.
	LogState(ctx context.Context) (size uint64, hashes [][]byte, err error)
}

// Checkpoint is a signed tree head: size and root in the signed-note format
// (golang.org/x/mod/sumdb/note). Note holds the whole signed note text.
type Checkpoint struct {
	Size uint64 `json:"size"`
	Root []byte `json:"root"`
	Note string `json:"note"`
}
