-- compliance.Record gained the upload delays (R-RPT-1: export delays). The
-- stored evaluations are dropped so that the evaluator, which evaluates every
-- activity without one, rebuilds them all at its next run; findings stay and
-- are synced again then.
DELETE FROM activity_evaluations;
