-- The grants' generation (issue 15): a counter that every change of a grant
-- bumps in the transaction that makes it, kept by triggers so that no code
-- path can change a grant and forget it: an approval (INSERT), a
-- revocation (UPDATE), a deletion, and a change of the recordings of a
-- request that already has a grant. The content route keeps live grants in
-- a cache (app.grantCache) that holds for one generation; every range
-- request reads the generation in its own snapshot, so a change committed
-- by any process on the database (another instance, the CLI) empties every
-- cache at the next request. Expiry needs no bump: the cache compares each
-- grant's end with the clock.
CREATE TABLE grant_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO grant_generation (id, n) VALUES (1, 0);

-- One line each: the migration runner splits statements at ";" + newline.
CREATE TRIGGER grants_insert_generation AFTER INSERT ON grants
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_update_generation AFTER UPDATE ON grants
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_delete_generation AFTER DELETE ON grants
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grant_recordings_insert_generation AFTER INSERT ON access_request_recordings WHEN EXISTS (SELECT 1 FROM grants WHERE request_id = NEW.request_id)
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grant_recordings_delete_generation AFTER DELETE ON access_request_recordings WHEN EXISTS (SELECT 1 FROM grants WHERE request_id = OLD.request_id)
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grant_recordings_update_generation AFTER UPDATE ON access_request_recordings
BEGIN UPDATE grant_generation SET n = n + 1 WHERE id = 1; END;
