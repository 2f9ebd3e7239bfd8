package app

import (
	"maps"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// privateDetails are the facts of custody entries about people rather than
// about the evidence: why someone asked to view, what a leader wrote back,
// the address they came from. The register of viewings, which holds the
// same facts, is for the roles that may read it (PermRegisterRead); a
// recording's custody trail is open to every reader of the recording.
var privateDetails = []string{"reason", "comment", "remote", "note"}

// Redact returns e as u may read it in a recording's custody trail: whole
// for those who may read the register and for the entry's own actor,
// otherwise without its private details (issue 9 point 8). The redacted
// entry no longer hashes to its leaf, so it cannot prove inclusion; the
// roles that verify the log read it whole.
func Redact(u evidence.User, e audit.Entry) (entry audit.Entry, redacted bool) {
	if u.Role.Can(evidence.PermRegisterRead) || u.Role.Can(evidence.PermAuditRead) || e.Actor == u.Name {
		return e, false
	}
	for _, k := range privateDetails {
		if _, ok := e.Details[k]; ok {
			if !redacted {
				e.Details = maps.Clone(e.Details)
				redacted = true
			}
			delete(e.Details, k)
		}
	}
	return e, redacted
}
