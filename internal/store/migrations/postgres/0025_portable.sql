-- SQLite's 0025 drops its triggers (link counts and the access generation
-- are kept in Go; the baseline here never had them) and gives custody
-- entries their action and time as columns, as here.
ALTER TABLE audit_entries ADD COLUMN action TEXT;
ALTER TABLE audit_entries ADD COLUMN at BIGINT;
CREATE INDEX audit_entries_action ON audit_entries(action, idx);

-- A finding's recordings as rows (see SQLite's 0025).
CREATE TABLE finding_recordings (
    finding_id   BIGINT NOT NULL REFERENCES findings(id),
    position     BIGINT NOT NULL,
    recording_id BIGINT NOT NULL,
    PRIMARY KEY (finding_id, position)
);
CREATE INDEX finding_recordings_recording ON finding_recordings(recording_id, position);
INSERT INTO finding_recordings (finding_id, position, recording_id)
    SELECT f.id, j.n - 1, j.id::bigint FROM findings f, jsonb_array_elements_text(f.recording_ids::jsonb) WITH ORDINALITY AS j(id, n);
DROP INDEX findings_recording_alone;
