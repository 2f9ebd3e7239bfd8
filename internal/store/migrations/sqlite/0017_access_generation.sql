-- The access generation (issue 15): a counter that every change to what
-- the content route reads bumps in the transaction that makes it, kept by
-- triggers so that no code path can make such a change and forget it:
-- grants (an approval inserts one, a revocation updates it), the
-- recordings of a request that has a grant, and the recordings themselves
-- (a correction, a deletion). The content route keeps live grants and
-- recordings in a cache (app.accessCache) that holds for one generation;
-- every range request reads the generation in its own snapshot, so a
-- change committed by any process on the database (another instance, the
-- CLI) empties every cache at the next request. Expiry needs no bump: the
-- cache compares each grant's period with the clock. A recording's links
-- and signs_at change with activities and rules and do not bump it: the
-- content route does not read them.
CREATE TABLE access_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO access_generation (id, n) VALUES (1, 0);

-- One line each: the migration runner splits statements at ";" + newline.
CREATE TRIGGER grants_insert_generation AFTER INSERT ON grants
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_update_generation AFTER UPDATE ON grants
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_delete_generation AFTER DELETE ON grants
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER granted_recordings_insert_generation AFTER INSERT ON access_request_recordings WHEN EXISTS (SELECT 1 FROM grants WHERE request_id = NEW.request_id)
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER granted_recordings_delete_generation AFTER DELETE ON access_request_recordings WHEN EXISTS (SELECT 1 FROM grants WHERE request_id = OLD.request_id)
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER granted_recordings_update_generation AFTER UPDATE ON access_request_recordings
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER recordings_update_generation AFTER UPDATE OF digest, size, filename, kind, device, officer, recorded_start, recorded_end, ingested_at, uploader_id, media, probe_error, clock_offset_ms, clock_measured_at ON recordings
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER recordings_delete_generation AFTER DELETE ON recordings
BEGIN UPDATE access_generation SET n = n + 1 WHERE id = 1; END;
