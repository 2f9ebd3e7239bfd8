-- The evaluator's queries answer from indexes (issue 17: at 1 M recordings
-- and 2.7 M findings a scan held the writer for seconds).
--
-- The findings about one recording alone (tied to no activity, the
-- recording first in recording_ids) are looked up by that recording.
CREATE INDEX findings_recording_alone ON findings(json_extract(recording_ids, '$[0]')) WHERE activity_id IS NULL;

-- The activities never evaluated wait here, instead of being found by
-- comparing every activity with its evaluation at each run of the
-- evaluator. A migration that drops evaluations (as 0012 did) queues their
-- activities again; PutEvaluation and DropEvaluation take an activity off.
CREATE TABLE evaluation_queue (
    activity_id INTEGER PRIMARY KEY REFERENCES activities(id)
);
INSERT INTO evaluation_queue (activity_id)
    SELECT id FROM activities a WHERE voided_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM activity_evaluations e WHERE e.activity_id = a.id);
