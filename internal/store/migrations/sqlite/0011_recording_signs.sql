-- When the signs of editing were last checked for a recording on its own
-- (web.checkRecording); NULL: never. The evaluator checks the recordings
-- still NULL — those stored before the check existed, and any whose check
-- after ingest was lost to a crash — so none is left unjudged.
ALTER TABLE recordings ADD COLUMN signs_at INTEGER;
CREATE INDEX recordings_signs_due ON recordings(id) WHERE signs_at IS NULL;
