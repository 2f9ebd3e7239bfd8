-- Cases (案件) and their files (案卷): recordings and activities are attached
-- to a case (附卷) and detached with a reason (the reason is in the custody
-- log, with who did it); the case file's retention decides how long its
-- evidence is kept (Art. 14, R-RET-2). Numbers are the bureau's own, unique.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    number          TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL,
    parties         TEXT    NOT NULL DEFAULT '',
    department_id   INTEGER REFERENCES departments(id),
    status          TEXT    NOT NULL,
    retention_years INTEGER NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX cases_status ON cases(status, id);

CREATE TABLE case_officers (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    officer  TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (case_id, officer)
);
CREATE INDEX case_officers_officer ON case_officers(officer, case_id);

CREATE TABLE case_items (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    kind        TEXT    NOT NULL, -- recording, activity
    item_id     INTEGER NOT NULL,
    attached_by INTEGER NOT NULL REFERENCES users(id),
    attached_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind, item_id)
);
CREATE INDEX case_items_item ON case_items(kind, item_id);
