// Package audit is the custody log (R-AUD-1, X-AUD-1): an append-only Merkle
// tree over the canonical encodings of log entries, hashed as in RFC 6962,
// with checkpoints (tree size and root) signed per batch of appends.
//
// A state change of evidence and its entry commit in one metadata-store
// transaction: Log.Append writes through the caller's Tx, so there is no
// change without its entry and no entry without its change. Verify recomputes
// the tree from the entry bytes alone and checks it against the signed
// checkpoints; inclusion and consistency proofs let a court or an auditor
// check an entry against a checkpoint without trusting Shilu.
//
// This comment is the format's specification, so that an auditor can write an
// independent verifier.
//
// # Entry encoding, version 1
//
// An entry is stored as the bytes
//
//	shilu-audit-entry/v1 LF
//	{"index":N,"time":T,"actor":S,"action":S,"object":S,"outcome":S,"digests":[S,...],"details":{K:S,...}}
//
// that is, the header line "shilu-audit-entry/v1\n" followed by one JSON
// object (RFC 8259) with exactly these members in exactly this order, no
// whitespace outside strings and nothing after the closing brace:
//
//   - index: the entry's position in the log, a decimal integer without
//     leading zeros. It is inside the hashed bytes so that an entry moved to
//     another position no longer matches its own index.
//   - time: when the change committed, UTC, as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
//     with always nine fraction digits (nanoseconds; the metadata store
//     keeps microseconds, so the last three are zero in practice).
//   - actor: the user name, or "system" for the server itself.
//   - action: a dotted verb such as "recording.ingest" or "user.login_failed":
//     two or more segments of a-z, 0-9 and "_", each starting with a letter.
//   - object: what the action concerns, "recording:42", "user:alice"; may be "".
//   - outcome: "ok", "denied" or "failed".
//   - digests: the SHA-256 digests of the blobs concerned, as "sha256-<hex>"
//     in lower case, in the order the writer gave them (it may mean something,
//     e.g. original before derivative).
//   - details: further string values, keys sorted by their UTF-8 bytes,
//     keys unique and non-empty; {} when there are none.
//
// Every string is valid UTF-8 and written literally except three things:
// '"' as \", '\' as \\, and U+0000..U+001F as \u00XX with lower-case hex.
// No other escapes appear. Control characters (Unicode category Cc) are
// allowed only in detail values; actor, action, object, outcome and detail
// keys are identifiers shown to people and must not contain them.
//
// The encoding is canonical: an entry has exactly one encoding, and Decode
// rejects any other byte string (it re-encodes what it parsed and compares),
// so that the bytes under the signatures are the only spelling of the entry.
//
// # Tree
//
// Entry i is leaf i. Leaf hash = SHA-256(0x00 || encoding); interior node =
// SHA-256(0x01 || left || right); the root of a tree of n leaves is the RFC
// 6962 §2.1 Merkle Tree Hash over leaves 0..n-1.
//
// # Checkpoints
//
// A checkpoint is a signed note (golang.org/x/mod/sumdb/note, as in the C2SP
// tlog-checkpoint format) whose text is exactly
//
//	<origin> LF <size in decimal> LF <root in standard base64> LF
//
// with no extension lines, signed with Ed25519 by the archive's key, whose
// name is the origin. The verifier key is printed in the admin UI and on
// every export disc.
//
// Checkpoints are signed per batch, not per entry (CheckpointEvery): a
// transaction that appended signs once at its end when 1000 entries are
// unsigned or the oldest unsigned one is a minute old, and the server signs
// an idle head. Not every size has a checkpoint; the newest entries may
// have none yet, and Verify reports them as unsigned (Report.Unsigned).
package audit
