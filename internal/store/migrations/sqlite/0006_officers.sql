-- Officer identity (R-ACT-3) and the notice to the party (Art. 8, X-ACT-2).
-- Activities name officers by officer number (执法证号); accounts now carry
-- that number and the name the notice reads out, so the notice can be
-- filled in and compliance grouped by the officers' departments.
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
-- NULL (or '') for accounts that are not officers: stations, administrators.
ALTER TABLE users ADD COLUMN officer_no TEXT;
-- One account per officer number; a partial index, so the many accounts
-- without one do not collide.
CREATE UNIQUE INDEX users_officer_no ON users(officer_no) WHERE officer_no IS NOT NULL AND officer_no <> '';

-- Who confirmed that the party was told recording is on (Art. 8), and when;
-- notice_given stays the flag the rules read. notice_confirmed_at is NULL
-- while unconfirmed or when notice_given came from a feed (PATCH).
ALTER TABLE activities ADD COLUMN notice_confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN notice_confirmed_at INTEGER;
-- The items of the spoken preamble (X-ACT-2) stated on the recording: a
-- JSON array of keys such as "time", "place".
ALTER TABLE activities ADD COLUMN preamble TEXT NOT NULL DEFAULT '[]';
