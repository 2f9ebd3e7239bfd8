package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// InclusionProof returns the RFC 6962 inclusion proof of entry index in the
// tree of the given size, built from stored node hashes (no recomputation).
// It requires index < size <= the log's size.
func InclusionProof(ctx context.Context, r Reader, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof: %w", err)
	}
	hashes, err := r.NodeHashes(ctx, nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof of %d in %d: %w", index, size, err)
	}
	p, err := nodes.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof of %d in %d: %w", index, size, err)
	}
	return p, nil
}

// VerifyInclusion checks that leafData (an entry's encoding) is entry index
// of the tree of the given size and root. It needs nothing from Shilu, only
// the root from a checkpoint whose signature the caller has checked.
func VerifyInclusion(leafData []byte, index, size uint64, root []byte, hashes [][]byte) error {
	if err := proof.VerifyInclusion(hasher, index, size, hasher.HashLeaf(leafData), hashes, root); err != nil {
		return fmt.Errorf("audit: entry %d not in tree of size %d: %w", index, size, err)
	}
	return nil
}

// ConsistencyProof returns the RFC 6962 consistency proof between the trees
// of size1 and size2 (size1 <= size2 <= the log's size): evidence that the
// larger tree extends the smaller one, i.e. that nothing was rewritten.
func ConsistencyProof(ctx context.Context, r Reader, size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("audit: consistency proof: %w", err)
	}
	hashes, err := r.NodeHashes(ctx, nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("audit: consistency proof %d to %d: %w", size1, size2, err)
	}
	p, err := nodes.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("audit: consistency proof %d to %d: %w", size1, size2, err)
	}
	return p, nil
}

// VerifyConsistency checks that the tree of size2 and root2 extends the tree
// of size1 and root1.
func VerifyConsistency(size1, size2 uint64, root1, root2 []byte, hashes [][]byte) error {
	if err := proof.VerifyConsistency(hasher, size1, size2, hashes, root1, root2); err != nil {
		return fmt.Errorf("audit: tree %d does not extend tree %d: %w", size2, size1, err)
	}
	return nil
}

// ErrRolledBack reports a log shorter than a checkpoint held outside it:
// entries that were signed have since been removed.
var ErrRolledBack = errors.New("audit: custody log is shorter than a checkpoint held outside it")

// Extends checks that the log r, whose verified size and root are size and
// root, extends held: a checkpoint kept outside the database (a witness
// file, an export). A log rolled back to a copy from before held (newest
// entries deleted with their checkpoints) verifies on its own; against a
// held checkpoint it is found, as is a log whose history differs from what
// held signed.
func Extends(ctx context.Context, r Reader, size uint64, root []byte, held Checkpoint) error {
	if size < held.Size {
		return fmt.Errorf("%w: %d entries, the held checkpoint signs %d", ErrRolledBack, size, held.Size)
	}
	if held.Size == 0 {
		return nil
	}
	hashes, err := ConsistencyProof(ctx, r, held.Size, size)
	if err != nil {
		return err
	}
	if err := VerifyConsistency(held.Size, size, held.Root, root, hashes); err != nil {
		return fmt.Errorf("%w: %v", ErrTampered, err)
	}
	return nil
}
