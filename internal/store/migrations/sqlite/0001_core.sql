-- Times are INTEGER microseconds since the Unix epoch, UTC: one portable
-- representation for SQLite and PostgreSQL (BIGINT there).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- API tokens are stored as the SHA-256 of the token, never the token.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       BLOB    NOT NULL UNIQUE,
    name       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);

CREATE TABLE recordings (
    id             INTEGER PRIMARY KEY,
    digest         BLOB    NOT NULL UNIQUE,
    size           INTEGER NOT NULL,
    filename       TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    device         TEXT    NOT NULL DEFAULT '',
    officer        TEXT    NOT NULL DEFAULT '',
    recorded_start INTEGER,
    recorded_end   INTEGER,
    ingested_at    INTEGER NOT NULL,
    uploader_id    INTEGER NOT NULL REFERENCES users(id),
    media          TEXT    NOT NULL DEFAULT '',
    probe_error    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX recordings_officer ON recordings(officer, recorded_start);
CREATE INDEX recordings_device ON recordings(device, recorded_start);
CREATE INDEX recordings_start ON recordings(recorded_start);

-- The custody log (internal/audit): entries, the perfect-subtree node hashes
-- for inclusion proofs, the compact range of the whole tree, and a signed
-- checkpoint for every size.
CREATE TABLE audit_entries (
    idx       INTEGER PRIMARY KEY,
    data      BLOB    NOT NULL,
    leaf_hash BLOB    NOT NULL
);
CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE audit_state (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    size   INTEGER NOT NULL,
    hashes BLOB    NOT NULL
);
CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB    NOT NULL,
    note TEXT    NOT NULL
);
-- Audit rows of one object, for a recording's custody trail.
CREATE TABLE audit_objects (
    object TEXT    NOT NULL,
    idx    INTEGER NOT NULL REFERENCES audit_entries(idx),
    PRIMARY KEY (object, idx)
);
