-- Access requests, grants and the register of viewings (Art. 16-17).

CREATE TABLE access_requests (
    id           INTEGER PRIMARY KEY,
    requester_id INTEGER NOT NULL REFERENCES users(id),
    purpose      TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    valid_from   INTEGER NOT NULL,
    valid_until  INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES users(id),
    decided_at   INTEGER,
    comment      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX access_requests_requester ON access_requests(requester_id, created_at);
CREATE INDEX access_requests_status ON access_requests(status, created_at);

CREATE TABLE access_request_recordings (
    request_id   INTEGER NOT NULL REFERENCES access_requests(id),
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    PRIMARY KEY (request_id, recording_id)
);
CREATE INDEX access_request_recordings_recording ON access_request_recordings(recording_id);

CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL UNIQUE REFERENCES access_requests(id),
    grantee_id  INTEGER NOT NULL REFERENCES users(id),
    valid_from  INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    revoked_at  INTEGER,
    revoked_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX grants_grantee ON grants(grantee_id, valid_until);

CREATE TABLE viewings (
    id           INTEGER PRIMARY KEY,
    grant_id     INTEGER REFERENCES grants(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    started_at   INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    requests     INTEGER NOT NULL,
    bytes        INTEGER NOT NULL
);
CREATE INDEX viewings_user_recording ON viewings(user_id, recording_id, last_at);
CREATE INDEX viewings_started ON viewings(started_at);
