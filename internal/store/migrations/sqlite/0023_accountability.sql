-- Accountability (执法过错责任追究, Art. 20–21; issue 14 point 4): a case
-- opened from a finding against one officer, answered by the officer's
-- statement and decided by a leader. decisions is a comma-separated list
-- of evidence.AccDecision codes; decided_on the date written on the
-- decision (YYYY-MM-DD, Asia/Shanghai). department_id is the officer's
-- department when the case was opened: the figures count the case there
-- even after the officer moves.
CREATE TABLE accountability_cases (
    id            INTEGER PRIMARY KEY,
    finding_id    INTEGER NOT NULL REFERENCES findings(id),
    officer       TEXT    NOT NULL,
    officer_id    INTEGER NOT NULL REFERENCES users(id),
    department_id INTEGER REFERENCES departments(id),
    item          TEXT    NOT NULL,
    facts         TEXT    NOT NULL,
    consequence   TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    statement     TEXT    NOT NULL DEFAULT '',
    statement_at  INTEGER,
    decisions     TEXT    NOT NULL DEFAULT '',
    decided_on    TEXT    NOT NULL DEFAULT '',
    decision_note TEXT    NOT NULL DEFAULT '',
    decided_by    INTEGER REFERENCES users(id),
    decided_at    INTEGER,
    opened_by     INTEGER NOT NULL REFERENCES users(id),
    opened_at     INTEGER NOT NULL,
    closed_by     INTEGER REFERENCES users(id),
    closed_at     INTEGER,
    UNIQUE (finding_id, officer)
);
CREATE INDEX accountability_officer ON accountability_cases(officer_id, id);
CREATE INDEX accountability_opened ON accountability_cases(opened_at);

-- Spot checks (抽查, X-RPT-2; issue 14 point 5): a month's random sample of
-- one department's activities and recordings. month is YYYY-MM in
-- Asia/Shanghai; seed is what the sample was drawn with, so that the same
-- seed over the same month's data draws it again.
CREATE TABLE spot_checks (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    month         TEXT    NOT NULL,
    seed          INTEGER NOT NULL,
    size          INTEGER NOT NULL,
    population_activities INTEGER NOT NULL,
    population_recordings INTEGER NOT NULL,
    drawn_by      INTEGER NOT NULL REFERENCES users(id),
    drawn_at      INTEGER NOT NULL,
    UNIQUE (department_id, month)
);

-- One sampled activity or recording with its reviewer and, once reviewed,
-- the answers to the form: answers is one letter per question in the
-- order of evidence.SpotQuestions, y or n.
CREATE TABLE spot_check_items (
    id            INTEGER PRIMARY KEY,
    spot_check_id INTEGER NOT NULL REFERENCES spot_checks(id),
    kind          TEXT    NOT NULL,
    object_id     INTEGER NOT NULL,
    reviewer_id   INTEGER NOT NULL REFERENCES users(id),
    answers       TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    reviewed_at   INTEGER,
    UNIQUE (spot_check_id, kind, object_id)
);
CREATE INDEX spot_check_items_reviewer ON spot_check_items(reviewer_id, reviewed_at);
