-- Extractions (提取) of evidence as packages for a case file, a court or
-- another authority (Art. 15, 18; issue 10): the request, the leader's
-- decision and the package made of it. The package's MANIFEST digest is
-- also in the custody log (extraction.package), which is what a package
-- is checked against; a package here without an approval is a finding.
CREATE TABLE extractions (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    requester_id    INTEGER NOT NULL REFERENCES users(id),
    purpose         TEXT    NOT NULL,
    recipient       TEXT    NOT NULL DEFAULT '',
    proves          TEXT    NOT NULL,
    place           TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES users(id),
    decided_at      INTEGER,
    comment         TEXT    NOT NULL DEFAULT '',
    packaged_at     INTEGER,
    manifest_sha256 TEXT    NOT NULL DEFAULT '',
    iso_sha256      TEXT    NOT NULL DEFAULT '',
    iso_size        INTEGER NOT NULL DEFAULT 0,
    failure         TEXT    NOT NULL DEFAULT '',
    receipt         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX extractions_status ON extractions(status, id);
CREATE INDEX extractions_case ON extractions(case_id, id);

-- The recordings of an extraction, whole or a span (start_ms–end_ms from
-- the recording's start, both NULL for the whole recording).
CREATE TABLE extraction_items (
    extraction_id INTEGER NOT NULL REFERENCES extractions(id),
    position      INTEGER NOT NULL,
    recording_id  INTEGER NOT NULL REFERENCES recordings(id),
    start_ms      INTEGER,
    end_ms        INTEGER,
    PRIMARY KEY (extraction_id, position)
);
CREATE INDEX extraction_items_recording ON extraction_items(recording_id, extraction_id);
