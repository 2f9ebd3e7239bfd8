-- Retention (issue 11): the bureau's retention classes (X-RET-1), each
-- recording's retain-until computed from every rule (stored, recomputed in
-- the transaction that changes a rule's facts), holds (Art. 18) and
-- disposals, whose carried-out rows are the tombstones kept for ever
-- (R-RET-3). A disposed recording keeps its row (digest, size, names):
-- the catalogue and the custody log still account for it.
CREATE TABLE retention_classes (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL, -- years, case, permanent
    years      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO retention_classes (id, name, kind, years, created_at, updated_at) VALUES
    (1, '一般执法记录', 'years', 1, 0, 0),
    (2, '随案卷保存', 'case', 0, 0, 0),
    (3, '永久保存', 'permanent', 0, 0, 0);

CREATE TABLE retention_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    default_class   INTEGER NOT NULL REFERENCES retention_classes(id),
    important_class INTEGER NOT NULL REFERENCES retention_classes(id),
    grace_days      INTEGER NOT NULL CHECK (grace_days >= 1)
);
INSERT INTO retention_settings (id, default_class, important_class, grace_days) VALUES (1, 1, 3, 30);

-- important: the device's important/locked mark (X-DEV-3). retain_kind is
-- '' until computed (rows older than this migration: computed at open).
ALTER TABLE recordings ADD COLUMN important INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN retention_class_id INTEGER REFERENCES retention_classes(id);
ALTER TABLE recordings ADD COLUMN retain_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN retain_until INTEGER;
ALTER TABLE recordings ADD COLUMN retain_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN retain_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN disposed_at INTEGER;
CREATE INDEX recordings_retain_until ON recordings(retain_until) WHERE retain_kind = 'date' AND disposed_at IS NULL;
CREATE INDEX recordings_class ON recordings(retention_class_id);

-- When a case file was archived (归档): its retention counts from then.
ALTER TABLE cases ADD COLUMN archived_at INTEGER;

CREATE TABLE holds (
    id           INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    kind         TEXT    NOT NULL, -- litigation, reconsideration, petition
    reason       TEXT    NOT NULL,
    placed_by    INTEGER NOT NULL REFERENCES users(id),
    placed_at    INTEGER NOT NULL,
    lifted_by    INTEGER REFERENCES users(id),
    lifted_at    INTEGER,
    lift_reason  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX holds_recording ON holds(recording_id, id);

CREATE TABLE disposals (
    id            INTEGER PRIMARY KEY,
    recording_id  INTEGER NOT NULL REFERENCES recordings(id),
    status        TEXT    NOT NULL, -- proposed, approved, cancelled, disposed
    reason        TEXT    NOT NULL,
    proposed_by   INTEGER NOT NULL REFERENCES users(id),
    proposed_at   INTEGER NOT NULL,
    approved_by   INTEGER REFERENCES users(id),
    approved_at   INTEGER,
    due_at        INTEGER,
    cancelled_by  INTEGER REFERENCES users(id),
    cancelled_at  INTEGER,
    cancel_reason TEXT    NOT NULL DEFAULT '',
    disposed_at   INTEGER,
    erased_at     INTEGER
);
-- One disposal at a time per recording, and one carried out for ever.
CREATE UNIQUE INDEX disposals_live ON disposals(recording_id) WHERE status <> 'cancelled';
CREATE INDEX disposals_status ON disposals(status, id);

-- Fixity scrubbing (issue 11 point 4): each original re-hashed on a
-- schedule at a bytes-per-second budget. fixity_problem is '' (intact),
-- 'missing' or 'corrupt' as the last check found it (a serious finding,
-- Art. 20(七)); fixity_state is the pass under way and the last finished.
ALTER TABLE recordings ADD COLUMN fixity_problem TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN fixity_at INTEGER;
CREATE TABLE fixity_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    pass_started_at INTEGER,
    cursor          INTEGER NOT NULL DEFAULT 0,
    checked         INTEGER NOT NULL DEFAULT 0,
    bytes           INTEGER NOT NULL DEFAULT 0,
    problems        INTEGER NOT NULL DEFAULT 0,
    last_started_at INTEGER,
    last_finished_at INTEGER,
    last_checked    INTEGER NOT NULL DEFAULT 0,
    last_bytes      INTEGER NOT NULL DEFAULT 0,
    last_problems   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO fixity_state (id) VALUES (1);
