-- SQLite's 0025 drops its triggers (link counts and the access generation
-- are kept in Go; the baseline here never had them) and gives custody
-- entries their action and time as columns, as here.
ALTER TABLE audit_entries ADD COLUMN action TEXT;
ALTER TABLE audit_entries ADD COLUMN at BIGINT;
CREATE INDEX audit_entries_action ON audit_entries(action, idx);
