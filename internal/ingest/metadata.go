package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tus/tusd/v2/pkg/handler"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// Metadata is what a client declares about an upload in tus Upload-Metadata.
type Metadata struct {
	// Filename is the base name the device gave the file, cleaned of
	// directories and control characters (never trusted as a path).
	Filename string
	// SHA256 is the digest the client computed, if it declared one; the
	// server's own digest must match it.
	SHA256 *blob.Digest
	// Device and Officer are the station's identification of the device
	// (ZFY_INFO product serial) and of the officer (警号), if given.
	Device, Officer string
}

// Metadata keys. The server writes metaUploader itself at creation; a
// client's value for it is discarded.
const (
	metaFilename = "filename"
	metaSHA256   = "sha256"
	metaDevice   = "device"
	metaOfficer  = "officer"
	metaUploader = "shilu_uploader"
)

const maxNameBytes = 255

// ParseMetadataHeader parses an Upload-Metadata header value as tusd does
// and then validates it with ParseMetadata.
func ParseMetadataHeader(header string) (Metadata, error) {
	return ParseMetadata(handler.ParseMetadataHeader(header))
}

// ParseMetadata validates the declared metadata. Hostile file names are
// cleaned rather than refused (a recording is never refused for its name);
// a malformed digest or identity is refused, since the client can fix it.
func ParseMetadata(m map[string]string) (Metadata, error) {
	var md Metadata
	md.Filename = cleanName(m[metaFilename])
	if s, ok := m[metaSHA256]; ok && s != "" {
		d, err := blob.ParseDigest(s)
		if err != nil {
			return md, evidence.Errorf(evidence.EInvalid, "metadata sha256: want 64 hex digits")
		}
		md.SHA256 = &d
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{metaDevice, &md.Device}, {metaOfficer, &md.Officer}} {
		v := m[f.key]
		if len(v) > 64 || !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return md, evidence.Errorf(evidence.EInvalid, "metadata %s: at most 64 printable characters", f.key)
		}
		*f.dst = strings.TrimSpace(v)
	}
	return md, nil
}

// cleanName keeps the last path element of name (either separator), drops
// control and invalid characters, and caps the length at 255 bytes on a rune
// boundary. An empty result becomes "unnamed".
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "unnamed"
	}
	return name
}
