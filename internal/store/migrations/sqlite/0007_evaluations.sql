-- The latest evaluation of each activity by the compliance rules (issue 4):
-- findings live in the findings table; this keeps what the dashboard
-- aggregates (compliance.Record, JSON) and when time alone will change the
-- result (next_at: a deadline passing; NULL when nothing will), so that the
-- rules run when an activity changes or a deadline passes, not on every view.
-- arrival repeats the activity's for range scans without a join.
CREATE TABLE activity_evaluations (
    activity_id  INTEGER PRIMARY KEY REFERENCES activities(id),
    arrival      INTEGER NOT NULL,
    evaluated_at INTEGER NOT NULL,
    next_at      INTEGER,
    record       TEXT    NOT NULL
);
CREATE INDEX activity_evaluations_arrival ON activity_evaluations(arrival);
CREATE INDEX activity_evaluations_next ON activity_evaluations(next_at) WHERE next_at IS NOT NULL;
