-- Link counts (recordings.links) and the access generation are kept in Go
-- from now on (store: LinkRecording, UnlinkRecording, bumpAccess), the same
-- way on SQLite and PostgreSQL, which has no triggers in its schema (the
-- migration runner splits statements at ";" + newline, which a function
-- body would break). Their values carry on unchanged.
DROP TRIGGER activity_recordings_link;
DROP TRIGGER activity_recordings_unlink;
DROP TRIGGER grants_insert_generation;
DROP TRIGGER grants_update_generation;
DROP TRIGGER grants_delete_generation;
DROP TRIGGER granted_recordings_insert_generation;
DROP TRIGGER granted_recordings_delete_generation;
DROP TRIGGER granted_recordings_update_generation;
DROP TRIGGER recordings_update_generation;
DROP TRIGGER recordings_delete_generation;

-- A custody entry's action and time are columns, written with the entry
-- (store.Tx.StoreAppend), instead of an expression over the entry's bytes
-- that only SQLite's instr/substr could index. Entries stored before this
-- migration get theirs when the store next opens (fillEntryColumns).
DROP INDEX audit_entries_action;
ALTER TABLE audit_entries ADD COLUMN action TEXT;
ALTER TABLE audit_entries ADD COLUMN at BIGINT;
CREATE INDEX audit_entries_action ON audit_entries(action, idx);

-- A finding's recordings, in order, as rows beside the JSON array that the
-- findings' readers decode: the findings about one recording alone are
-- looked up here (position 0) instead of through an index over
-- json_extract. The rows of existing findings come from their arrays.
CREATE TABLE finding_recordings (
    finding_id   INTEGER NOT NULL REFERENCES findings(id),
    position     INTEGER NOT NULL,
    recording_id INTEGER NOT NULL,
    PRIMARY KEY (finding_id, position)
);
CREATE INDEX finding_recordings_recording ON finding_recordings(recording_id, position);
INSERT INTO finding_recordings (finding_id, position, recording_id)
    SELECT f.id, CAST(j.key AS INTEGER), j.value FROM findings f, json_each(f.recording_ids) j;
DROP INDEX findings_recording_alone;
