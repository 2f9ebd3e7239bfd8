-- The device registry (X-DEV-1): recorders by their ZFY_INFO product serial,
-- with kind, model and unit; their assignment to officers over time (who had
-- which device when, spans that never overlap); their status (in service,
-- repair, lost) with the moment it was set. Recordings are checked against it
-- (Art. 20(二) lending, unknown and lost devices).
CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    serial        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    kind          TEXT    NOT NULL,
    model         TEXT    NOT NULL DEFAULT '',
    department_id INTEGER REFERENCES departments(id),
    status        TEXT    NOT NULL,
    status_since  INTEGER NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_seen     INTEGER,
    last_station  TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE device_assignments (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    officer     TEXT    NOT NULL,
    from_at     INTEGER NOT NULL,
    until_at    INTEGER,
    note        TEXT    NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX device_assignments_device ON device_assignments(device_id, from_at);
CREATE INDEX device_assignments_officer ON device_assignments(officer, from_at);

-- Devices a collection station reported docked that the registry does not
-- know: shown on the registry page to be registered.
CREATE TABLE device_sightings (
    serial  TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    officer TEXT    NOT NULL DEFAULT '',
    unit    TEXT    NOT NULL DEFAULT '',
    station TEXT    NOT NULL,
    seen_at INTEGER NOT NULL
);

-- What each collection station last reported (its heartbeat): the server's
-- time of the report, its queue and its latest errors as JSON.
CREATE TABLE stations (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id),
    last_contact INTEGER NOT NULL,
    report       TEXT    NOT NULL
);

-- X-DEV-3: the device's "important" / locked mark, kept through ingest.
-- (recordings.important comes with migration 0019, retention.)
