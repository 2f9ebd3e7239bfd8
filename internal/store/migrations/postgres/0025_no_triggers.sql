-- SQLite's 0025 drops its triggers: link counts and the access generation
-- are kept in Go. PostgreSQL's baseline never had them; this twin keeps the
-- schema versions equal.
SELECT 1;
