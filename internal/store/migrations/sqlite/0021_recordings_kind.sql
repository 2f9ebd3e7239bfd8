-- The list of recordings filtered by kind answers from an index in the
-- list's order (at a million recordings a rare kind was found by reading
-- every row in time order).
CREATE INDEX recordings_kind ON recordings(kind, recorded_start);
