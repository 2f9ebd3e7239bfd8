-- Every filter of the lists answers from an index in the list's order
-- (keyset paging, store.Tx.Recordings and Tx.ActivityPage): at a million
-- recordings a rare kind was found by reading every row in time order, and
-- so was an activity type.
CREATE INDEX recordings_kind ON recordings(kind, recorded_start);
CREATE INDEX activities_type ON activities(type, arrival);
