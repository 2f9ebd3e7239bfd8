package audit

import (
	"context"
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
