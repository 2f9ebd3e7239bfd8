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
	"time"

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

// When the log signs. A checkpoint per entry made signatures the cost of
// both appending and verifying (an Ed25519 signature is about 50 µs to make
// or check, more than everything else an entry costs Verify), so, as
// transparency logs do, the log signs its head per batch: a write
// transaction that appended signs once, at its end, when it leaves
// CheckpointEvery or more entries unsigned or when the oldest unsigned entry
// is CheckpointAfter old; the server signs an idle log's head after
// CheckpointAfter, and whenever it starts or stops. So a log never holds
// CheckpointEvery or more unsigned entries after a commit, even after a
// crash, and a log at rest holds none; Verify reports an unsigned tail as a
// warning (Report.Unsigned) and a longer one as a problem.
//
// The cost: until the next signature, the newest entries are covered only by
// the recomputed root, so whoever can write the database in that window can
// change or add to them and the next checkpoint signs what they left. (That
// was so before too, for the window between two appends: an entry forged
// after the last checkpoint was signed over by the next append.) The witness
// (serve --witness, --witness-url) holds every checkpoint, so what was
// signed cannot be rolled back unnoticed.
const (
	CheckpointEvery = 1000
	CheckpointAfter = time.Minute
)

// Append adds e to the log inside tx, the transaction of the state change e
// describes, and returns it as stored: Index set to its position and Time in
// UTC. It does not sign: the transaction calls SignDue once at its end (the
// store does this for every write transaction that appended). The caller
// commits tx; if tx rolls back, the entry goes with it.
func (l *Log) Append(ctx context.Context, tx Tx, e Entry) (Entry, error) {
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
		if id.Level > 0 { // a leaf is stored once, as the entry's leaf hash
			nodes = append(nodes, Node{ID: id, Hash: h})
		}
	})
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	if err := tx.StoreAppend(ctx, size, data, leaf, nodes, rng.Hashes()); err != nil {
		return Entry{}, fmt.Errorf("audit: append %d: %w", size, err)
	}
	return e, nil
}

// SignHead signs and stores a checkpoint of the log's current size inside
// tx, unless the newest stored checkpoint already has that size. It returns
// the newest checkpoint, and whether it signed it now; on an empty log,
// where there is nothing to sign, the zero Checkpoint and false.
func (l *Log) SignHead(ctx context.Context, tx Tx) (Checkpoint, bool, error) {
	size, hashes, err := tx.LogState(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
	}
	latest, ok, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
	}
	if size == 0 || ok && latest.Size >= size {
		return latest, false, nil
	}
	return l.sign(ctx, tx, size, hashes)
}

// SignDue signs the head inside tx if the log's signing rule says it is
// time (see CheckpointEvery): CheckpointEvery or more entries unsigned, or
// the oldest unsigned entry's time CheckpointAfter or more before now.
func (l *Log) SignDue(ctx context.Context, tx Tx, now time.Time) (Checkpoint, bool, error) {
	size, hashes, err := tx.LogState(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
	}
	latest, ok, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
	}
	if size == 0 || ok && latest.Size >= size {
		return latest, false, nil
	}
	if size-latest.Size < CheckpointEvery {
		// The oldest unsigned entry's time, from its own bytes: the log
		// keeps no other clock, and one read per transaction is cheap.
		data, err := tx.AuditEntry(ctx, latest.Size)
		if err != nil {
			return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
		}
		// An entry that does not decode has no time: the count alone
		// decides then, rather than every write failing on a damaged
		// entry (Verify names it).
		if e, err := Decode(data); err != nil || now.Sub(e.Time) < CheckpointAfter {
			return latest, false, nil
		}
	}
	return l.sign(ctx, tx, size, hashes)
}

// sign signs and stores the checkpoint of the tree of the given size whose
// compact range is hashes.
func (l *Log) sign(ctx context.Context, tx Tx, size uint64, hashes [][]byte) (Checkpoint, bool, error) {
	if l.Signer == nil {
		return Checkpoint{}, false, errors.New("audit: sign: log has no signer")
	}
	rng, err := rangeFactory.NewRange(0, size, slices.Clone(hashes))
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: log state of size %d: %w", size, err)
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign: %w", err)
	}
	cp, err := l.checkpoint(size, root)
	if err != nil {
		return Checkpoint{}, false, err
	}
	if err := tx.StoreCheckpoint(ctx, cp); err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: sign %d: %w", size, err)
	}
	return cp, true, nil
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
