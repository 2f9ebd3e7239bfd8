-- How many activities each recording is linked to, kept by triggers, so
-- that the orphans (R-USE-1: linked to none) are found through a partial
-- index instead of probing activity_recordings for every recording: the
-- dashboard counts a period's orphans on every view.
ALTER TABLE recordings ADD COLUMN links INTEGER NOT NULL DEFAULT 0;
UPDATE recordings SET links = (SELECT COUNT(*) FROM activity_recordings l WHERE l.recording_id = recordings.id);
CREATE INDEX recordings_orphan_start ON recordings(recorded_start) WHERE links = 0;
CREATE INDEX recordings_orphan_ingested ON recordings(ingested_at) WHERE links = 0 AND recorded_start IS NULL;

-- One line each: the migration runner splits statements at ";" + newline.
CREATE TRIGGER activity_recordings_link AFTER INSERT ON activity_recordings
BEGIN UPDATE recordings SET links = links + 1 WHERE id = NEW.recording_id; END;
CREATE TRIGGER activity_recordings_unlink AFTER DELETE ON activity_recordings
BEGIN UPDATE recordings SET links = links - 1 WHERE id = OLD.recording_id; END;
