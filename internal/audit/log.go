package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// hasher is RFC 6962's SHA-256 tree hasher. rangeFactory must be one value:
// compact ranges merge only with ranges of the same factory.
var (
	hasher       = rfc6962.DefaultHasher
	rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// Log appends entries to the custody log and signs its checkpoints. It holds
// no state of its own (the tree lives in the store), so one Log serves any
// number of goroutines; the store serializes the transactions that append.
type Log struct {
	// Origin names the log in its checkpoints, e.g. "shilu.example.gov.cn/audit".
	Origin string
	// Signer signs checkpoints; its key name is Origin.
	Signer note.Signer
}

// GenerateKey returns a new Ed25519 key pair for the log named origin, in the
// signed-note key formats: signerKey ("PRIVATE+KEY+…") is the archive's
// secret; verifierKey ("<origin>+<hash>+<key>") is what auditors are given.
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	signerKey, verifierKey, err = note.GenerateKey(rand.Reader, origin)
	if err == nil {
		// note.GenerateKey does not check the name (no spaces, no '+');
		// NewSigner does, and a key it rejects is of no use.
		_, err = note.NewSigner(signerKey)
	}
	if err != nil {
		return "", "", fmt.Errorf("audit: generate key for %q: %w", origin, err)
	}
	return signerKey, verifierKey, nil
}

// VerifierKey returns the verifier key of a signer key, so that the public
// key can be printed (admin UI, export discs) from the secret alone.
func VerifierKey(signerKey string) (string, error) {
	// The note package derives no public key from a signer key, so this
	// parses its documented form: PRIVATE+KEY+<name>+<hash>+<base64(0x01 ||
	// Ed25519 seed)>. Names cannot contain '+'; the base64 can.
	parts := strings.SplitN(signerKey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("audit: malformed signer key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("audit: malformed signer key: want an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", fmt.Errorf("audit: signer key: %w", err)
	}
	return vkey, nil
}

// NewLog returns the log named origin, signing with signerKey, and the
// verifier of its checkpoints. The key's name must be origin, so that the
// verifier key an auditor holds also tells them which log it is for.
func NewLog(origin, signerKey string) (*Log, note.Verifier, error) {
	s, err := note.NewSigner(signerKey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: signer key: %w", err)
	}
	if s.Name() != origin {
		return nil, nil, fmt.Errorf("audit: signer key is for %q, not origin %q", s.Name(), origin)
	}
	vkey, err := VerifierKey(signerKey)
	if err != nil {
		return nil, nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	if v.KeyHash() != s.KeyHash() {
		return nil, nil, errors.New("audit: signer key's hash does not match its key")
	}
	return &Log{Origin: origin, Signer: s}, v, nil
}

// Append adds e to the log inside tx, the transaction of the state change e
// describes, and returns it as stored: Index set to its position and Time in
// UTC. It signs a checkpoint for the new size, so that tampering with even
// the newest entry contradicts a signature. The caller commits tx; if tx
// rolls back, the entry and checkpoint go with it.
func (l *Log) Append(ctx context.Context, tx Tx, e Entry) (Entry, error) {
	if l.Signer == nil {
		return Entry{}, errors.New("audit: append: log has no signer")
	}
	size, hashes, err := tx.LogState(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	e.Index = size
	e.Time = e.Time.UTC()
	data, err := e.Encode()
	if err != nil {
		return Entry{}, err
	}
	leaf := hasher.HashLeaf(data)
	// Cloned because Range.Append rewrites its hashes slice in place, and a
	// store may hand out a slice it still holds.
	rng, err := rangeFactory.NewRange(0, size, slices.Clone(hashes))
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: log state of size %d: %w", size, err)
	}
	var nodes []Node
	err = rng.Append(leaf, func(id compact.NodeID, h []byte) {
		nodes = append(nodes, Node{ID: id, Hash: h})
	})
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	cp, err := l.checkpoint(size+1, root)
	if err != nil {
		return Entry{}, err
	}
	if err := tx.StoreAppend(ctx, size, data, leaf, nodes, rng.Hashes(), cp); err != nil {
		return Entry{}, fmt.Errorf("audit: append %d: %w", size, err)
	}
	return e, nil
}

// checkpoint signs the checkpoint of a tree of the given size and root.
func (l *Log) checkpoint(size uint64, root []byte) (Checkpoint, error) {
	text := l.Origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root) + "\n"
	msg, err := note.Sign(&note.Note{Text: text}, l.Signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign checkpoint %d: %w", size, err)
	}
	return Checkpoint{Size: size, Root: root, Note: string(msg)}, nil
}

// ParseCheckpoint checks a signed checkpoint note: a valid signature by v
// (other signatures, e.g. witnesses', are ignored), the given origin, and
// the exact text format Append writes. It returns the size and root the
// signature vouches for.
func ParseCheckpoint(noteText string, v note.Verifier, origin string) (Checkpoint, error) {
	c, err := parseCheckpoint(noteText, v, origin)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: %w", err)
	}
	return c, nil
}

func parseCheckpoint(noteText string, v note.Verifier, origin string) (Checkpoint, error) {
	n, err := note.Open([]byte(noteText), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, err
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 3 {
		return Checkpoint{}, fmt.Errorf("%d lines, want 3", len(lines))
	}
	if lines[0] != origin {
		return Checkpoint{}, fmt.Errorf("origin %q, want %q", lines[0], origin)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("malformed size %q", lines[1])
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != hasher.Size() || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return Checkpoint{}, fmt.Errorf("size %d: malformed root %q", size, lines[2])
	}
	return Checkpoint{Size: size, Root: root, Note: noteText}, nil
}
