-- Enforcement activities and recording compliance (Art. 4-13, issue 4):
-- activities with their officers and devices, the recordings linked to
-- them, device checks, explanations of interruptions, exemptions and the
-- findings of the compliance rules. Times are INTEGER microseconds UTC.

CREATE TABLE activities (
    id                  INTEGER PRIMARY KEY,
    type                TEXT    NOT NULL,
    address             TEXT    NOT NULL,
    lat                 REAL,
    lon                 REAL,
    party               TEXT    NOT NULL DEFAULT '',
    arrival             INTEGER NOT NULL,
    end_at              INTEGER NOT NULL,
    work_mode           TEXT    NOT NULL DEFAULT 'normal',
    return_at           INTEGER,
    case_number         TEXT    NOT NULL DEFAULT '',
    scene               TEXT    NOT NULL DEFAULT '',
    violations          TEXT    NOT NULL DEFAULT '',
    physical_evidence   TEXT    NOT NULL DEFAULT '',
    notice_given        INTEGER NOT NULL DEFAULT 0,
    -- 先行登记保存 (X-ACT-3): NULL approved_at means none.
    preservation_by         TEXT    NOT NULL DEFAULT '',
    preservation_at         INTEGER,
    preservation_decided_at INTEGER,
    created_by          INTEGER NOT NULL REFERENCES users(id),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX activities_arrival ON activities(arrival);

-- Officers and devices keep the order in which they were given.
CREATE TABLE activity_officers (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    officer     TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, officer)
);
CREATE INDEX activity_officers_officer ON activity_officers(officer);

CREATE TABLE activity_devices (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    device      TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, device)
);

-- Links are made only when a person confirms them (Art. 4).
CREATE TABLE activity_recordings (
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    linked_by    INTEGER NOT NULL REFERENCES users(id),
    linked_at    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, recording_id)
);
CREATE INDEX activity_recordings_recording ON activity_recordings(recording_id);

CREATE TABLE device_checks (
    id          INTEGER PRIMARY KEY,
    activity_id INTEGER REFERENCES activities(id),
    officer     TEXT    NOT NULL,
    device      TEXT    NOT NULL,
    battery_ok  INTEGER NOT NULL,
    storage_ok  INTEGER NOT NULL,
    clock_ok    INTEGER NOT NULL,
    checked_at  INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX device_checks_officer ON device_checks(officer, checked_at);
CREATE INDEX device_checks_activity ON device_checks(activity_id);

-- One explanation per computed gap, named by activity, officer and the
-- gap's start. A later explanation of the same gap replaces it, so the
-- written explanation (R-ACT-7) can follow the report.
CREATE TABLE interruptions (
    id                  INTEGER PRIMARY KEY,
    activity_id         INTEGER NOT NULL REFERENCES activities(id),
    officer             TEXT    NOT NULL,
    gap_start           INTEGER NOT NULL,
    gap_end             INTEGER NOT NULL,
    cause               TEXT    NOT NULL,
    note                TEXT    NOT NULL DEFAULT '',
    voice_recording_id  INTEGER REFERENCES recordings(id),
    voice_point_ms      INTEGER NOT NULL DEFAULT 0,
    could_not_continue  INTEGER NOT NULL DEFAULT 0,
    reported_to         TEXT    NOT NULL DEFAULT '',
    reported_at         INTEGER,
    written_explanation TEXT    NOT NULL DEFAULT '',
    explained_by        TEXT    NOT NULL,
    explained_at        INTEGER NOT NULL,
    UNIQUE (activity_id, officer, gap_start)
);

CREATE TABLE exemptions (
    id              INTEGER PRIMARY KEY,
    activity_id     INTEGER NOT NULL REFERENCES activities(id),
    category        TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    basis           TEXT    NOT NULL,
    submitter_id    INTEGER NOT NULL REFERENCES users(id),
    submitted_by    TEXT    NOT NULL,
    submitted_at    INTEGER NOT NULL,
    acknowledged_by TEXT    NOT NULL DEFAULT '',
    acknowledged_at INTEGER
);
CREATE INDEX exemptions_activity ON exemptions(activity_id);

-- Findings are keyed by the rule's Key, so a re-evaluation updates the
-- same row and keeps its status. resolved_at is set while the rule no
-- longer fires (the row stays as history) and cleared when it fires again.
-- recording_ids is a JSON array.
CREATE TABLE findings (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    rule          TEXT    NOT NULL,
    article       TEXT    NOT NULL,
    officer       TEXT    NOT NULL DEFAULT '',
    activity_id   INTEGER REFERENCES activities(id),
    recording_ids TEXT    NOT NULL DEFAULT '[]',
    evidence      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    resolved_at   INTEGER,
    accepted_by   TEXT    NOT NULL DEFAULT '',
    accepted_at   INTEGER
);
CREATE INDEX findings_activity ON findings(activity_id);
CREATE INDEX findings_status ON findings(status, rule);
