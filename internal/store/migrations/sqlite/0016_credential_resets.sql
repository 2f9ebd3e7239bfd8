-- A reset of a person's password or second factor by someone else is told
-- to that person at their next sign-in (issue 9 point 2): one row per
-- reset, seen_at NULL until they acknowledge it. by_name is the custody
-- log's actor (an account name, or the operator's cli:NAME).
CREATE TABLE credential_resets (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id),
    at       BIGINT  NOT NULL,
    by_name  TEXT    NOT NULL,
    password BOOLEAN NOT NULL DEFAULT 0,
    totp     BOOLEAN NOT NULL DEFAULT 0,
    seen_at  BIGINT
);
CREATE INDEX credential_resets_unseen ON credential_resets(user_id) WHERE seen_at IS NULL;
